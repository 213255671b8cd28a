"""The channel seam: what a social network must do for Conectados, and how it may fail.

Read this file and you know what an adapter is. Nothing above `channels/` sees a
client library's types: adapters take and return the values below and raise only
`Transient`, `Rejected` or `AuthFailed`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from conectados.privacy import mask

InteractionKind = Literal["comment", "mention", "message"]

HTTP_TIMEOUT_SECONDS = 20.0
"""Every HTTP call an adapter makes gives up after this long (connect and read)."""

MAX_REMOTE_ID = 255
"""Longest id we store; a longer one is not a network's id (the item is set aside)."""


@dataclass(frozen=True)
class Outgoing:
    """A post to publish on one network: its text for that network and its media files."""

    key: str
    """The calendar entry's stable id (for logs and for finding it again)."""
    text: str
    media: tuple[Path, ...] = ()
    due_at: datetime | None = None
    upload: Mapping[str, Any] | None = field(default=None, compare=False)
    """A video upload an earlier attempt started (what `remember` was last given): the
    channel asks the network about it before starting another, so nothing goes out twice."""
    remember: Callable[[dict[str, Any]], None] | None = field(default=None, compare=False)
    """Keeps an upload's session where a restarted daemon finds it (the channel calls it
    before sending bytes, and as they are confirmed); it raises Transient if the
    publication is no longer ours."""


@dataclass(frozen=True)
class Receipt:
    """What the network answered when something was created on it."""

    remote_id: str
    url: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Attachment:
    """A file a citizen sent (a photo of a leak): the network keeps it; we keep its id."""

    kind: str
    """image, video, audio, document or sticker."""
    media_id: str
    mime_type: str = ""


@dataclass(frozen=True)
class Incoming:
    """Something a citizen wrote to the company, as the network reported it."""

    network: str
    kind: InteractionKind
    remote_id: str
    author_id: str
    author_name: str
    text: str
    written_at: datetime
    thread_id: str | None = None
    """Comments: our post's remote id. Messages: the conversation id."""
    parent_id: str | None = None
    """The comment or post this one answers directly, when it answers one."""
    attachments: tuple[Attachment, ...] = ()
    last_heard_at: datetime | None = None
    """When replying: the citizen's latest message in this conversation, when known
    (WhatsApp's 24-hour window counts from it)."""
    author_alias: str | None = None
    """A second id of the same person on the same network, when the network gave two
    (WhatsApp: the phone number is `author_id`, the business-scoped user id is this)."""
    left_alone: str | None = None
    """Why the responder must not answer it (Messenger's standby: another app owns the
    conversation), in Spanish; None for everything it may answer."""


EXCERPT_LENGTH = 120
_LONG_NUMBER = re.compile(r"\d{4,}")


@dataclass(frozen=True)
class SetAside:
    """An item a network sent that could not be read: recorded with why, and skipped, so
    it never holds back the items that came with it."""

    network: str
    kind: str
    """comment, mention, message, or what the webhook event was (status, event)."""
    reason: str
    """Why it could not be read, in Spanish, for the team."""
    remote_id: str | None = None
    excerpt: str = ""
    """A short piece of it, with personal data masked: never the item itself."""

    @classmethod
    def of(cls, network: str, kind: str, reason: str, item: Any, remote_id: Any = None) -> SetAside:
        """Set `item` aside: keeps its id when it has a readable one, and a masked excerpt."""
        return cls(network, kind, reason, readable_id(remote_id), excerpt_of(item))


class Unreadable(ValueError):
    """One item a network sent cannot be read; the reason is in Spanish, for the team."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def readable_id(value: Any) -> str | None:
    """A network's id as text, or None when it is missing or cannot be one."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and 0 < len(value) <= MAX_REMOTE_ID and value.isprintable():
        return value
    return None


def required_id(value: Any, field_name: str) -> str:
    found = readable_id(value)
    if found is None:
        raise Unreadable(f"{field_name} falta o no es un identificador válido")
    return found


