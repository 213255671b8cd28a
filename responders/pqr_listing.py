"""What `pqr list` and `pqr show` read: tickets by status and type, and one ticket with its
message, its replies and whether its answer reached the citizen; and the lines that say it,
shared by the `conectados pqr` commands and the web office."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from conectados.db import Database
from responders.filing import MANUAL_CHANNELS
from responders.models import AUTOMATIC, Interaction, Reply, ReplyVisibility, Ticket, TicketStatus
from responders.pqr import (
    MEDIUM_NAMES,
    Delivery,
    channel_title,
    delivery_of,
    find_ticket,
    notify_hint,
)
from responders.reply_listing import STATE_NAMES as REPLY_STATE_NAMES
from responders.sspd import CAUSALES, RESPUESTAS
from responders.terms import TicketType
from responders.tickets import STATUS_NAMES, TermRules

STATUS_BY_NAME = {name: status for status, name in STATUS_NAMES.items()}
UNDELIVERED_NOTE = (
    "«respuesta sin entregar»: la red no la entregó; notifíquela por otro medio y "
    "regístrelo con «conectados pqr notificar RADICADO --medio …»."
)


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


def status_text(ticket: Ticket, undelivered: set[int]) -> str:
    """ "abierto", "respondido, respuesta sin entregar"..."""
    return STATUS_NAMES[ticket.status] + (
        ", respuesta sin entregar" if ticket.id in undelivered else ""
    )


def filed_line(ticket: Ticket, zone) -> str:
    """ "Radicada: 2026-03-10 10:00 por x (la radicó ana)"."""
    how = MANUAL_CHANNELS.get(ticket.network)
    line = f"Radicada: {ticket.filed_at.astimezone(zone):%Y-%m-%d %H:%M} " + (
        f"por {how}" if how else f"por {channel_title(ticket.network)}"
    )
    if ticket.filed_by == AUTOMATIC:
        return line + " (la radicó el servicio, automáticamente)"
    if ticket.filed_by:
        return line + f" (la radicó {ticket.filed_by})"
    return line


def due_text(ticket: Ticket, zone) -> str:
    """The due day, or the due moment of a damage report."""
    if ticket.due_at:
        return ticket.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return f"{ticket.due_date:%Y-%m-%d}"


def term_line(ticket: Ticket, rules: TermRules) -> str | None:
    """The legal term in working days and its basis; None for a damage report (hours)."""
    if ticket.due_at is not None:
        return None
    term = rules.term(ticket.filed_at, TicketType(ticket.type))
    moved = (
        f"; radicada en día no hábil, cuenta como radicada el {ticket.filed_on:%Y-%m-%d}"
        if ticket.filed_on != ticket.filed_at.astimezone(rules.zone).date()
        else ""
    )
    return (
        f"Plazo: {term.working_days} días hábiles desde el día siguiente a la "
        f"radicación ({term.basis}){moved}."
    )


def causal_line(ticket: Ticket) -> str | None:
    causal = CAUSALES.get(ticket.causal or "")
    return f"Causal SSPD: {causal.code} {causal.name} ({causal.group})" if causal else None


def answer_heading(ticket: Ticket, zone) -> str:
    """ "Respuesta de ana el 2026-03-11 09:00 (Accede):"."""
    answer_type = RESPUESTAS.get(ticket.answer_type or "", ("", ""))[1]
    return (
        f"Respuesta de {ticket.answered_by or 'la empresa'} el "
        f"{ticket.answered_at.astimezone(zone):%Y-%m-%d %H:%M}"
        + (f" ({answer_type})" if answer_type else "")
        + ":"
    )


def reply_line(reply: Reply) -> str:
    """ "acuse de recibo en privado: enviada", with the last error if any."""
    where = "en público" if reply.visibility == ReplyVisibility.PUBLIC else "en privado"
    what = {"acknowledgement": "acuse de recibo", "ticket_answer": "respuesta"}.get(
        reply.kind.value, "respuesta"
    )
    line = f"{what} {where}: {REPLY_STATE_NAMES[reply.state]}"
    if reply.last_error:
        line += f" ({reply.last_error})"
    return line


def closed_line(ticket: Ticket, zone) -> str | None:
    if ticket.closed_at is None:
        return None
    return (
        f"Cerrada por {ticket.closed_by or 'la empresa'} el "
        f"{ticket.closed_at.astimezone(zone):%Y-%m-%d %H:%M}."
    )


def notified_line(ticket: Ticket, zone) -> str | None:
    if ticket.notified_at is None:
        return None
    return (
        f"Respuesta notificada por {MEDIUM_NAMES.get(ticket.notified_via or '', '')} el "
        f"{ticket.notified_at.astimezone(zone):%Y-%m-%d %H:%M}"
        + (f" (lo registró {ticket.notified_by})." if ticket.notified_by else ".")
    )


def undelivered_warning(ticket: Ticket, delivery: Delivery) -> str | None:
    """What to do when the answer did not reach the citizen (and was not notified)."""
    if ticket.notified_at is not None or not ticket.answer_text or not delivery.undelivered:
        return None
    if ticket.interaction_id:
        return (
            "La respuesta no le llegó al ciudadano por la red: notifíquela por otro "
            f"medio y regístrelo con {notify_hint(ticket.radicado)}."
        )
    return (
        "La respuesta no se envía por las redes: notifíquela por el medio que dejó "
        f"el ciudadano y regístrelo con {notify_hint(ticket.radicado)}."
    )
