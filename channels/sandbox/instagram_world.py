"""The emulated Instagram professional account: its media containers, published media,
comments, Direct conversations and figures.

Ids are 17 digits starting "17" like Instagram's (a Facebook id in the simulator has 15),
so the Instagram routes (registered before Graph's) take only Instagram's objects.

Two parts, each kept by the code that uses it: publishing (containers, media, the publishing
limit: `instagram_publishing.py`) and engagement (comments, Direct messages, figures:
`instagram_engagement.py`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from channels.sandbox.world import NetworkWorld, PersonIds
from conectados.clock import Clock

IG_USER_ID = "17841400000000001"
"""The company's Instagram professional account in the simulator."""
IG_USERNAME = "acueductodeejemplo"
ID_PATTERN = r"17\d{15}"
"""Every Instagram object id in the simulator (the routes match these and no Facebook id)."""
CONTAINER_LIFE = timedelta(hours=24)
"""Containers expire after 24 hours (IG User Media reference, Limitations)."""
PROCESSING_ERRORS = {
    2207001: "Instagram server error. Try again.",
    2207032: "Create media fail, please try to re-create media",
    2207042: "You reached maximum number of posts that is allowed to be published by Content "
    "Publishing API.",
    2207053: "An unknown error occured during upload. Generate a new container and use it to "
    "try again. This should only affect video uploads.",
}
"""Meta's words for the subcodes a container's processing may end in (the Error Codes
reference; the 2207042 one seen in the wild in a container's `status`)."""


@dataclass
class Citizen:
    id: str
    """Instagram-scoped id (IGSID) in messages; the same number as the commenter's id here."""
    username: str


# --- publishing -------------------------------------------------------------------------


@dataclass
class Container:
    """A media container (`POST /{ig-user-id}/media`): IN_PROGRESS until its media is
    fetched and processed, then FINISHED; PUBLISHED once `media_publish` used it; EXPIRED
    24 hours after it was made; ERROR when its media could not be used."""

    id: str
    media_type: str
    """IMAGE, VIDEO (a carousel item), REELS, STORIES or CAROUSEL."""
    caption: str
    created: datetime
    ready_at: datetime | None
    """When it turns FINISHED (None: its media has not arrived yet, a resumable upload)."""
    status_code: str = "IN_PROGRESS"
    status: str = ""
    """Meta's words when status_code is ERROR."""
    url: str | None = None
    """image_url or video_url as given (None for a resumable upload)."""
    children: list[str] = field(default_factory=list)
    is_carousel_item: bool = False
    media_id: str | None = None
    """The published media, once `media_publish` used this container."""
    details: dict[str, Any] = field(default_factory=dict)
    """What else was given (cover_url, share_to_feed, upload bytes and size...)."""
    resumable: bool = False
    """upload_type=resumable: its video comes to rupload (`/ig-api-upload/...`)."""
    media_in: datetime | None = None
    """When its media arrived whole (fetched, or uploaded): processing starts then."""
    received: int = 0
    head: bytes = b""
    """The first bytes of an uploaded video (enough to read its MP4 header)."""
    fails_with: int | None = None
    """The subcode its processing ends in, in ERROR (the `containers_in_error` knob)."""


@dataclass
class Media:
    """A published media object (`GET /{ig-user-id}/media` lists them, newest first)."""

    id: str
    media_type: str
    """IMAGE, VIDEO or CAROUSEL_ALBUM, as the media object says it."""
    media_product_type: str
    """FEED, REELS or STORY."""
    caption: str
    created: datetime
    container_id: str
    children: list[str] = field(default_factory=list)
    # None: the simulator's own audience (`InstagramWorld.figures`); a number: what a test set.
    like_count: int | None = None
    shares: int | None = None
    saved: int | None = None
    views: int | None = None
    reach: int | None = None

    @property
    def permalink(self) -> str:
        kind = "reel" if self.media_product_type == "REELS" else "p"
        return f"https://www.instagram.com/{kind}/{self.id[-11:]}/"


# --- engagement -------------------------------------------------------------------------


@dataclass
class Comment:
    id: str
    media_id: str
    parent_id: str | None
    author: Citizen
    text: str
    created: datetime
    hidden: bool = False
    private_reply_sent: bool = False
    ours: bool = False
    """Written by the company's account (a public reply)."""
    reply_to: str | None = None
    """Ours: the comment we answered (a reply to a reply sits under its top-level one)."""