def citizen_text(value: Any, field_name: str) -> str:
    """What the citizen wrote, readable (`readable_text`); missing is empty (a photo alone),
    any other type is unreadable."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Unreadable(f"{field_name} no es texto (llegó {_json_type(value)})")
    return readable_text(value)


_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# C0 and C1 controls but tab and newline, DEL, and the invisible marks that hide a word or
# flip the direction of the text around them (zero-width space, bidi marks and overrides,
# BOM). The joiners (U+200C, U+200D) stay: emoji and some scripts need them.
_UNSEEN = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def readable_text(text: str) -> str:
    """A text from a network as Conectados keeps it: what every channel and the webhook
    receiver apply to what citizens write (and to their names) where it enters.

    JSON may carry lone UTF-16 surrogates ("\\udcff"): no database, file or terminal can
    hold one, so each becomes U+FFFD (a pair split in two is joined back). NUL, which
    PostgreSQL refuses, and the other control characters, which would move the cursor or
    clear a reviewer's terminal, are dropped; line breaks become "\\n"; tabs stay.
    """
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _UNSEEN.sub("", _LINE_BREAK.sub("\n", text))


FUTURE_TOLERANCE = timedelta(minutes=10)
"""How far ahead of our clock a network's time may be before it is not believed."""


def written_time(written: datetime, now: datetime, field_name: str) -> datetime:
    """When the citizen wrote, never later than now; a time far in the future is unreadable
    (believed, it would move the poll cursor past everything written until then)."""
    if written > now + FUTURE_TOLERANCE:
        raise Unreadable(f"{field_name} está en el futuro ({written:%Y-%m-%d %H:%M} UTC)")
    return min(written, now)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "un valor verdadero/falso"
    if isinstance(value, int | float):
        return "un número"
    if isinstance(value, dict):
        return "un objeto"
    if isinstance(value, list):
        return "una lista"
    return type(value).__name__


_TEXT_KEYS = ("message", "text", "body", "caption")


def _said(item: dict[str, Any], depth: int = 3) -> str | None:
    """The text a citizen wrote, where a network's item keeps it (at most a few levels in)."""
    for key in _TEXT_KEYS:
        if isinstance(item.get(key), str):
            return item[key]
    if depth > 1:
        for value in item.values():
            if isinstance(value, dict):
                found = _said(value, depth - 1)
                if found is not None:
                    return found
    return None


def excerpt_of(item: Any) -> str:
    """A short, masked view of an unreadable item: what it said, never who said it."""
    if isinstance(item, dict):
        said = _said(item)
        item = (
            said if said is not None else {key: type(value).__name__ for key, value in item.items()}
        )
    if not isinstance(item, str):
        try:
            item = json.dumps(item, ensure_ascii=False, default=repr)
        except (TypeError, ValueError, RecursionError):
            item = type(item).__name__
    # Masked on a longer piece than is kept, so a number cut at the edge is still seen whole.
    masked = _LONG_NUMBER.sub("#", mask(item[: EXCERPT_LENGTH * 4]))
    return "".join(char if char.isprintable() else " " for char in masked)[:EXCERPT_LENGTH]


@dataclass(frozen=True)
class Batch:
    """The interactions newer than the cursor a poll was given, and the cursor to give next."""

    items: list[Incoming]
    cursor: str | None
    calls: int = 0
    """API calls the poll made (what it cost against the rate limits)."""
    set_aside: list[SetAside] = field(default_factory=list)
    """Items that could not be read: recorded and skipped; the cursor goes past them."""


@dataclass(frozen=True)
class Sample:
    """A publication's figures at one moment; None where the network does not report it."""

    remote_id: str
    reach: int | None = None
    views: int | None = None
    reactions: int | None = None
    comments: int | None = None
    shares: int | None = None
    clicks: int | None = None
    extra: dict[str, int] = field(default_factory=dict)


class ChannelError(Exception):
    """Base of the three ways a network call can fail."""


