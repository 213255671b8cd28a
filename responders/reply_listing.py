"""Replies as lists read them: their states' Spanish names and the queries behind
`replies list` and `replies review`, without the review domain (protocols, templates,
channels' rules), so that listing starts at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from responders.models import Interaction, Reply, ReplyState, Ticket

if TYPE_CHECKING:
    from conectados.db import Database

STATE_NAMES = {
    ReplyState.PENDING: "pendiente",
    ReplyState.APPROVED: "aprobada",
    ReplyState.SENDING: "enviando",
    ReplyState.SENT: "enviada",
    ReplyState.REJECTED: "rechazada",
    ReplyState.FAILED: "fallida",
}
STATES_BY_NAME = {name: state for state, name in STATE_NAMES.items()}


def pending_reply_ids(database: Database) -> list[int]:
    """The replies waiting for a person, oldest first."""
    with database.session() as session:
        return list(
            session.execute(
                sa.select(Reply.id).where(Reply.state == ReplyState.PENDING).order_by(Reply.id)
            ).scalars()
        )


def list_replies(
    database: Database, state: ReplyState | None, limit: int
) -> tuple[list[tuple[Reply, Interaction]], dict[int, str]]:
    """Replies (in `state`, or all) with their messages, and the radicados they name."""
    query = (
        sa.select(Reply, Interaction)
        .join(Interaction, Interaction.id == Reply.interaction_id)
        .order_by(Reply.id)
        .limit(limit)
    )
    if state is not None:
        query = query.where(Reply.state == state)
    with database.session() as session:
        rows = [tuple(row) for row in session.execute(query).all()]
        radicados = dict(
            session.execute(
                sa.select(Ticket.id, Ticket.radicado).where(
                    Ticket.id.in_({reply.ticket_id for reply, _ in rows if reply.ticket_id})
                )
            ).all()
        )
        session.expunge_all()
    return rows, radicados
