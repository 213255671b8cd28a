"""Reading an X account: new mentions and direct messages, each item standing alone.

The half of the X adapter that polls (`XChannel` publishes, answers and measures);
mentions and direct messages are read as plain JSON through tweepy's `Client`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import tweepy

from channels.base import (
    Batch,
    Incoming,
    SetAside,
    Unreadable,
    citizen_text,
    readable_id,
    readable_text,
    required_id,
    written_time,
)
from channels.http import CountingSession, guarded
from channels.polling import PollCursor, StreamCursor
from conectados.clock import Clock

log = logging.getLogger("channels.x")

TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "referenced_tweets"]
DM_FIELDS = ["id", "text", "event_type", "sender_id", "dm_conversation_id", "created_at"]


class XReading:
    """Polling an X account: what `XChannel` builds (its clients, session and clock)."""

    name: str
    clock: Clock
    session: CountingSession
    lists: tweepy.Client
    first_poll_lookback: Any
    user_id: str
    _call: Callable[..., Any]

    @guarded("X")
    def poll(self, cursor: str | None) -> Batch:
        """New mentions (since the last id seen) and new direct messages (by event id); an
        item that cannot be read is set aside (in the batch, with why) and the others go on."""
        calls_before = self.session.calls
        state = PollCursor.load(cursor, self.clock.now() - self.first_poll_lookback)
        aside: list[SetAside] = []
        items = list(self._new_mentions(state, aside))
        items += list(self._new_messages(state.stream("messages"), aside))
        return Batch(items, state.dump(), calls=self.session.calls - calls_before, set_aside=aside)

    def _new_mentions(self, state: PollCursor, aside: list[SetAside]) -> Iterator[Incoming]:
        since_id = state.value("mentions_since_id")
        window = {"since_id": since_id} if since_id else {"start_time": state.start}
        users: dict[str, dict[str, Any]] = {}
        newest = since_id
        for tweet in self._pages(
            self.lists.get_users_mentions,
            self.user_id,
            max_results=100,
            expansions=["author_id"],
            tweet_fields=TWEET_FIELDS,
            user_fields=["username", "name"],
            user_auth=True,
            users=users,
            **window,
        ):
            tweet_id = readable_id(tweet.get("id")) if isinstance(tweet, dict) else None
            # The next poll starts after the newest id read, readable or not: an odd post
            # is set aside once and never holds back the ones after it.
            if (
                tweet_id
                and tweet_id.isascii()
                and tweet_id.isdigit()
                and (newest is None or int(tweet_id) > int(newest))
            ):
                newest = tweet_id
            incoming = self._read(tweet, "mention", users, aside, self._mention)
            if incoming is not None:
                yield incoming
        if newest:
            state.set_value("mentions_since_id", newest)

    def _mention(self, tweet: dict[str, Any], users: dict[str, dict[str, Any]]) -> Incoming | None:
        remote_id = required_id(tweet.get("id"), "id")
        if str(tweet.get("author_id")) == self.user_id:
            return None
        written = written_time(
            _readable_x_time(tweet.get("created_at")), self.clock.now(), "created_at"
        )
        references = tweet.get("referenced_tweets") or []
        replied_to = next(
            (
                readable_id(ref.get("id"))
                for ref in (references if isinstance(references, list) else [])
                if isinstance(ref, dict) and ref.get("type") == "replied_to"
            ),
            None,
        )
        author_id = readable_id(tweet.get("author_id")) or ""
        if "text" not in tweet:
            raise Unreadable("text falta")
        return Incoming(
            network=self.name,
            kind="mention",
            remote_id=remote_id,
            author_id=author_id,
            author_name=_author_name(users.get(author_id)),
            text=citizen_text(tweet.get("text"), "text"),
            written_at=written,
            thread_id=readable_id(tweet.get("conversation_id")) or remote_id,
            parent_id=replied_to,
        )

    def _new_messages(self, stream: StreamCursor, aside: list[SetAside]) -> Iterator[Incoming]:
        # No since_id for direct messages: pages come newest first; stop at the cursor.
        users: dict[str, dict[str, Any]] = {}

        def older(item: Any) -> bool:
            written = x_time_or_none(item.get("created_at") if isinstance(item, dict) else None)
            return written is not None and written < stream.since  # unreadable: read on

        def message(event: dict[str, Any], users: dict[str, dict[str, Any]]) -> Incoming | None:
            remote_id = required_id(event.get("id"), "id")
            written = written_time(
                _readable_x_time(event.get("created_at")), self.clock.now(), "created_at"
            )
            sender = readable_id(event.get("sender_id")) or ""
            if sender == self.user_id or not stream.is_new(remote_id, written):
                return None
            # Seen now: whatever is wrong below, it is set aside once, not every round.
            return Incoming(
                network=self.name,
                kind="message",
                remote_id=remote_id,
                author_id=required_id(sender, "sender_id"),
                author_name=_author_name(users.get(sender)),
                text=citizen_text(event.get("text"), "text"),
                written_at=written,
                thread_id=readable_id(event.get("dm_conversation_id")) or "",
            )

        for event in self._pages(
            self.lists.get_direct_message_events,
            event_types="MessageCreate",
            dm_event_fields=DM_FIELDS,
            expansions=["sender_id"],
            user_fields=["username", "name"],
            max_results=50,
            users=users,
            stop=older,
        ):
            incoming = self._read(event, "message", users, aside, message)
            if incoming is not None:
                yield incoming

    def _read(
        self,
        item: Any,
        kind: str,
        users: dict[str, dict[str, Any]],
        aside: list[SetAside],
        read: Callable[[dict[str, Any], dict[str, dict[str, Any]]], Incoming | None],
    ) -> Incoming | None:
        """One item of a list as an Incoming; one that cannot be read is set aside."""
        try:
            if not isinstance(item, dict):
                raise Unreadable("el elemento no es un objeto JSON")
            return read(item, users)
        except (Unreadable, KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            reason = (
                exc.reason if isinstance(exc, Unreadable) else f"ilegible ({type(exc).__name__})"
            )
            noun = "mención" if kind == "mention" else "mensaje directo"
            remote_id = item.get("id") if isinstance(item, dict) else None
            aside.append(
                SetAside.of(self.name, kind, f"{noun} apartado: {reason}", item, remote_id)
            )
            log.warning("x: %s apartado: %s", noun, reason)
            return None

    def _pages(
        self,
        method: Callable[..., Any],
        *args: Any,
        users: dict[str, dict[str, Any]] | None = None,
        stop: Callable[[Any], bool] | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Every item of a paginated v2 list (plain JSON), following next_token; `stop` ends
        early. Items are handed on as they came: each caller checks its own."""
        token = None
        while True:
            answer = self._call(
                method, *args, **kwargs, **({"pagination_token": token} if token else {})
            )
            if not isinstance(answer, dict):
                raise TypeError("the answer is not a JSON object")
            if users is not None:
                includes = answer.get("includes")
                found = includes.get("users") if isinstance(includes, dict) else None
                for user in found if isinstance(found, list) else []:
                    user_id = readable_id(user.get("id")) if isinstance(user, dict) else None
                    if user_id is not None:
                        users[user_id] = user
            data = answer.get("data") or []
            if not isinstance(data, list):
                raise TypeError("data is not a list")
            for item in data:
                if stop is not None and stop(item):
                    return
                yield item
            meta = answer.get("meta")
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if not token:
                return


def x_time(value: Any) -> datetime:
    return (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )


def _readable_x_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise Unreadable("created_at falta o no es una fecha válida")
    try:
        written = x_time(value)
    except ValueError:
        raise Unreadable("created_at falta o no es una fecha válida") from None
    if written.tzinfo is None:
        raise Unreadable("created_at no dice su zona horaria")
    return written


def x_time_or_none(value: Any) -> datetime | None:
    try:
        return _readable_x_time(value)
    except Unreadable:
        return None


def _author_name(user: Any) -> str:
    if not isinstance(user, dict):
        return ""
    for key in ("name", "username"):
        if isinstance(user.get(key), str) and user[key]:
            return readable_text(user[key])
    return ""
