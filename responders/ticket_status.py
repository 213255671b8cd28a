"""What a citizen who quotes a radicado in private is told about it: its status and due
date, and only when they filed it (radicados are consecutive: easy to guess)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm

from conectados.spanish import spanish_date
from responders.models import Interaction, Ticket, TicketStatus
from responders.normalize import radicado_in
from responders.tickets import STATUS_NAMES, due_text


def ticket_status(
    connection: sa.Connection, interaction: Interaction, zone: tzinfo
) -> dict[str, Any]:
    """A radicado the citizen quotes in private: its status, for the estado_pqr answer, and
    only to the person who filed it (radicados are consecutive: easy to guess)."""
    radicado = radicado_in(interaction.text)
    if not radicado:
        return {}
    filer = sa.orm.aliased(Interaction)
    ticket = connection.execute(
        sa.select(Ticket.status, Ticket.due_date, Ticket.due_at, Ticket.answered_at)
        .join(filer, filer.id == Ticket.interaction_id)
        .where(
            Ticket.radicado == radicado,
            filer.network == interaction.network,
            filer.author_id == interaction.author_id,
        )
    ).first()
    if ticket is None:
        return {}
    due = due_text(ticket.due_date, ticket.due_at, zone)
    if ticket.status == TicketStatus.OPEN:
        status = f"en trámite; la fecha límite de respuesta es el {due}"
    elif ticket.answered_at is not None:
        answered = spanish_date(ticket.answered_at.astimezone(zone).date())
        status = f"{STATUS_NAMES[ticket.status]}: la respuesta se envió el {answered}"
    else:
        status = STATUS_NAMES[ticket.status]
    return {"radicado": radicado, "fecha_limite": due, "estado": status}