class Transient(ChannelError):
    """Try again later: rate limit, server error, timeout. `retry_after` is in seconds.

    `outcome_unknown` is True when the request may have been carried out all the same (no
    answer in time, the connection dropped, an answer we could not read): what was asked
    may be on the network already, so it must be looked for, not repeated blind.
    """

    def __init__(
        self, reason: str, retry_after: float = 0.0, outcome_unknown: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = max(0.0, retry_after)
        self.outcome_unknown = outcome_unknown


class Held(Transient):
    """The network holds the post back for a while (Instagram's publishing limit of posts
    per 24 hours): not an attempt, not a failure. `retry_after` says when a slot frees; the
    publisher waits until then without counting an attempt or failing it for lateness."""


class NotReady(Transient):
    """The network is still preparing what was sent (Instagram processing a media container):
    ask again in `retry_after` seconds, exactly. Not an attempt, and not a hold: the time the
    network takes is lateness all the same. The adapter keeps what it needs to go on (the
    container) through `Outgoing.remember`, so the next attempt resumes, never starts over.

    `first` is True when this wait has just begun (the publisher says so once, not at every
    check)."""

    def __init__(self, reason: str, retry_after: float, first: bool = False) -> None:
        super().__init__(reason, retry_after)
        self.first = first


class Rejected(ChannelError):
    """The network refuses this content or this action for good; retrying will not help.
    `code` is the network's own error code when it gave one (kept for the team to group by)."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class OutsideWindow(Rejected):
    """The network accepts a free-form reply only for a while after the citizen last wrote,
    and that time is over: a person decides how to reach them (the reply waits in review).

    Adapters raise it for their spec's `window_closed_codes`; callers catch the type."""


class Undeliverable(Rejected):
    """The network will not deliver this message to this one person (blocked us, not a user of
    the network, a per-person limit on marketing): that send fails for good, the others go on.
    `code` and `detail` are the network's own, kept for the team to read."""

    def __init__(self, reason: str, code: int | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.code = code
        self.detail = detail


class TemplateUnavailable(Rejected):
    """The network refuses the template itself (paused for quality, disabled, not approved, no
    such name or language): no send with it can go until a person fixes it, so the broadcast
    waits instead of failing every recipient. `code` and `detail` as in Undeliverable."""

    def __init__(self, reason: str, code: int | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.code = code
        self.detail = detail


class AuthFailed(ChannelError):
    """The credentials are expired, revoked or wrong: stop this channel and tell a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


C = TypeVar("C")


class Channel(Protocol):
    """One social network account of the company; what else it does, it says by the
    capabilities below it implements (a network implements only what it has)."""

    name: str


@runtime_checkable
class Publishes(Protocol):
    """Posts the company's calendar on the account."""

    name: str

    def publish(self, post: Outgoing) -> Receipt:
        """Create the post (with its media) and return its remote id and URL."""
        ...

    def find_published(self, post: Outgoing, since: datetime) -> Receipt | None:
        """Look among the account's posts since `since` for this one (crash recovery)."""
        ...


@runtime_checkable
class Polls(Protocol):
    """Is asked for what citizens wrote (a network that pushes everything does not poll)."""

    name: str

    def poll(self, cursor: str | None) -> Batch:
        """Interactions newer than `cursor` (None: start now), and the next cursor."""
        ...


@runtime_checkable
class Replies(Protocol):
    """Answers citizens."""

    name: str

    def reply(self, to: Incoming, text: str, private: bool, by_person: bool = False) -> Receipt:
        """Answer an interaction in public (under it) or in private (a direct message).

        `by_person`: a person of the team wrote or approved this text (not the responder on
        its own). Some networks allow a send only then: Instagram's HUMAN_AGENT tag, past the
        24-hour window, is for a person's answer, so an automatic one is OutsideWindow there.
        Networks with no such rule ignore it."""
        ...


@dataclass(frozen=True)
class TemplateMessage:
    """A message the company starts (not an answer): an approved template, its body
    variables in order, and an optional media header (a file under the media folder)."""

    template: str
    language: str
    parameters: tuple[str, ...] = ()
    header_kind: str | None = None
    """"image" or "video" when the template has a media header."""
    header_media_id: str | None = None
    """The network's id of the header's media, once uploaded (`Notifies.upload_media`)."""


@runtime_checkable
class Notifies(Protocol):
    """Sends the company's own messages to people who subscribed (WhatsApp's templates)."""

    name: str

    def notify(self, address: str, message: TemplateMessage, reference: str) -> Receipt:
        """Send `message` to `address` (a phone number or the network's user id). `reference`
        is ours (the delivery's), sent along so the network's status webhooks carry it back:
        a send cut off mid-call is recognised by it, never repeated blind.

        Raises Undeliverable (this person only), TemplateUnavailable (the template itself),
        Transient (throughput: try again later; `outcome_unknown` if it may have gone),
        AuthFailed."""
        ...

    def upload_media(self, path: Path, mime_type: str) -> str:
        """Upload a file for a template's header; the network's media id."""
        ...


@runtime_checkable
class Measures(Protocol):
    """Reports the figures of the company's posts."""

    name: str

    def metrics(self, remote_ids: Sequence[str]) -> list[Sample]:
        """Current figures of our posts, in as few calls as the API allows."""
        ...


@runtime_checkable
class Hides(Protocol):
    """Hides a citizen's public comment."""

    name: str

    def hide(self, item: Incoming) -> None:
        """Hide a citizen's public comment (it showed personal data); Rejected if not allowed."""
        ...


def capable(channels: Mapping[str, Channel], capability: type[C]) -> dict[str, C]:
    """The channels among `channels` that can do `capability` (Publishes, Polls, ...)."""
    return {name: channel for name, channel in channels.items() if isinstance(channel, capability)}
