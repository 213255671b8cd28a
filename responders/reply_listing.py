"""Replies as lists read them: their states' Spanish names and the queries behind
`replies list` and `replies review`, without the review domain (protocols, templates,
channels' rules) and without the models or the ORM (`responders.light_tables`), so that
listing starts at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from responders.light_tables import (
    REPLY_APPROVED,
    REPLY_FAILED,
    REPLY_PENDING,
    REPLY_REJECTED,
    REPLY_SENDING,
    REPLY_SENT,
    interaction,
    reply,
    ticket,
)

if TYPE_CHECKING:
    from conectados.db import Database

# Keyed by the stored values, which are equal (and hash equal) to the ReplyState members.
STATE_NAMES = {
    REPLY_PENDING: "pendiente",
    REPLY_APPROVED: "aprobada",
    REPLY_SENDING: "enviando",
    REPLY_SENT: "enviada",
    REPLY_REJECTED: "rechazada",
    REPLY_FAILED: "fallida",
}
STATES_BY_NAME = {name: state for state, name in STATE_NAMES.items()}


@dataclass(frozen=True)
class ListedReply:
    """A reply's columns that a list shows."""

    id: int
    state: str
    kind: str
    protocol: str | None
    confidence: float
    ticket_id: int | None
    review_note: str | None
    last_error: str | None


@dataclass(frozen=True)
class ListedMessage:
    """The citizen's message a listed reply answers."""

    written_at: datetime
    network: str
    author_id: str
    author_name: str
    text: str


_REPLY_COLUMNS = [reply.c[name] for name in ListedReply.__dataclass_fields__]
_MESSAGE_COLUMNS = [interaction.c[name] for name in ListedMessage.__dataclass_fields__]


def pending_reply_ids(database: Database) -> list[int]:
    """The replies waiting for a person, oldest first."""
    with database.transaction() as connection:
        return list(
            connection.execute(
                sa.select(reply.c.id).where(reply.c.state == REPLY_PENDING).order_by(reply.c.id)
            ).scalars()
        )


def list_replies(
    database: Database, state: str | None, limit: int, after: int = 0
) -> tuple[list[tuple[ListedReply, ListedMessage]], dict[int, str]]:
    """Replies (in `state`, or all) with their messages, and the radicados they name; a page
    of them starts after the reply id `after`."""
    query = (
        sa.select(*_REPLY_COLUMNS, *_MESSAGE_COLUMNS)
        .join_from(reply, interaction, interaction.c.id == reply.c.interaction_id)
        .order_by(reply.c.id)
        .limit(limit)
    )
    if state is not None:
        query = query.where(reply.c.state == state)
    if after:
        query = query.where(reply.c.id > after)
    split = len(_REPLY_COLUMNS)
    with database.transaction() as connection:
        rows = [
            (ListedReply(*row[:split]), ListedMessage(*row[split:]))
            for row in connection.execute(query)
        ]
        named = {listed.ticket_id for listed, _ in rows if listed.ticket_id}
        radicados = (
            dict(
                connection.execute(
                    sa.select(ticket.c.id, ticket.c.radicado).where(ticket.c.id.in_(named))
                ).all()
            )
            if named
            else {}
        )
    return rows, radicados