@dataclass
class DirectMessage:
    id: str
    """The message's mid."""
    sender: Citizen | None
    """None: the company wrote it."""
    text: str
    created: datetime
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Conversation:
    citizen: Citizen
    messages: list[DirectMessage] = field(default_factory=list)


class InstagramWorld(NetworkWorld):
    """One Instagram professional account, linked to the simulator's Facebook Page."""

    name = "instagram"

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.account = Citizen(IG_USER_ID, IG_USERNAME)
        self.people = PersonIds(base=17_000_000_000_000_000, span=10**15)
        # --- publishing ---
        self.containers: dict[str, Container] = {}
        self.media: dict[str, Media] = {}
        self.container_seconds = 0.0
        """How long a container stays IN_PROGRESS (0: FINISHED when first asked about)."""
        self.quota_total = 100
        """Published posts allowed in a moving 24 hours (content_publishing_limit)."""
        self.publish_delay = 0.0
        """Seconds media_publish takes to answer once it has published (a late answer)."""
        self.upload_bytes = 0
        """Every byte that reached rupload (tests see what was sent again)."""
        self.containers_in_error = 0
        """How many of the next containers whose media arrives end their processing in ERROR
        (instead of FINISHED), with `error_subcode` in their status."""
        self.error_subcode = 2207053
        # --- engagement ---
        self.comments: dict[str, Comment] = {}
        self.conversations: dict[str, Conversation] = {}
        self.sent: list[dict[str, Any]] = []
        """Every Direct message the company sent (text, recipient, tag), for tests."""

    def new_id(self) -> str:
        """A new Instagram id: 17 digits, growing, never one a Facebook object has."""
        return "17" + str(self.next_number()).rjust(15, "0")[-15:]

    # --- publishing ---

    def container_status(self, container: Container) -> str:
        """The container's status_code now: FINISHED `container_seconds` after its media
        arrived, EXPIRED 24 hours after it was made unless published."""
        if container.status_code in ("PUBLISHED", "ERROR", "EXPIRED"):
            return container.status_code
        now = self.now()
        if now >= container.created + CONTAINER_LIFE:
            container.status_code = "EXPIRED"
        elif container.ready_at is not None and now >= container.ready_at:
            container.status_code = "FINISHED"
            if container.fails_with is not None:
                subcode = container.fails_with
                words = PROCESSING_ERRORS.get(subcode, "The media could not be processed.")
                container.status_code = "ERROR"
                container.status = f"Error: {words} with error code {subcode}"
        return container.status_code

    def media_arrived(self, container: Container) -> None:
        if self.containers_in_error > 0:  # the knob: this one's processing ends in ERROR
            self.containers_in_error -= 1
            container.fails_with = self.error_subcode
        container.media_in = self.now()
        container.ready_at = container.media_in + timedelta(seconds=self.container_seconds)

    def set_container_seconds(self, seconds: float) -> None:
        """How long processing takes, for new containers and those still IN_PROGRESS."""
        self.container_seconds = seconds
        for container in self.containers.values():
            if container.status_code == "IN_PROGRESS" and container.media_in is not None:
                container.ready_at = container.media_in + timedelta(seconds=seconds)

    def published_since(self, since: datetime) -> list[Media]:
        """Media published through the API since `since` (what the publishing limit counts)."""
        return [media for media in self.media.values() if media.created > since]

    def publish(self, container: Container) -> Media:
        """`media_publish`: the FINISHED container becomes a media object, once."""
        kind = {"CAROUSEL": "CAROUSEL_ALBUM", "REELS": "VIDEO", "STORIES": "IMAGE"}
        product = {"REELS": "REELS", "STORIES": "STORY"}
        media = Media(
            id=self.new_id(),
            media_type=kind.get(container.media_type, container.media_type),
            media_product_type=product.get(container.media_type, "FEED"),
            caption=container.caption,
            created=self.now(),
            container_id=container.id,
            children=list(container.children),
        )
        if container.media_type == "STORIES" and container.resumable:
            media.media_type = "VIDEO"
        self.media[media.id] = media
        container.status_code = "PUBLISHED"
        container.media_id = media.id
        return media

    def state(self) -> dict[str, Any]:
        """What the control API's `state` shows of this account (tests read it)."""
        return {
            "posts": [
                {
                    "id": media.id,
                    "text": media.caption,
                    "media_type": media.media_type,
                    "media_product_type": media.media_product_type,
                    "container_id": media.container_id,
                    "children": media.children,
                    "created_time": media.created.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                }
                for media in self.media.values()
            ],
            "containers": len(self.containers),
            "replies": [
                {
                    "id": comment.id,
                    "parent_id": comment.parent_id,
                    "to": comment.reply_to,
                    "text": comment.text,
                    "public": True,
                }
                for comment in self.comments.values()
                if comment.ours
            ]
            + [
                {
                    "id": sent["id"],
                    "to": sent["recipient"].get("comment_id") or sent["recipient"].get("id"),
                    "text": sent["text"],
                    "public": False,
                    "tag": sent.get("tag"),
                }
                for sent in self.sent
            ],
            "comments": [
                {
                    "id": comment.id,
                    "media_id": comment.media_id,
                    "parent_id": comment.parent_id,
                    "text": comment.text,
                    "from": comment.author.id,
                }
                for comment in self.comments.values()
                if not comment.ours
            ],
            "hidden": [comment.id for comment in self.comments.values() if comment.hidden],
            "sent": self.sent,
            "calls": dict(self.calls),
        }

    # --- engagement: what citizens write, and what the routes and the control API ask -----

    def citizen(self, name: str) -> Citizen:
        """The person called `name` (their IGSID is derived from the name, like their
        commenter id: the same number in both, as this simulator keeps it)."""
        person_id = self.people.id_for(name)
        username = "".join(char for char in name.lower() if char.isalnum())[:30] or "usuario"
        return Citizen(person_id, username)

    def add_comment(
        self,
        media_id: str,
        author: Citizen,
        text: str,
        at: datetime,
        parent_id: str | None = None,
        ours: bool = False,
    ) -> Comment:
        """A comment on a media (or a reply under a top-level comment: Instagram keeps one
        level, so a reply to a reply goes under its top-level comment)."""
        answered = parent_id
        if parent_id is not None:
            parent = self.comments[parent_id]
            parent_id = parent.parent_id or parent.id
        comment = Comment(self.new_id(), media_id, parent_id, author, text, at, ours=ours)
        if ours:
            comment.reply_to = answered
        self.comments[comment.id] = comment
        return comment

    def add_message(self, citizen: Citizen, text: str, at: datetime) -> DirectMessage:
        """A Direct message a citizen wrote to the account."""
        conversation = self.conversations.setdefault(citizen.id, Conversation(citizen))
        conversation.citizen = citizen
        message = DirectMessage("aWdf" + self.new_id(), citizen, text, at)
        conversation.messages.append(message)
        return message

    def last_heard(self, igsid: str) -> datetime | None:
        """When the citizen last wrote a Direct message (the 24-hour window counts from it)."""
        conversation = self.conversations.get(igsid)
        times = [m.created for m in conversation.messages if m.sender] if conversation else []
        return max(times, default=None)

    def comments_on(self, media_id: str, top_level: bool = True) -> list[Comment]:
        return [
            comment
            for comment in self.comments.values()
            if comment.media_id == media_id and (comment.parent_id is None or not top_level)
        ]

    def figures(self, media: Media) -> dict[str, int]:
        """The media's views, reach, likes, shares and saves, one answer for the insights and
        `like_count`: what a test set, or an audience seeded by the media id (the same media
        always has the same) that grows with its comments, as the Facebook world's posts."""
        seed = random.Random(media.id)
        comments = self.comments_count(media.id)
        views = 150 + seed.randint(0, 1500) + 40 * comments
        simulated = {
            "views": views,
            "reach": int(views * 0.7),
            "like_count": seed.randint(0, 40) + comments,
            "shares": seed.randint(0, 5),
            "saved": seed.randint(0, 10),
        }
        return {
            name: value if (given := getattr(media, name)) is None else given
            for name, value in simulated.items()
        }

    def comments_count(self, media_id: str) -> int:
        """The media's `comments_count`: its comments and their replies (Meta counts both)."""
        return len(self.comments_on(media_id, top_level=False))

    def latest_media(self) -> Media | None:
        return max(self.media.values(), key=lambda media: media.created, default=None)
