"""Tables of the notices: subscribers, their consents, broadcasts and one delivery per
(broadcast, subscriber).

A subscriber is a person reachable on a network (WhatsApp). What they agreed to is a trail of
`Consent` rows: one per purpose and sector, granted by a message and withdrawn by another (or by
an erasure); nothing in the trail is updated but its withdrawal. A `Broadcast` is one thing the
company sends to many (a notice of a cut, its restoration, a calendar content); it holds its
`Delivery` rows, unique per subscriber, which are the sends: the unique key is what makes
"never twice" a fact of the database, the lease what makes two daemons share the work.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from conectados.db import UTCDateTime, enum_column, utcnow
from conectados.orm import SQLModel


class Purpose(enum.StrEnum):
    """What a citizen agreed to receive (Ley 1581: consent is per purpose)."""

    NOTICES = "avisos"
    """Service notices of their sectors: cuts, repairs, restoration."""
    CONTENT = "contenido"
    """The company's content (campaigns, advice) from the calendar."""


class Subscriber(SQLModel, table=True):
    """A person who wrote to subscribe, where we reach them. After an erasure (`suscriptores
    borrar`) `address`, `alias` and `name` are gone and `erased_at` says when; the row stays so
    the counts keep."""

    __table_args__ = (sa.UniqueConstraint("network", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    network: str = Field(max_length=20)
    address: str | None = Field(default=None, max_length=255)
    """Where messages go: the phone number (wa_id) or, for a citizen known only by a
    username, the business-scoped user id."""
    alias: str | None = Field(default=None, max_length=255)
    """The same person's other id on the network (phone next to BSUID or the other way)."""
    name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Consent(SQLModel, table=True):
    """One consent: who, for which purpose and sector, since when, through which message; and
    its withdrawal (when, how, through which message). A subscription is a consent not
    withdrawn; subscribing again after leaving is a new row."""

    __table_args__ = (
        sa.Index("ix_consent_subscriber", "subscriber_id", "withdrawn_at"),
        sa.Index("ix_consent_purpose_sector", "purpose", "sector", "withdrawn_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id")
    purpose: Purpose = Field(sa_type=enum_column(Purpose))
    sector: str | None = Field(default=None, max_length=200)
    """The sector's name as the company's list writes it; None for content (all sectors)."""
    granted_at: datetime = Field(sa_type=UTCDateTime)
    granted_by: int | None = Field(default=None, foreign_key="interaction.id")
    """The citizen's message that gave it (None: given another way, e.g. imported)."""
    granted_words: str | None = Field(default=None, max_length=300)
    """What the citizen wrote, as evidence (removed on erasure)."""
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by: int | None = Field(default=None, foreign_key="interaction.id")
    withdrawn_how: str | None = Field(default=None, max_length=40)
    """«mensaje» (SALIR, BAJA), «borrado» (a deletion request), «equipo» (a person did it)."""


class BroadcastKind(enum.StrEnum):
    NOTICE = "aviso"
    """A service notice added with --notificar: the notice template."""
    RESTORED = "restablecido"
    """A notice closed with --notificar: the service-restored template."""
    CONTENT = "contenido"
    """A calendar entry for WhatsApp: the content template."""


class BroadcastState(enum.StrEnum):
    SENDING = "sending"
    """Its deliveries go out as throughput and the daily limit allow."""
    PAUSED = "paused"
    """The network refused the template itself (paused, disabled, not approved): nothing more
    goes out until a person fixes it and resumes it; the queued deliveries wait, not fail."""
    DONE = "done"
    """Every delivery reached an end (sent, failed or withdrawn)."""


class Broadcast(SQLModel, table=True):
    """One thing sent to many: a notice, its restoration, or a calendar content."""

    __table_args__ = (
        sa.UniqueConstraint("notice_id", "kind"),
        sa.UniqueConstraint("publication_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: BroadcastKind = Field(sa_type=enum_column(BroadcastKind))
    network: str = Field(default="whatsapp", max_length=20)
    notice_id: int | None = Field(default=None, foreign_key="service_notice.id")
    publication_id: int | None = Field(default=None, foreign_key="publication.id")
    purpose: Purpose = Field(sa_type=enum_column(Purpose))
    sectors: list[str] | None = Field(default=None, sa_type=sa.JSON(none_as_null=True))
    """The sectors whose subscribers get it (names from the company's list); None: every
    subscriber of the purpose."""
    sector_spellings: list[str] | None = Field(default=None, sa_type=sa.JSON(none_as_null=True))
    """Every spelling of those sectors a consent may hold (names and aliases: a consent keeps
    the name the sector had when the person subscribed); None: match `sectors` only."""
    template: str = Field(max_length=512)
    language: str = Field(max_length=15)
    parameters: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    """The template's body variables, in order (the company's data, never a citizen's text)."""
    header: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON(none_as_null=True))
    """A media header: {"type": "image"|"video", "path": file under carpeta_medios, "id": the
    network's media id once uploaded, "uploaded_at": when (ISO; the id expires)}."""
    state: BroadcastState = Field(
        default=BroadcastState.SENDING, sa_type=enum_column(BroadcastState)
    )
    paused_reason: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=100)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryState(enum.StrEnum):
    """queued -> sending -> sent -> delivered -> read, or failed; withdrawn when consent went
    before it was sent; expired when its notice closed before it went. A send whose sender died
    mid-call stays `sending` until the network's status webhook says it went (it carries the
    delivery's reference); it goes back to queued only when, past the confirmation wait, a send
    begun after it was confirmed by a webhook (statuses flow, its own never came: it never
    reached the network). Until then `avisos estado` counts it «sin confirmar»."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    """The notice closed before it was sent (a cut notice after the service is back is wrong)."""


class Delivery(SQLModel, table=True):
    """One broadcast to one subscriber: sent at most once (unique pair, claimed under lease)."""

    __table_args__ = (
        sa.UniqueConstraint("broadcast_id", "subscriber_id"),
        sa.Index("ix_delivery_due", "state", "next_attempt_at"),
        sa.Index("ix_delivery_broadcast", "broadcast_id", "state"),
        sa.Index("ix_delivery_remote", "remote_id"),
        sa.Index("ix_delivery_sent", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id")
    subscriber_id: int = Field(foreign_key="subscriber.id")
    state: DeliveryState = Field(default=DeliveryState.QUEUED, sa_type=enum_column(DeliveryState))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sending_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    remote_id: str | None = Field(default=None, max_length=255)
    """The network's message id (wamid)."""
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When a status webhook of the network first named it: proof that statuses flow."""
    error_code: int | None = None
    error_detail: str | None = Field(default=None, sa_type=sa.Text)
    """Meta's code and detail, in the team's words first (blocked, not a WhatsApp user…)."""
