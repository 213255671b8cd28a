"""The PQR office's domain: find a ticket, whether its answer reached the citizen, and the
office's decisions on it (answer, notify by other means, close) through the ticket's moves in
`responders.tickets`. The `conectados pqr` commands parse, call these and print; what they list
and show is read in `responders.pqr_listing`, the SSPD export in `responders.pqr_export`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from channels.specs import display_name
from conectados.db import Database
from conectados.errors import BadInput
from responders import replies, tickets
from responders.errors import AlreadyDecided, ChangedMeanwhile
from responders.models import (
    Interaction,
    Reply,
    ReplyKind,
    ReplyState,
    ReplyVisibility,
    Ticket,
    TicketStatus,
)
from responders.review import private_reply_refused
from responders.sspd import RESPUESTAS
from responders.terms import working_days_between
from responders.tickets import STATUS_NAMES

MEDIUM_NAMES = {
    "telefono": "teléfono",
    "correo": "correo electrónico",
    "carta": "carta",
    "oficina": "en la oficina",
}


MANUAL_CHANNEL_NAMES = {
    "telefono": "teléfono",
    "oficina": "oficina",
    "correo": "correo",
    "carta": "carta",
}


def channel_title(channel: str) -> str:
    """How the team reads where a ticket came from: a network's name, or a manual channel."""
    if channel in MANUAL_CHANNEL_NAMES:
        return MANUAL_CHANNEL_NAMES[channel]
    return display_name(channel)


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


def close_by_radicado(
    database: Database, radicado: str, who: str, now: datetime, without_answer: bool = False
) -> tuple[str, str | None]:
    """`pqr close`: the radicado closed and what was missing (see `close_ticket`)."""
    with database.session(write=True) as session:
        ticket = find_ticket(session, radicado)
        return ticket.radicado, close_ticket(session, ticket, who, now, without_answer)


def days_used(filed_on: date, moment: datetime, zone, saturday_works: bool) -> int:
    """Working days from the (effective) filing to `moment`, as the SSPD counts them."""
    return working_days_between(filed_on, moment.astimezone(zone).date(), saturday_works)


@dataclass(frozen=True)
class Answered:
    """What `answer_ticket` did."""

    radicado: str
    network: str
    filed_on: date
    by_network: bool
    """The ticket came by a network: its answer was queued (or refused) there, in private."""
    refused: str | None
    """Why the network would not take it, if it would not: recorded as not sent."""


def answer_text(text: str | None, where: str) -> str:
    """The answer as it is recorded: without surrounding blanks, and never empty."""
    stripped = (text or "").strip()
    if not stripped:
        raise BadInput("la respuesta está vacía", where)
    return stripped


def check_answer_type(answer_type: str | None, where: str) -> str | None:
    """One of the SUI's answer types (`responders.sspd.RESPUESTAS`), or None (not yet)."""
    if answer_type is not None and answer_type not in RESPUESTAS:
        raise BadInput(
            f"«{answer_type[:40]}» no es un tipo de respuesta; use uno de: {', '.join(RESPUESTAS)}",
            where,
        )
    return answer_type


def answered_lines(answered: Answered, days: int, answer_type: str | None) -> list[str]:
    """What an answer recorded did: where it goes, and what is left to the office."""
    lines = [
        f"Respuesta registrada para {answered.radicado} ({days} días hábiles desde la radicación)."
    ]
    if answered.by_network and not answered.refused:
        lines.append("El servicio la enviará en privado por la red por la que llegó.")
    elif answered.refused:
        lines.append(
            f"No se puede enviar por {channel_title(answered.network)}: {answered.refused}. "
            "El ciudadano no la recibirá por la red."
        )
    else:
        lines.append("No se envía nada por las redes: la PQR llegó por fuera de ellas.")
    if not answered.by_network or answered.refused:
        lines.append(f"Notifíquela por otro medio y regístrelo: {notify_hint(answered.radicado)}.")
    if answer_type is None:
        lines.append(
            "Falta el tipo de respuesta para el reporte a la SSPD: regístrelo con «conectados "
            f"pqr answer {answered.radicado} --tipo-respuesta accede» (o el que corresponda)."
        )
    return lines


def closed_text(radicado: str, problem: str | None) -> str:
    """What `close_by_radicado` did, in one sentence."""
    return f"Radicado {radicado} cerrado" + (
        " sin que el ciudadano recibiera respuesta." if problem else "."
    )


