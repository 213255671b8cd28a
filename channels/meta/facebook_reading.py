"""Reading the company's Facebook Page: comments and Messenger messages, one reading each.

`page_comment` and `messenger_message` turn a comment and a message into an `Incoming`
however they came: the poll here and Meta's webhooks (`channels/meta/webhooks.py`) both
use them. `FacebookChannel` polls through `PageReading`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from pyfacebook import GraphAPI

from channels.base import (
    Attachment,
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
from channels.meta.graph import graph_time, listed, next_link, next_query, time_or_none
from channels.polling import PollCursor, StreamCursor
from channels.specs import FACEBOOK
from conectados.clock import Clock

log = logging.getLogger("channels.meta.facebook")

# Posts per page and comments per post in one poll: small enough that Graph does not
# answer "Please reduce the amount of data you're asking for" (code 1).
POSTS_PER_PAGE = 50
COMMENTS_PER_POST = 25
MESSAGES_PER_CONVERSATION = 25
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id}"
ATTACHMENT_FIELDS = "id,mime_type,name,size,image_data{url},video_data{url},file_url"
MESSAGE_FIELDS = f"id,message,created_time,from,attachments{{{ATTACHMENT_FIELDS}}}"
MAX_ATTACHMENT_TEXT = 2_000
"""An attachment's URL or media type longer than this is not one: it is cut."""
MESSENGER_KINDS = {"image": "image", "video": "video", "audio": "audio", "file": "document"}
"""Messenger's attachment types (the webhook's `type`) -> our kinds; others stay as Meta says."""

NAME = FACEBOOK.name
MAX_NAME = 1_000
"""A name longer than this is not a name: it is cut (what the citizen wrote is cut on storing)."""


def _name(value: Any) -> str:
    return readable_text(value[:MAX_NAME]) if isinstance(value, str) else ""


def page_comment(
    remote_id: str,
    author: Any,
    message: Any,
    where: str,
    written_at: datetime,
    post_id: str,
    parent_id: str | None,
) -> Incoming:
    """A comment on one of the Page's posts, however it came (poll or webhook): one reading.

    `author` is Graph's `from` (Meta leaves it out for some people); `where` names the
    message's field in the errors.
    """
    author = author if isinstance(author, dict) else {}
    return Incoming(
        network=NAME,
        kind="comment",
        remote_id=remote_id,
        author_id=readable_id(author.get("id")) or "",
        author_name=_name(author.get("name")),
        text=citizen_text(message, where),
        written_at=written_at,
        thread_id=post_id,
        parent_id=parent_id or post_id,
    )


