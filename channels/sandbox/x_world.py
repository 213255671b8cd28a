"""The emulated X account: its posts, the mentions of it, its direct messages and media."""

from __future__ import annotations

import itertools
import random
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from channels.media import kind_of
from channels.sandbox.world import NetworkWorld, PersonIds
from conectados.clock import Clock

ACCOUNT_ID = "1500000000000000001"
ACCOUNT_USERNAME = "acueducto_ejemplo"
ACCOUNT_NAME = "Acueducto de Ejemplo"


def x_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass
class User:
    id: str
    name: str
    username: str


@dataclass
class Tweet:
    id: str
    text: str
    author: User
    created: datetime
    media_keys: list[str] = field(default_factory=list)
    in_reply_to: str | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    hidden: bool = False


@dataclass
class DmEvent:
    id: str
    text: str
    sender: User
    conversation_id: str
    created: datetime


@dataclass
class Media:
    id: str
    media_type: str
    category: str
    total_bytes: int
    data: bytearray = field(default_factory=bytearray)
    state: str = "created"
    status_checks: int = 0

    @property
    def key(self) -> str:
        prefix = "3" if self.media_type.startswith("image/") else "7"
        return f"{prefix}_{self.id}"


class XWorld(NetworkWorld):
    """One X account with its posts, the mentions of it, its direct messages and media."""

    name = "x"

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.account = User(ACCOUNT_ID, ACCOUNT_NAME, ACCOUNT_USERNAME)
        self.users: dict[str, User] = {ACCOUNT_ID: self.account}
        self.tweets: dict[str, Tweet] = {}
        self.dm_events: list[DmEvent] = []
        self.media: dict[str, Media] = {}
        self.replies: list[dict[str, Any]] = []
        self.window_start = time.time()
        self.window_calls: dict[str, int] = {}
        self.people = PersonIds(base=1600000000000000000, span=10**17)  # 19 digits, like X's
        self.usernames = {ACCOUNT_USERNAME}

    def new_id(self) -> str:
        return str(1870000000000000000 + self.next_number())

    def user(self, name: str) -> User:
        user_id = self.people.id_for(name)
        found = self.users.get(user_id)
        if found is not None:
            return found
        user = self.users[user_id] = User(user_id, name, self._free_username(name))
        self.usernames.add(user.username)
        return user

    def _free_username(self, name: str) -> str:
        """A handle of at most 15 letters and digits from the name, not taken by anyone else."""
        plain = unicodedata.normalize("NFKD", name.lower())
        wanted = "".join(ch for ch in plain if ch.isascii() and ch.isalnum())[:15]
        wanted = wanted or "ciudadano"
        if wanted not in self.usernames:
            return wanted
        for number in itertools.count(2):
            suffix = str(number)
            candidate = wanted[: 15 - len(suffix)] + suffix
            if candidate not in self.usernames:
                return candidate
        raise AssertionError("unreachable")

    def add_tweet(self, text: str, author: User, created: datetime, **extra: Any) -> Tweet:
        tweet = Tweet(self.new_id(), text, author, created, **extra)
        seed = random.Random(tweet.id)
        impressions = 80 + seed.randint(0, 900)
        tweet.metrics = {
            "retweet_count": seed.randint(0, 6),
            "reply_count": 0,
            "like_count": seed.randint(0, 30),
            "quote_count": seed.randint(0, 2),
            "bookmark_count": seed.randint(0, 3),
            "impression_count": impressions,
        }
        self.tweets[tweet.id] = tweet
        return tweet

    def add_dm(self, sender: User, other: User, text: str, created: datetime) -> DmEvent:
        low, high = sorted((int(sender.id), int(other.id)))
        event = DmEvent(self.new_id(), text, sender, f"{low}-{high}", created)
        self.dm_events.append(event)
        return event

    def citizen_item(self, kind: str, text: str, author: str, on: str | None, at: datetime) -> dict:
        user = self.user(author)
        if kind == "message":
            event = self.add_dm(user, self.account, text, at)
            return {
                "id": event.id,
                "sender_id": user.id,
                "dm_conversation_id": event.conversation_id,
            }
        if kind not in ("mention", "comment"):
            raise ValueError("x admite kind mention, comment o message")
        if on and on not in self.tweets:
            raise ValueError(f"no existe la publicación {on}")
        if f"@{ACCOUNT_USERNAME}" not in text:
            text = f"@{ACCOUNT_USERNAME} {text}"
        tweet = self.add_tweet(text, user, at, in_reply_to=on)
        if on:
            self.tweets[on].metrics["reply_count"] += 1
        return {"id": tweet.id, "author_id": user.id}

    def state(self) -> dict[str, Any]:
        return {
            "posts": [
                {
                    "id": tweet.id,
                    "text": tweet.text,
                    "media": [
                        {
                            "type": kind_of(self.media[key.split("_", 1)[1]].media_type),
                            "mime_type": self.media[key.split("_", 1)[1]].media_type,
                        }
                        for key in tweet.media_keys
                    ],
                    "created_time": x_time(tweet.created),
                }
                for tweet in self.tweets.values()
                if tweet.author.id == ACCOUNT_ID and tweet.in_reply_to is None
            ],
            "replies": self.replies,
            "hidden": [tweet.id for tweet in self.tweets.values() if tweet.hidden],
            "calls": dict(self.calls),
        }