def answer_ticket(
    database: Database,
    radicado: str,
    text: str,
    answer_type: str | None,
    who: str,
    now: datetime,
    window_templates: Mapping[str, str] | None = None,
) -> Answered:
    """open -> answered, and the answer queued for the send job in private on the network the
    ticket came by (one the network would refuse is recorded as failed, with why;
    `window_templates`: each network's approved template for after its message window).

    The answer is never public and never rendered from a template: it is the company's letter
    under a fixed heading, so the reply pipeline's `context_for` and `check_public` have nothing
    to do here, and the send job's public-text check (which runs on every public reply) does not
    apply to it either. A private reply may carry the citizen's own data."""
    with database.session(write=True) as session:
        ticket = find_ticket(session, radicado)
        if ticket.status != TicketStatus.OPEN:
            raise BadInput(
                f"el radicado {ticket.radicado} ya está {STATUS_NAMES[ticket.status]}; no se "
                f"responde de nuevo (vea «conectados pqr show {ticket.radicado}»)",
                "argumento RADICADO",
            )
        if not tickets.mark_answered(session.connection(), ticket.id, text, answer_type, who, now):
            raise ChangedMeanwhile(
                f"otra persona respondió el radicado {ticket.radicado} al mismo tiempo"
            )
        refused = None
        if ticket.interaction_id is not None:
            interaction = session.get(Interaction, ticket.interaction_id)
            refused = private_reply_refused(
                session,
                interaction,
                ReplyKind.TICKET_ANSWER,
                now,
                window_templates=window_templates,
            )
            # One the network would refuse is recorded as not sent, with why: never queued.
            replies.queue(
                session.connection(),
                [
                    {
                        "interaction_id": ticket.interaction_id,
                        "ticket_id": ticket.id,
                        "kind": ReplyKind.TICKET_ANSWER,
                        "visibility": ReplyVisibility.PRIVATE,
                        "text": f"Respuesta a su solicitud con radicado {ticket.radicado}:\n\n{text}",
                        "state": ReplyState.FAILED if refused else ReplyState.APPROVED,
                        "last_error": f"no se envió: {refused}" if refused else None,
                        "reviewer": who,
                        "created_at": now,
                        "decided_at": now,
                    }
                ],
            )
        return Answered(
            ticket.radicado,
            ticket.network,
            ticket.filed_on,
            ticket.interaction_id is not None,
            refused,
        )


def set_answer_type(database: Database, radicado: str, answer_type: str) -> str:
    """The SUI's type of an answer already recorded; the radicado."""
    with database.session(write=True) as session:
        ticket = find_ticket(session, radicado)
        if not ticket.answer_text:
            raise BadInput(
                f"el radicado {ticket.radicado} aún no tiene respuesta: escríbala con --texto o "
                "--archivo",
                "opciones",
            )
        ticket.answer_type = answer_type  # a label for the report, not a move of the ticket
        return ticket.radicado


@dataclass(frozen=True)
class Notified:
    """An answer recorded as notified by other means."""

    radicado: str
    filed_on: date
    late: bool


def record_notification(
    database: Database, radicado: str, medium: str, who: str, now: datetime, zone
) -> Notified:
    """The answer reached the citizen by `medium` (phone, mail...), recorded once."""
    with database.session(write=True) as session:
        ticket = find_ticket(session, radicado)
        if not ticket.answer_text:
            raise BadInput(
                f"el radicado {ticket.radicado} aún no tiene respuesta: regístrela primero con "
                f"«conectados pqr answer {ticket.radicado} --texto …»",
                "argumento RADICADO",
            )
        if ticket.notified_at is not None:
            raise BadInput(
                f"la respuesta del radicado {ticket.radicado} ya se notificó por "
                f"{MEDIUM_NAMES[ticket.notified_via]} el "
                f"{ticket.notified_at.astimezone(zone):%Y-%m-%d %H:%M}",
                "argumento RADICADO",
            )
        if not tickets.record_notified(session.connection(), ticket.id, medium, who, now):
            raise ChangedMeanwhile(
                f"otra persona registró al mismo tiempo la notificación del radicado "
                f"{ticket.radicado}; vea «conectados pqr show {ticket.radicado}»"
            )
        late = (
            ticket.due_at < now if ticket.due_at else ticket.due_date < now.astimezone(zone).date()
        )
        return Notified(ticket.radicado, ticket.filed_on, late)