def messenger_message(
    remote_id: str,
    author_id: str,
    author_name: Any,
    text: str,
    written_at: datetime,
    conversation_id: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> Incoming:
    """A citizen's Messenger message to the Page, however it came (poll or webhook)."""
    return Incoming(
        network=NAME,
        kind="message",
        remote_id=remote_id,
        author_id=author_id,
        author_name=_name(author_name),
        text=text,
        written_at=written_at,
        thread_id=conversation_id,
        attachments=attachments,
    )


def _short(value: Any) -> str:
    return readable_text(value[:MAX_ATTACHMENT_TEXT]) if isinstance(value, str) else ""


def messenger_attachment(kind: Any, url: Any, mime_type: Any = "") -> Attachment:
    """A file a citizen sent on Messenger, however it came: one reading.

    The webhook gives `type` and `payload.url` (`messenger_attachment(item.get("type"),
    (item.get("payload") or {}).get("url"))`); the poll gives the Graph attachment's
    `mime_type` and its url (`graph_attachments`). `kind` is Messenger's type (image,
    video, audio, file) or a MIME type; "file" and documents become "document".
    """
    kind = _short(kind)
    if "/" in kind:  # a MIME type: image/jpeg -> image
        main = kind.split("/", 1)[0]
        kind = main if main in ("image", "video", "audio") else "document"
    return Attachment(MESSENGER_KINDS.get(kind, kind), _short(url), _short(mime_type))


def graph_attachments(edge: Any) -> tuple[Attachment, ...]:
    """A polled message's `attachments` edge (`{"data": [{id, mime_type, image_data{url} |
    video_data{url} | file_url}]}`) as Attachments; an entry that is not an object is
    skipped, as the webhook skips it."""
    found = edge.get("data") if isinstance(edge, dict) else None
    attachments = []
    for item in found if isinstance(found, list) else []:
        if not isinstance(item, dict):
            continue
        image = item.get("image_data") if isinstance(item.get("image_data"), dict) else {}
        video = item.get("video_data") if isinstance(item.get("video_data"), dict) else {}
        url = image.get("url") or video.get("url") or item.get("file_url") or item.get("id")
        mime_type = item.get("mime_type")
        kind = "image" if image else "video" if video else mime_type or "file"
        attachments.append(messenger_attachment(kind, url, mime_type or ""))
    return tuple(attachments)


class PageReading:
    """Polling a Page: what `FacebookChannel` builds (its Graph client, clock and windows)."""

    name: str
    page_id: str
    api: GraphAPI
    session: CountingSession
    clock: Clock
    comment_window: timedelta
    first_poll_lookback: timedelta
    _call: Callable[..., Any]

    @guarded("Facebook")
    def poll(self, cursor: str | None) -> Batch:
        """New comments on the Page's recent posts and new Messenger messages.

        Costs one call for the posts of the last `comment_window` days (with their new
        comments expanded in the same answer) and one for the inbox, however many posts
        the Page has; more only when there is more new activity than fits in one answer,
        or more than 50 posts in the window. An item that cannot be read is set aside
        (in the batch, with why) and the others go on.
        """
        calls_before = self.session.calls
        state = PollCursor.load(cursor, self.clock.now() - self.first_poll_lookback)
        aside: list[SetAside] = []
        comments = list(self._new_comments(state.stream("comments"), aside))
        messages = list(self._new_messages(state.stream("messages"), aside))
        return Batch(
            comments + messages,
            state.dump(),
            calls=self.session.calls - calls_before,
            set_aside=aside,
        )

    def _published_posts(self, fields: str, since: int) -> Any:
        """The Page's posts published since `since` (a Unix time), one page of them, with
        `fields`: what the poll reads comments from and where a lost publish is looked for."""
        return self._call(
            self.api.get_full_connections,
            self.page_id,
            "published_posts",
            count=None,
            limit=POSTS_PER_PAGE,
            since=since,
            fields=fields,
        )

    def _new_comments(self, stream: StreamCursor, aside: list[SetAside]) -> Iterator[Incoming]:
        since = int(stream.since.timestamp())
        window_start = int((self.clock.now() - self.comment_window).timestamp())
        fields = (
            "id,comments.filter(stream).order(reverse_chronological)"
            f".since({since}).limit({COMMENTS_PER_POST}){{{COMMENT_FIELDS}}}"
        )
        answer = self._published_posts(fields, since=min(window_start, since))
        for post in listed(answer.get("data", [])):
            post_id = readable_id(post.get("id")) if isinstance(post, dict) else None
            edge = (post.get("comments") or {}) if isinstance(post, dict) else None
            if post_id is None or not isinstance(edge, dict):
                aside.append(
                    SetAside.of(
                        self.name,
                        "comment",
                        "una publicación de la página llegó ilegible (sin id o con sus "
                        "comentarios mal formados); sus comentarios nuevos no se leyeron",
                        post,
                        post_id,
                    )
                )
                continue
            for comment in self._follow(post_id, "comments", edge, stream):
                incoming = self._incoming(comment, stream, "comment", post_id, aside)
                if incoming is not None:
                    yield incoming

    def _new_messages(self, stream: StreamCursor, aside: list[SetAside]) -> Iterator[Incoming]:
        # Conversations come newest-updated first and have no time filter: stop at the cursor.
        query: dict[str, Any] = {
            "platform": "messenger",
            "limit": 25,
            "fields": (
                f"id,updated_time,messages.limit({MESSAGES_PER_CONVERSATION}){{{MESSAGE_FIELDS}}}"
            ),
        }
        while True:
            answer = self._call(self.api.get_connection, self.page_id, "conversations", **query)
            for conversation in listed(answer.get("data", [])):
                if not isinstance(conversation, dict):
                    conversation = {"id": None}
                conversation_id = readable_id(conversation.get("id"))
                edge = conversation.get("messages") or {}
                if conversation_id is None or not isinstance(edge, dict):
                    aside.append(
                        SetAside.of(
                            self.name,
                            "message",
                            "una conversación de Messenger llegó ilegible (sin id o con sus "
                            "mensajes mal formados); sus mensajes nuevos no se leyeron",
                            conversation,
                            conversation_id,
                        )
                    )
                    continue
                updated = time_or_none(conversation.get("updated_time"))
                if updated is not None and updated < stream.since:
                    return
                messages = list(self._follow(conversation_id, "messages", edge, stream))
                for message in reversed(messages):  # oldest first, as they were written
                    incoming = self._incoming(message, stream, "message", conversation_id, aside)
                    if incoming is not None:
                        yield incoming
            next_page = next_link(answer)
            if not next_page:
                return
            query = next_query(next_page)

    def _follow(
        self, object_id: str, edge_name: str, edge: dict[str, Any], stream: StreamCursor
    ) -> Iterator[Any]:
        """Items of a nested edge, newest first, following its pages while they are new."""
        while True:
            items = listed(edge.get("data", []))
            yield from items
            next_page = next_link(edge)
            if not items or not next_page:
                return
            # An unreadable time says nothing about where the cursor is: read on.
            last = time_or_none(
                items[-1].get("created_time") if isinstance(items[-1], dict) else None
            )
            if last is not None and last < stream.since:
                return
            query = next_query(next_page)
            edge = self._call(self.api.get_connection, object_id, edge_name, **query)

    def _incoming(
        self,
        item: Any,
        stream: StreamCursor,
        kind: str,
        thread_id: str,
        aside: list[SetAside],
    ) -> Incoming | None:
        """A Graph comment or message as an Incoming, unless it is ours or already seen;
        one that cannot be read is set aside."""
        remote_id = readable_id(item.get("id")) if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise Unreadable("el elemento no es un objeto JSON")
            remote_id = required_id(item.get("id"), "id")
            try:
                written = graph_time(item["created_time"])
            except (KeyError, TypeError, ValueError):
                raise Unreadable("created_time falta o no es una fecha válida") from None
            written = written_time(written, self.clock.now(), "created_time")
            author = item.get("from") if isinstance(item.get("from"), dict) else {}
            if author.get("id") == self.page_id or not stream.is_new(remote_id, written):
                return None
            # Seen now: whatever is wrong below, it is set aside once, not every round.
            if kind == "comment":
                parent = item.get("parent")
                parent_id = readable_id(parent.get("id")) if isinstance(parent, dict) else None
                return page_comment(
                    remote_id, author, item.get("message"), "message", written, thread_id, parent_id
                )
            return messenger_message(
                remote_id,
                readable_id(author.get("id")) or "",
                author.get("name"),
                citizen_text(item.get("message"), "message"),
                written,
                thread_id,
                graph_attachments(item.get("attachments")),
            )
        except (Unreadable, KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            reason = (
                exc.reason if isinstance(exc, Unreadable) else f"ilegible ({type(exc).__name__})"
            )
            noun = "comentario" if kind == "comment" else "mensaje de Messenger"
            aside.append(
                SetAside.of(self.name, kind, f"{noun} apartado: {reason}", item, remote_id)
            )
            log.warning("facebook: %s apartado: %s", noun, reason)
            return None
