"""Filing a PQR by hand: from a reply in review, a message in the inbox, or a phone call, a
visit or a letter.

The radicado, the term and the acknowledgement come from the automatic path
(`tickets.file_ticket`, `Responder.acknowledgements`): a ticket filed by a person is numbered,
timed and acknowledged exactly like one the responder files. Only who filed it differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from conectados.db import Database
from conectados.errors import BadInput
from responders import interactions, learning, replies
from responders.errors import AlreadyDecided, ChangedMeanwhile
from responders.examples import ExampleAction
from responders.models import (
    Interaction,
    Reply,
    ReplyKind,
    ReplyState,
    ReplyVisibility,
    Ticket,
)
from responders.protocols import Protocol, ProtocolAction, template_environment
from responders.review import destination
from responders.service import AUTOMATIC, Responder, causal_of
from responders.sspd import CAUSALES, causal_for
from responders.terms import WORKING_DAYS, TicketType
from responders.tickets import TYPE_NAMES, Filed, TermRules, due_text, file_ticket

MANUAL_CHANNELS = {
    "telefono": "una llamada telefónica",
    "oficina": "una visita a la oficina",
    "correo": "un correo electrónico",
    "carta": "una carta",
}
"""How a citizen may reach the company outside the networks: the ticket records it."""
LIVE = (ReplyState.APPROVED, ReplyState.SENDING, ReplyState.SENT)


@dataclass(frozen=True)
class Queued:
    """An acknowledgement queued for the citizen."""

    id: int
    visibility: ReplyVisibility
    state: ReplyState


@dataclass(frozen=True)
class ManualFiling:
    filed: Filed
    causal: str | None
    interaction: Interaction | None = None
    queued: list[Queued] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)
    """Drafts in review that promised the filing, settled by the acknowledgement."""
    still_pending: list[int] = field(default_factory=list)
    """Other drafts for the same message (an answer to a question), still for a person."""


def check_causal(causal: str | None) -> str | None:
    if causal is None:
        return None
    code = causal.strip()
    if code not in CAUSALES:
        raise BadInput(
            f"«{causal}» no es una causal de la SSPD; las causales son códigos como 102, 107 o "
            "315 (véalas con «conectados pqr causales»)",
            "--causal",
        )
    return code


def generic_acknowledgement(kind: TicketType) -> Protocol:
    """The acknowledgement of a request no ticket protocol covers (a question that turned out
    to be a petition): radicado and due date, in the words of the other acknowledgements."""
    what = TYPE_NAMES[kind]  # ours, never the citizen's: safe inside a template's source
    greeting = "{% if autor %}Hola, {{ autor }}.{% else %}Hola.{% endif %}"
    filed = (
        f"Radicamos su {what} con el número {{{{ radicado }}}}{{% if fecha_limite %}} y le "
        "responderemos a más tardar el {{ fecha_limite }}{% endif %}."
    )
    days = WORKING_DAYS.get(kind)
    law = f" La ley nos da {days} días hábiles para responder." if days else ""
    environment = template_environment()
    return Protocol(
        id="acuse_pqr",
        name=f"Acuse de recibo de una {what} radicada a mano",
        action=ProtocolAction.TICKET,
        description="",
        keys=(),
        examples=(),
        public_template=environment.from_string(
            f"{greeting} {filed} Le escribimos por mensaje privado para continuar."
        ),
        private_template=environment.from_string(f"{greeting} {filed}{law}"),
        source="acuse de recibo de una PQR radicada a mano",
        pqr_type=kind.value,
    )


def file_from_interaction(
    database: Database,
    responder: Responder,
    interaction_id: int | None,
    person: str,
    now: datetime,
    kind: TicketType | None = None,
    causal: str | None = None,
    reply_id: int | None = None,
    protocol_id: str | None = None,
) -> ManualFiling:
    """File a message as a PQR and queue its acknowledgement, in one transaction.

    The term runs from when the company received the message, not from when a person got to
    it (Ley 1755 de 2015, art. 14: "a partir de su recepción"). The pending drafts that
    promised the filing ("una persona de nuestro equipo lo radicará") are settled as replaced
    by the acknowledgement, which goes where the automatic one would. The filing is learned
    (to file, under the protocol filed under) in the same transaction.
    """
    where = "--respuesta" if reply_id is not None else "--mensaje"
    causal = check_causal(causal)
    catalogue = responder.catalogue
    with database.session(write=True) as session:
        connection = session.connection()
        reply = None
        if reply_id is not None:
            reply = session.get(Reply, reply_id)
            if reply is None:
                raise BadInput(
                    f"no hay ninguna respuesta con id {reply_id}; vea «conectados replies list»",
                    where,
                )
            if reply.state != ReplyState.PENDING:
                filed_as = connection.execute(
                    sa.select(Ticket.radicado).where(Ticket.interaction_id == reply.interaction_id)
                ).scalar()
                raise AlreadyDecided(
                    f"la respuesta {reply_id} ya fue decidida"
                    + (
                        f" y su mensaje ya está radicado con el número {filed_as}; vea "
                        f"«conectados pqr show {filed_as}»"
                        if filed_as
                        else f"; radique el mensaje con «conectados pqr radicar --mensaje "
                        f"{reply.interaction_id}»"
                    ),
                    where,
                )
            interaction_id = reply.interaction_id
        interaction = session.get(Interaction, interaction_id)
        if interaction is None:
            raise BadInput(
                f"no hay ningún mensaje con id {interaction_id}; vea «conectados inbox»", where
            )
        radicado = connection.execute(
            sa.select(Ticket.radicado).where(Ticket.interaction_id == interaction.id)
        ).scalar()
        if radicado is not None:
            raise BadInput(
                f"el mensaje {interaction.id} ya está radicado con el número {radicado}; vea "
                f"«conectados pqr show {radicado}»",
                where,
            )
        chosen = protocol_id or (reply.protocol if reply else None) or interaction.protocol
        protocol = catalogue.get(chosen) if chosen else None
        if protocol is not None and protocol.action != ProtocolAction.TICKET:
            protocol = None  # an answer's text says nothing of a radicado
        if kind is None:
            if protocol is None or not protocol.pqr_type:
                raise BadInput(
                    "falta el tipo de PQR: escriba --tipo (peticion, queja, reclamo...)", "--tipo"
                )
            kind = TicketType(protocol.pqr_type)
        if protocol is None or protocol.pqr_type != kind.value:
            protocol = generic_acknowledgement(kind)
        if causal is None:
            causal = (
                causal_of(protocol, interaction.text)
                if protocol.causal
                else causal_for(interaction.text, None)
                if kind == TicketType.RECLAMO
                else None
            )
        if not interactions.file_by_hand(connection, interaction.id, interaction.state, person):
            raise ChangedMeanwhile(
                f"el servicio u otra persona cambió el mensaje {interaction.id} al mismo tiempo; "
                "intente de nuevo"
            )
        filed = file_ticket(
            connection,
            responder.term_rules,
            kind,
            interaction.network,
            interaction.received_at,
            interaction.id,
            causal,
            filed_by=person,
        )
        replaced, still_pending = _settle_drafts(
            session, catalogue, interaction.id, reply_id, filed, person, now
        )
        queued = _acknowledge(session, responder, interaction, protocol, filed, person, now)
        learning.record(
            connection,
            interaction_id=interaction.id,
            text=interaction.text,
            # The generic acknowledgement is no protocol of the catalogue: a complaint
            # labelled without its protocol.
            protocol=protocol.id if catalogue.get(protocol.id) is protocol else None,
            action=ExampleAction.TICKET,
            reviewer=person,
            now=now,
        )
        session.expunge(interaction)
    return ManualFiling(filed, causal, interaction, queued, replaced, still_pending)


def _settle_drafts(
    session, catalogue, interaction_id: int, reply_id: int | None, filed: Filed, person, now
) -> tuple[list[int], list[int]]:
    """The drafts that promised the filing -> rejected, with why; the others stay pending."""
    pending = session.execute(
        sa.select(Reply.id, Reply.kind, Reply.protocol).where(
            Reply.interaction_id == interaction_id, Reply.state == ReplyState.PENDING
        )
    ).all()

    def promised(row) -> bool:
        protocol = catalogue.get(row.protocol) if row.protocol else None
        return (
            row.id == reply_id
            or row.kind == ReplyKind.ACKNOWLEDGEMENT
            or (protocol is not None and protocol.action == ProtocolAction.TICKET)
        )

    replaced = [row.id for row in pending if promised(row)]
    replies.reject_replaced(
        session.connection(),
        replaced,
        filed.id,
        person,
        f"reemplazada por el acuse de recibo del radicado {filed.radicado}",
        now,
    )
    return replaced, [row.id for row in pending if row.id not in replaced]


def _acknowledge(
    session, responder: Responder, interaction, protocol, filed: Filed, person: str, now
) -> list[Queued]:
    """Queue what the automatic path would, but what already went out (or is about to) once."""
    connection = session.connection()
    live = set(
        connection.execute(
            sa.select(Reply.kind, Reply.visibility).where(
                Reply.interaction_id == interaction.id, Reply.state.in_(LIVE)
            )
        ).all()
    )
    rows = responder.acknowledgements(
        connection, interaction, protocol, filed, f"radicada a mano por {person}", now
    )
    queued = []
    for row in rows:
        if (row["kind"], row["visibility"]) in live:
            continue
        if row["reviewer"] == AUTOMATIC:
            row["reviewer"] = person  # a person decided to file it
        (reply_id,) = replies.queue(connection, [row])
        queued.append(Queued(reply_id, row["visibility"], row["state"]))
    return queued


def file_from_channel(
    database: Database,
    rules: TermRules,
    channel: str,
    citizen: str,
    contact: str,
    text: str,
    kind: TicketType,
    person: str,
    now: datetime,
    causal: str | None = None,
) -> ManualFiling:
    """File a request that came by phone, in person or by letter: nothing is sent anywhere;
    the ticket keeps the channel, the citizen and what they asked."""
    causal = check_causal(causal)
    if causal is None and kind == TicketType.RECLAMO:
        causal = causal_for(text, None)
    with database.session(write=True) as session:
        filed = file_ticket(
            session.connection(),
            rules,
            kind,
            channel,
            now,
            None,
            causal,
            filed_by=person,
            citizen=(citizen, contact, text),
        )
    return ManualFiling(filed, causal)


def filing_lines(filing: ManualFiling, zone) -> list[str]:
    """What a person reads after filing: the radicado, the type, the term, what goes out."""
    filed = filing.filed
    causal = CAUSALES.get(filing.causal or "")
    lines = [
        f"Radicado {filed.radicado}: {TYPE_NAMES[filed.kind]}"
        + (f", causal {causal.code} {causal.name}" if causal else "")
        + "."
    ]
    due = due_text(filed.term.due_on, filed.term.due_at, zone)
    if filed.term.working_days is not None:
        lines.append(
            f"Vence el {due} ({filed.term.working_days} días hábiles; {filed.term.basis})."
        )
    else:
        lines.append(f"Debe atenderse a más tardar el {due} ({filed.term.basis}).")
    interaction = filing.interaction
    if interaction is None:
        lines.append("No se envía nada al ciudadano: respóndale por el medio que dejó.")
        return lines
    if filing.replaced:
        ids = ", ".join(str(number) for number in filing.replaced)
        lines.append(f"El borrador {ids} quedó reemplazado por el acuse de recibo.")
    for queued in filing.queued:
        where = destination(interaction.network, interaction.kind, queued.visibility)
        if queued.state == ReplyState.PENDING:
            lines.append(
                f"El acuse {queued.id} ({where}) espera revisión: «conectados replies show "
                f"{queued.id}» dice por qué."
            )
        else:
            lines.append(
                f"Acuse de recibo {queued.id} con el radicado: {where}; el servicio lo enviará "
                "en su próxima ronda."
            )
    if not filing.queued:
        lines.append("El acuse de recibo ya había salido: no se envía otro.")
    for pending in filing.still_pending:
        lines.append(f"La respuesta {pending} sigue pendiente de revisión.")
    return lines
