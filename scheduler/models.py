"""Tables the daemon keeps: poll cursors and the metrics time series."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from conectados.db import UTCDateTime, utcnow
from conectados.orm import SQLModel


class Cursor(SQLModel, table=True):
    """Where one channel's poll of one stream (comments, mentions, messages) left off."""

    channel: str = Field(primary_key=True, max_length=20)
    stream: str = Field(primary_key=True, max_length=20)
    position: str | None = Field(default=None, sa_type=sa.Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MetricSample(SQLModel, table=True):
    """A publication's figures as the network reported them at one moment."""

    # One sample per publication and moment: a second daemon collecting at once adds nothing.
    __table_args__ = (sa.UniqueConstraint("publication_id", "collected_at"),)

    id: int | None = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publication.id")
    collected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reach: int | None = None
    views: int | None = None
    reactions: int | None = None
    comments: int | None = None
    shares: int | None = None
    clicks: int | None = None
    saved: int | None = None
    """How many people saved the post (Instagram's `saved`); None where the network has no
    such figure (Facebook, X): unknown, never a 0."""


class ChannelState(SQLModel, table=True):
    """A network the daemon stopped using, until when, and why (a revoked token, say)."""

    __tablename__ = "channel_state"

    channel: str = Field(primary_key=True, max_length=20)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
