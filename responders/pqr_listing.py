"""What `pqr list` and `pqr show` read: tickets by status and type, and one ticket with its
message, its replies and whether its answer reached the citizen."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from conectados.db import Database
from responders.models import Interaction, Reply, Ticket, TicketStatus
from responders.pqr import Delivery, delivery_of, find_ticket


def list_tickets(
    database: Database, status: TicketStatus | None, ticket_type: str | None, pending_only: bool
) -> tuple[list[Ticket], set[int]]:
    """Tickets by due date, and the ids of those whose answer the network did not deliver.

    `pending_only`: the open ones and the answered ones whose answer has not reached the
    citizen (the office's to-do list); else `status` (None: every status)."""
    query = sa.select(Ticket).order_by(Ticket.due_date, Ticket.id)
    if pending_only:
        query = query.where(Ticket.status.in_([TicketStatus.OPEN, TicketStatus.ANSWERED]))
    elif status is not None:
        query = query.where(Ticket.status == status)
    if ticket_type:
        query = query.where(Ticket.type == ticket_type)
    with database.session() as session:
        found = session.execute(query).scalars().all()
        undelivered = {
            ticket.id
            for ticket in found
            if ticket.answer_text and delivery_of(session, ticket).undelivered
        }
        session.expunge_all()
    if pending_only:
        found = [t for t in found if t.status == TicketStatus.OPEN or t.id in undelivered]
    return list(found), undelivered


@dataclass(frozen=True)
class TicketView:
    """One ticket as `pqr show` prints it."""

    ticket: Ticket
    interaction: Interaction | None
    replies: list[Reply]
    delivery: Delivery


def ticket_view(database: Database, radicado: str) -> TicketView:
    with database.session() as session:
        ticket = find_ticket(session, radicado)
        interaction = (
            session.get(Interaction, ticket.interaction_id) if ticket.interaction_id else None
        )
        replies = (
            session.execute(sa.select(Reply).where(Reply.ticket_id == ticket.id).order_by(Reply.id))
            .scalars()
            .all()
        )
        delivery = delivery_of(session, ticket)
        session.expunge_all()
    return TicketView(ticket, interaction, list(replies), delivery)
