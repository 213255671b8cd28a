"""Tables of the content calendar: posts as planned, and their publication per network."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from conectados.db import UTCDateTime, enum_column, utcnow
from conectados.orm import SQLModel


class PublicationState(enum.StrEnum):
    """Where a post stands on one network; it only moves forward."""

    SCHEDULED = "scheduled"
    """Waiting for its time (or for a retry after a transient failure)."""
    PUBLISHING = "publishing"
    """Claimed by a daemon under a lease; the outcome of the call is not known yet."""
    PUBLISHED = "published"
    """On the network, with its remote id and URL."""
    FAILED = "failed"
    """Given up on: refused by the network, out of attempts, or past its deadline."""
    CANCELLED = "cancelled"
    """Withdrawn from the calendar before it went out."""


class Post(SQLModel, table=True):
    """One calendar entry, keyed by the stable id the team wrote in the calendar file."""

    id: str = Field(primary_key=True, max_length=100)
    text: str = Field(default="", sa_type=sa.Text)
    variants: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    media: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    scheduled_at: datetime = Field(sa_type=UTCDateTime)
    campaign: str | None = Field(default=None, max_length=100)
    source_file: str = Field(default="", max_length=500)
    source_line: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utcnow}
    )


class Publication(SQLModel, table=True):
    """A post on one network: at most one per (post, network)."""

    __table_args__ = (
        sa.UniqueConstraint("post_id", "network"),
        sa.Index("ix_publication_due", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: str = Field(foreign_key="post.id", max_length=100)
    network: str = Field(max_length=20)
    state: PublicationState = Field(
        default=PublicationState.SCHEDULED, sa_type=enum_column(PublicationState)
    )
    attempts: int = 0
    outcome_unknown: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    """An earlier call may have published it without our knowing (its lease expired mid-call,
    or the network's answer was lost): look on the network before publishing again."""
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    remote_id: str | None = Field(default=None, max_length=100)
    remote_url: str | None = Field(default=None, max_length=500)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    held_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """The network held it back until then (Instagram's limit of posts per 24 hours): a wait
    that is no attempt and no failure; how late it is counts from then."""
    upload: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    """A video upload started on the network (its session, as the channel described it):
    kept under the lease before any byte is sent, so a restart resumes THAT upload, or finds
    it published, instead of sending the video again."""
