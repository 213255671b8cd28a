"""PQR tickets: a radicado per year without gaps or repeats, the legal due date, and the
ticket's moves (open -> answered -> closed), each a compare-and-set update.

The number comes from `ticket_sequence`, incremented in the same transaction that inserts
the ticket: on PostgreSQL the row lock makes concurrent filers wait their turn; on SQLite
the write transaction does. A rolled-back filing takes its number back with it, so the
numbers stay consecutive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from conectados.db import upsert_statement
from conectados.spanish import spanish_date, spanish_moment
from responders.models import Ticket, TicketSequence, TicketStatus
from responders.terms import Term, TicketType, term_for

STATUS_NAMES = {
    TicketStatus.OPEN: "abierto",
    TicketStatus.ANSWERED: "respondido",
    TicketStatus.CLOSED: "cerrado",
}
TYPE_NAMES = {
    TicketType.PETICION: "petición",
    TicketType.QUEJA: "queja",
    TicketType.RECLAMO: "reclamo",
    TicketType.RECURSO: "recurso",
    TicketType.SOLICITUD_INFORMACION: "solicitud de información",
    TicketType.CONSULTA: "consulta",
    TicketType.REPORTE_DANO: "reporte de daño",
}


@dataclass(frozen=True)
class TermRules:
    """From `[pqr]` in the settings."""

    zone: ZoneInfo
    saturday_works: bool = False
    damage_hours: float = 24

    def term(self, filed_at: datetime, kind: TicketType) -> Term:
        return term_for(
            filed_at.astimezone(self.zone), kind, self.saturday_works, self.damage_hours
        )


def format_radicado(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


RADICADO_PATTERN = r"\d{4}-\d{6,}"
"""What `format_radicado` writes: the year, a hyphen, six digits or more."""


def next_number(connection: sa.Connection, year: int) -> int:
    """Take the next radicado number of `year` (inside the caller's transaction)."""
    connection.execute(
        upsert_statement(connection, TicketSequence)
        .values(year=year, last=0)
        .on_conflict_do_nothing(index_elements=[TicketSequence.year])
    )
    return connection.execute(
        sa.update(TicketSequence)
        .where(TicketSequence.year == year)
        .values(last=TicketSequence.last + 1)
        .returning(TicketSequence.last)
    ).scalar_one()


@dataclass(frozen=True)
class Filed:
    id: int
    radicado: str
    kind: TicketType
    term: Term


def file_ticket(
    connection: sa.Connection,
    rules: TermRules,
    kind: TicketType,
    network: str,
    filed_at: datetime,
    interaction_id: int | None = None,
    causal: str | None = None,
    filed_by: str | None = None,
    citizen: tuple[str, str, str] | None = None,
) -> Filed:
    """Give a request its radicado and due date (inside the caller's transaction).

    `citizen` (name, contact, what they asked) for a request that came by no network."""
    name, contact, request = citizen or (None, None, None)
    term = rules.term(filed_at, kind)
    year = filed_at.astimezone(rules.zone).year
    sequence = next_number(connection, year)
    radicado = format_radicado(year, sequence)
    ticket_id = connection.execute(
        sa.insert(Ticket)
        .values(
            radicado=radicado,
            year=year,
            sequence=sequence,
            type=kind.value,
            causal=causal,
            network=network,
            interaction_id=interaction_id,
            filed_at=filed_at,
            filed_on=term.filed_on,
            due_date=term.due_on,
            due_at=term.due_at,
            status=TicketStatus.OPEN,
            filed_by=filed_by,
            citizen_name=name,
            citizen_contact=contact,
            request_text=request,
        )
        .returning(Ticket.id)
    ).scalar_one()
    return Filed(ticket_id, radicado, kind, term)


def due_text(ticket_due: date, due_at: datetime | None, zone: ZoneInfo) -> str:
    """ "18 de diciembre de 2026" (or, for damage reports, with the hour)."""
    if due_at is not None:
        return spanish_moment(due_at.astimezone(zone))
    return spanish_date(ticket_due)


# --- the ticket's moves: open -> answered -> closed (or open -> closed without an answer) -----


def mark_answered(
    connection: sa.Connection,
    ticket_id: int,
    text: str,
    answer_type: str | None,
    who: str,
    now: datetime,
) -> bool:
    """open -> answered, with the company's answer; False if someone answered it meanwhile."""
    return bool(
        connection.execute(
            sa.update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.status == TicketStatus.OPEN)
            .values(
                status=TicketStatus.ANSWERED,
                answer_text=text,
                answer_type=answer_type,
                answered_at=now,
                answered_by=who,
            )
        ).rowcount
    )


def close(
    connection: sa.Connection, ticket_id: int, seen: TicketStatus, who: str, now: datetime
) -> bool:
    """open | answered -> closed, only if it is still as the person saw it (`seen`): a ticket
    closed, or answered, meanwhile by another process is left as that process left it."""
    if seen not in (TicketStatus.OPEN, TicketStatus.ANSWERED):
        return False
    return bool(
        connection.execute(
            sa.update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.status == seen)
            .values(status=TicketStatus.CLOSED, closed_at=now, closed_by=who)
        ).rowcount
    )


def record_notified(
    connection: sa.Connection, ticket_id: int, medium: str, who: str, now: datetime
) -> bool:
    """The answer reached the citizen by another means (phone, mail...), recorded once."""
    return bool(
        connection.execute(
            sa.update(Ticket)
            .where(
                Ticket.id == ticket_id,
                Ticket.answer_text.is_not(None),
                Ticket.notified_at.is_(None),
            )
            .values(notified_via=medium, notified_at=now, notified_by=who)
        ).rowcount
    )
