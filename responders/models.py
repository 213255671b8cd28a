"""Tables of the responders: what citizens wrote, our replies, and PQR tickets."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from conectados.db import UTCDateTime, enum_column, utcnow
from conectados.orm import SQLModel

AUTOMATIC = "automático"
"""The reviewer (and filer) recorded on what the responder approved or filed on its own."""


class InteractionKind(enum.StrEnum):
    """How a citizen reached us."""

    COMMENT = "comment"
    """A public comment on one of our posts (or a reply to a comment)."""
    MENTION = "mention"
    """A public post that mentions our account."""
    MESSAGE = "message"
    """A private message (Messenger, X direct message, WhatsApp)."""


class InteractionState(enum.StrEnum):
    """What has been done with an interaction; it only moves forward."""

    RECEIVED = "received"
    """Stored, not yet matched to a protocol."""
    ANSWERED = "answered"
    """A reply was drafted or sent automatically."""
    TICKETED = "ticketed"
    """Filed as a PQR ticket."""
    IN_REVIEW = "in_review"
    """Waiting for a person to decide."""
    IGNORED = "ignored"
    """Recorded; nothing will be sent (spam, out of scope, our own text)."""


class Interaction(SQLModel, table=True):
    """Something a citizen wrote to the company, stored once per network and remote id."""

    __table_args__ = (
        sa.UniqueConstraint("network", "remote_id"),
        sa.Index("ix_interaction_state", "state", "received_at"),
        sa.Index("ix_interaction_publication", "publication_id"),
        sa.Index("ix_interaction_written", "written_at"),
        sa.Index("ix_interaction_author", "network", "author_id", "written_at"),
        sa.Index("ix_interaction_author_alias", "network", "author_alias"),
    )

    id: int | None = Field(default=None, primary_key=True)
    network: str = Field(max_length=20)
    kind: InteractionKind = Field(sa_type=enum_column(InteractionKind))
    remote_id: str = Field(max_length=255)
    thread_id: str | None = Field(default=None, max_length=255)
    parent_id: str | None = Field(default=None, max_length=255)
    author_id: str = Field(default="", max_length=255)
    author_alias: str | None = Field(default=None, max_length=255)
    """The same person's other id on this network, when they have two (WhatsApp: their
    business-scoped user id next to their phone number, or the other way round). Intake stores
    every item of one person under the id they were first known by (`author_id`)."""
    author_name: str = Field(default="", max_length=200)
    text: str = Field(default="", sa_type=sa.Text)
    original_length: int | None = None
    """Characters the citizen wrote when that was more than the network allows and the text
    was cut at the network's maximum; None when the text is stored whole."""
    attachments: list[dict[str, str]] | None = Field(
        default=None, sa_type=sa.JSON(none_as_null=True)
    )
    """Files the citizen sent, as the network identifies them: [{"kind", "media_id", "mime_type"}]."""
    written_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    publication_id: int | None = Field(default=None, foreign_key="publication.id")
    state: InteractionState = Field(
        default=InteractionState.RECEIVED, sa_type=enum_column(InteractionState)
    )
    protocol: str | None = Field(default=None, max_length=64)
    """The protocol the responder matched, if any."""
    confidence: float | None = None
    decision: str | None = Field(default=None, sa_type=sa.Text)
    """Why the responder did what it did, in Spanish, for the team."""
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the network confirmed it hid this comment (it carried personal data); None while
    it shows."""


class SetAsideItem(SQLModel, table=True):
    """Something a network sent that could not be read: kept aside with why, never the item
    itself (it may carry personal data), so it never holds back what came with it."""

    __tablename__ = "set_aside_item"
    __table_args__ = (
        sa.UniqueConstraint("network", "fingerprint"),
        sa.Index("ix_set_aside_item_set_aside_at", "set_aside_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    network: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    """comment, mention, message, or the kind of webhook event (status, event)."""
    source: str = Field(max_length=10)
    """poll or webhook."""
    remote_id: str | None = Field(default=None, max_length=255)
    fingerprint: str = Field(max_length=64)
    """The same item seen again (the next poll, Meta's retry) is kept once."""
    reason: str = Field(sa_type=sa.Text)
    """Why it could not be read, in Spanish."""
    excerpt: str = Field(default="", max_length=200)
    """A short piece of it with personal data masked."""
    set_aside_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReplyVisibility(enum.StrEnum):
    """Where a reply is seen."""

    PUBLIC = "public"
    """Under the citizen's comment, for everyone."""
    PRIVATE = "private"
    """In a private conversation with the citizen."""


class ReplyState(enum.StrEnum):
    """A reply's way out; it only moves forward."""

    PENDING = "pending"
    """Drafted; waiting for a person to approve it."""
    APPROVED = "approved"
    """Approved (by a person or by policy); waiting for the send job."""
    SENDING = "sending"
    """Claimed by a daemon under a lease; the outcome of the call is not known yet."""
    SENT = "sent"
    """Delivered to the network."""
    REJECTED = "rejected"
    """Discarded by a reviewer."""
    FAILED = "failed"
    """The network refused it, or it ran out of attempts."""


class ReplyKind(enum.StrEnum):
    """Why a reply is written."""

    ANSWER = "answer"
    """The answer to what the citizen asked (from a protocol, or a person's)."""
    ACKNOWLEDGEMENT = "acknowledgement"
    """A PQR was filed: its radicado and due date (or, in public, an invitation to private)."""
    TICKET_ANSWER = "ticket_answer"
    """The company's answer to a PQR (`conectados pqr answer`)."""


class Reply(SQLModel, table=True):
    """Our reply to one interaction; at most one sent per kind and visibility (unique index)."""

    __table_args__ = (
        sa.Index(
            "uq_reply_one_sent_per_interaction",
            "interaction_id",
            "kind",
            "visibility",
            unique=True,
            sqlite_where=sa.text("state = 'sent'"),
            postgresql_where=sa.text("state = 'sent'"),
        ),
        sa.Index("ix_reply_state", "state", "next_attempt_at"),
        sa.Index("ix_reply_interaction", "interaction_id"),
        sa.Index("ix_reply_decided", "decided_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id")
    kind: ReplyKind = Field(default=ReplyKind.ANSWER, sa_type=enum_column(ReplyKind))
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    protocol: str | None = Field(default=None, max_length=64)
    confidence: float = 0.0
    text: str = Field(default="", sa_type=sa.Text)
    visibility: ReplyVisibility = Field(
        default=ReplyVisibility.PUBLIC, sa_type=enum_column(ReplyVisibility)
    )
    state: ReplyState = Field(default=ReplyState.PENDING, sa_type=enum_column(ReplyState))
    reviewer: str | None = Field(default=None, max_length=100)
    review_note: str | None = Field(default=None, sa_type=sa.Text)
    attempts: int = 0
    outcome_unknown: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    """The send call's result is not known (the sender stopped mid-call, or the network's
    answer was lost): it may have reached the citizen; a person checks on the network."""
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    remote_id: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UndeliveredReply(SQLModel, table=True):
    """A network accepted one of our replies and later reported it undelivered (WhatsApp).

    Kept apart from the reply, so a report that arrives before the reply is recorded as
    sent is applied when it is (`responders.replies.apply_undelivered`), in either order.
    """

    __tablename__ = "undelivered_reply"

    network: str = Field(primary_key=True, max_length=20)
    remote_id: str = Field(primary_key=True, max_length=255)
    code: int | None = None
    reason: str = Field(default="", sa_type=sa.Text)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TicketStatus(enum.StrEnum):
    """Where a PQR stands (Spanish values: they are shown to the team as they are)."""

    OPEN = "abierto"
    """Filed; the legal term is running."""
    ANSWERED = "respondido"
    """The company's answer was sent to the citizen."""
    CLOSED = "cerrado"
    """Nothing more to do."""


class Ticket(SQLModel, table=True):
    """A PQR or damage report with its radicado and legal due date."""

    __table_args__ = (
        sa.UniqueConstraint("year", "sequence"),
        sa.Index("ix_ticket_status_due", "status", "due_date"),
        sa.Index("ix_ticket_interaction", "interaction_id"),
        sa.Index("ix_ticket_filed", "filed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    radicado: str = Field(max_length=11, unique=True)
    year: int
    sequence: int
    type: str = Field(max_length=32)
    causal: str | None = Field(default=None, max_length=16)
    network: str = Field(max_length=20)
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id")
    filed_at: datetime = Field(sa_type=UTCDateTime)
    filed_on: date
    """The effective filing day (the next working day when filed on a non-working one)."""
    due_date: date
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Damage reports: the moment the operational target (hours) runs out."""
    status: TicketStatus = Field(default=TicketStatus.OPEN, sa_type=enum_column(TicketStatus))
    answer_text: str | None = Field(default=None, sa_type=sa.Text)
    answer_type: str | None = Field(default=None, max_length=32)
    """SUI tipo de respuesta (accede, accede_parcialmente, no_accede...)."""
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_by: str | None = Field(default=None, max_length=100)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=100)
    filed_by: str | None = Field(default=None, max_length=100)
    """Who filed it: the person (`CONECTADOS_USUARIO`, else the login), or "automático"."""
    citizen_name: str | None = Field(default=None, max_length=200)
    """Filed by hand from a phone call, a visit or a letter: who, how to reach them and what
    they asked (a ticket from a network has these in its interaction)."""
    citizen_contact: str | None = Field(default=None, max_length=255)
    request_text: str | None = Field(default=None, sa_type=sa.Text)
    notified_via: str | None = Field(default=None, max_length=20)
    """The answer reached the citizen by another means than the networks (telefono, correo,
    carta, oficina): the network could not deliver it, or the request came that way."""
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notified_by: str | None = Field(default=None, max_length=100)


class TicketSequence(SQLModel, table=True):
    """The last radicado number given each year: incremented in the filing transaction, so
    numbers are consecutive, without gaps or repeats, whatever the number of daemons."""

    __tablename__ = "ticket_sequence"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0


class ServiceNotice(SQLModel, table=True):
    """Scheduled work or an outage in a sector: the no-water answer lists the current ones."""

    __tablename__ = "service_notice"
    __table_args__ = (sa.Index("ix_service_notice_open", "closed_at", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    sector: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    reason: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LearnedExample(SQLModel, table=True):
    """What a person decided about one message, kept to learn from (`responders.examples`):
    the folded text with personal data masked, the protocol and action chosen, who and when.
    One row per origin: a message decided twice keeps its latest decision; a file imported
    twice adds nothing."""

    __table_args__ = (
        sa.UniqueConstraint("origin"),
        sa.Index("ix_learnedexample_decided", "decided_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    origin: str = Field(max_length=120)
    """«interaccion-<id>» for a review decision; «archivo-<digest>-<id>» for an imported line."""
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id")
    text: str = Field(max_length=2_000)
    protocol: str | None = Field(default=None, max_length=60)
    """None: none of the company's business."""
    second: str | None = Field(default=None, max_length=60)
    """The other protocol of a message that asks two things."""
    action: str = Field(max_length=16)
    """`responders.examples.ExampleAction`: answer, ticket, review, ignore."""
    source: str = Field(max_length=16)
    """`responders.examples.ExampleSource`: revision, importado."""
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LearningRun(SQLModel, table=True):
    """One computation of the per-protocol thresholds from the learned examples (time-ordered
    cross-validation), for one version of the protocols and the company's data (`fingerprint`).
    The newest run whose fingerprint is the current one is the one in use; a protocol edit or
    a change of the company's data leaves none in use until `protocols evaluate` runs again."""

    id: int | None = Field(default=None, primary_key=True)
    computed_at: datetime = Field(sa_type=UTCDateTime)
    fingerprint: str = Field(max_length=64)
    examples: int = 0
    """How many learned examples it was computed from."""
    last_example_id: int | None = None
    thresholds: str = Field(default="{}", sa_type=sa.Text)
    """JSON: protocol id -> confidence needed to answer alone."""
    figures: str = Field(default="{}", sa_type=sa.Text)
    """JSON: the measured precision and coverage per protocol, before and after learning."""
    trigger: str = Field(default="", max_length=40)
    """What computed it: «evaluate», «aprender», «servicio»."""
