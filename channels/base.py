"""The channel seam: what a social network must do for Conectados, and how it may fail.

Read this file and you know what an adapter is. Nothing above `channels/` sees a
client library's types: adapters take and return the values below and raise only
`Transient`, `Rejected` or `AuthFailed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

InteractionKind = Literal["comment", "mention", "message"]

HTTP_TIMEOUT_SECONDS = 20.0
"""Every HTTP call an adapter makes gives up after this long (connect and read)."""


@dataclass(frozen=True)
class Outgoing:
    """A post to publish on one network: its text for that network and its media files."""

    key: str
    """The calendar entry's stable id (for logs and for finding it again)."""
    text: str
    media: tuple[Path, ...] = ()
    due_at: datetime | None = None


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


@dataclass(frozen=True)
class Batch:
    """The interactions newer than the cursor a poll was given, and the cursor to give next."""

    items: list[Incoming]
    cursor: str | None
    calls: int = 0
    """API calls the poll made (what it cost against the rate limits)."""


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


class Rejected(ChannelError):
    """The network refuses this content or this action for good; retrying will not help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OutsideWindow(Rejected):
    """The network accepts a free-form reply only for a while after the citizen last wrote,
    and that time is over: a person decides how to reach them (the reply waits in review)."""


class AuthFailed(ChannelError):
    """The credentials are expired, revoked or wrong: stop this channel and tell a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Channel(Protocol):
    """One social network account of the company."""

    name: str

    def publish(self, post: Outgoing) -> Receipt:
        """Create the post (with its media) and return its remote id and URL."""
        ...

    def find_published(self, post: Outgoing, since: datetime) -> Receipt | None:
        """Look among the account's posts since `since` for this one (crash recovery)."""
        ...

    def poll(self, cursor: str | None) -> Batch:
        """Interactions newer than `cursor` (None: start now), and the next cursor."""
        ...

    def reply(self, to: Incoming, text: str, private: bool) -> Receipt:
        """Answer an interaction in public (under it) or in private (a direct message)."""
        ...

    def metrics(self, remote_ids: Sequence[str]) -> list[Sample]:
        """Current figures of our posts, in as few calls as the API allows."""
        ...

    def hide(self, item: Incoming) -> None:
        """Hide a citizen's public comment (it showed personal data); Rejected if not allowed."""
        ...
