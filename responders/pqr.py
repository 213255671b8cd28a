"""The PQR office's domain: find a ticket, whether its answer reached the citizen, and the
office's decisions on it (answer, notify by other means, close) through the ticket's moves in
`responders.tickets`. The `conectados pqr` commands parse, call these and print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from conectados.errors import BadInput
from responders import tickets
from responders.errors import AlreadyDecided, ChangedMeanwhile
from responders.models import Reply, ReplyKind, ReplyState, Ticket, TicketStatus

MEDIUM_NAMES = {
    "telefono": "teléfono",
    "correo": "correo electrónico",
    "carta": "carta",
    "oficina": "en la oficina",
}


def find_ticket(session, radicado: str) -> Ticket:
    ticket = session.execute(sa.select(Ticket).where(Ticket.radicado == radicado.strip())).scalar()
    if ticket is None:
        raise BadInput(
            f"no hay ningún radicado {radicado}; vea «conectados pqr list»", "argumento RADICADO"
        )
    return ticket


@dataclass(frozen=True)
class Delivery:
    """Whether the company's answer reached the citizen, and how."""

    reached_at: datetime | None = None
    how: str = ""
    """"la red", or the other means it was notified by (teléfono, correo...)."""
    on_the_way: bool = False
    failed: str | None = None
    """Why the network did not deliver it."""

    @property
    def undelivered(self) -> bool:
        return self.reached_at is None and not self.on_the_way


def delivery_of(session, ticket: Ticket) -> Delivery:
    if ticket.notified_at is not None:
        return Delivery(ticket.notified_at, MEDIUM_NAMES.get(ticket.notified_via or "", ""))
    rows = session.execute(
        sa.select(Reply.state, Reply.sent_at, Reply.last_error)
        .where(Reply.ticket_id == ticket.id, Reply.kind == ReplyKind.TICKET_ANSWER)
        .order_by(Reply.id)
    ).all()
    for row in rows:
        if row.state == ReplyState.SENT:
            return Delivery(row.sent_at, "la red")
    if any(row.state in (ReplyState.APPROVED, ReplyState.SENDING) for row in rows):
        return Delivery(on_the_way=True)
    failed = [
        row.last_error or "la red no la aceptó" for row in rows if row.state != ReplyState.SENT
    ]
    return Delivery(failed=failed[-1] if failed else None)


def notify_hint(radicado: str) -> str:
    return f"«conectados pqr notificar {radicado} --medio telefono» (o correo, carta, oficina)"


def close_ticket(
    session, ticket: Ticket, who: str, now: datetime, without_answer: bool = False
) -> str | None:
    """Close `ticket` as the person saw it (open or answered -> closed), once; what was missing
    when it is closed `without_answer`, else None. A ticket closed or answered meanwhile by
    another process is left alone (`ChangedMeanwhile`)."""
    number = ticket.radicado
    if ticket.status == TicketStatus.CLOSED:
        raise AlreadyDecided(f"el radicado {number} ya estaba cerrado", "argumento RADICADO")
    delivery = delivery_of(session, ticket)
    problem = None
    if not ticket.answer_text:
        problem = (
            f"el radicado {number} no tiene respuesta registrada: respóndalo con "
            f"«conectados pqr answer {number} --texto …»"
        )
    elif delivery.on_the_way:
        problem = (
            f"la respuesta del radicado {number} aún no ha salido por la red: espere a que "
            f"el servicio la envíe (vea «conectados pqr show {number}»)"
        )
    elif delivery.reached_at is None:
        why = f" ({delivery.failed})" if delivery.failed else ""
        problem = (
            f"la respuesta del radicado {number} no le llegó al ciudadano{why}: "
            f"notifíquela por otro medio y regístrelo con {notify_hint(number)}"
        )
    if problem and not without_answer:
        raise BadInput(f"{problem}, o ciérrelo así con --sin-respuesta", "argumento RADICADO")
    if not tickets.close(session.connection(), ticket.id, ticket.status, who, now):
        raise ChangedMeanwhile(
            f"otra persona cambió el radicado {number} al mismo tiempo; vea «conectados pqr "
            f"show {number}» y decida de nuevo"
        )
    return problem
