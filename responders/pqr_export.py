"""The month's PQR for the SSPD's report (SUI): one row per ticket filed in the month, with no
personal data, and what the SUI needs that the tickets lack."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from conectados.db import Database
from responders.models import Interaction, InteractionKind, Ticket, TicketStatus
from responders.pqr import channel_title, delivery_of
from responders.sspd import CAUSALES, RESPUESTAS, TRAMITES
from responders.terms import TicketType, working_days_between
from responders.tickets import STATUS_NAMES, TYPE_NAMES

NEEDS_CAUSAL = (TicketType.RECLAMO, TicketType.QUEJA, TicketType.RECURSO)
"""The SUI classifies reclamaciones, quejas and recursos by causal; a petición, a request for
information or a consulta asks for something and has none (responders/sspd.py)."""

EXPORT_COLUMNS = (
    "radicado",
    "tipo_tramite_codigo",
    "tipo_tramite",
    "causal_codigo",
    "causal",
    "grupo_causal",
    "canal",
    "fecha_radicacion",
    "fecha_radicacion_efectiva",
    "fecha_vencimiento",
    "fecha_respuesta",
    "fecha_notificacion",
    "notificada_por",
    "tipo_respuesta_codigo",
    "tipo_respuesta",
    "dias_habiles_usados",
    "dentro_del_termino",
    "estado",
)


def channel_name(network: str, kind: str | None) -> str:
    """ "Facebook (público)", "WhatsApp (privado)", "teléfono": how the citizen reached us."""
    name = channel_title(network)
    if kind is None:
        return name
    return f"{name} ({'privado' if kind == InteractionKind.MESSAGE else 'público'})"


@dataclass
class Export:
    """The rows of `EXPORT_COLUMNS`, and the radicados missing a trámite code, a causal or an
    answer type."""

    rows: list[tuple] = field(default_factory=list)
    missing: dict[str, list[str]] = field(
        default_factory=lambda: {"tramite": [], "causal": [], "respuesta": []}
    )


def export_month(
    database: Database, first: date, zone, today: date, saturday_works: bool
) -> Export:
    """The tickets filed in the month that starts on `first` (in the company's zone)."""
    start = datetime.combine(first, time(), zone)
    end = datetime.combine((first + timedelta(days=32)).replace(day=1), time(), zone)
    with database.session() as session:
        tickets = (
            session.execute(
                sa.select(Ticket)
                .where(Ticket.filed_at >= start, Ticket.filed_at < end)
                .order_by(Ticket.year, Ticket.sequence)
            )
            .scalars()
            .all()
        )
        interactions = dict(
            session.execute(
                sa.select(Interaction.id, Interaction.kind).where(
                    Interaction.id.in_([t.interaction_id for t in tickets if t.interaction_id])
                )
            ).all()
        )
        deliveries = {ticket.id: delivery_of(session, ticket) for ticket in tickets}
    export = Export()
    missing = export.missing
    for ticket in tickets:
        kind = TicketType(ticket.type)
        tramite = TRAMITES.get(kind, ("", TYPE_NAMES[kind]))
        causal = CAUSALES.get(ticket.causal or "")
        answer_code, answer_name = RESPUESTAS.get(ticket.answer_type or "", ("", ""))
        answered_on = ticket.answered_at.astimezone(zone).date() if ticket.answered_at else None
        delivery = deliveries[ticket.id]
        reached_on = delivery.reached_at.astimezone(zone).date() if delivery.reached_at else None
        used = working_days_between(
            ticket.filed_on, reached_on or answered_on or today, saturday_works
        )
        # Answered in term is an answer that reached the citizen in term: by the network or
        # notified by another means. One the network never delivered is no answer.
        if reached_on is not None:
            on_time = "sí" if reached_on <= ticket.due_date else "no"
        elif answered_on is not None and not delivery.on_the_way:
            on_time = "respuesta sin entregar"
        elif ticket.status == TicketStatus.CLOSED:
            on_time = "cerrada sin respuesta"
        else:
            on_time = "vencida" if ticket.due_date < today else "en término"
        if not tramite[0]:
            missing["tramite"].append(ticket.radicado)
        if kind in NEEDS_CAUSAL and not causal:
            missing["causal"].append(ticket.radicado)
        if ticket.answer_text and not answer_code:
            missing["respuesta"].append(ticket.radicado)
        export.rows.append(
            (
                ticket.radicado,
                tramite[0],
                tramite[1],
                ticket.causal or "",
                causal.name if causal else "",
                causal.group if causal else "",
                channel_name(ticket.network, interactions.get(ticket.interaction_id)),
                ticket.filed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                ticket.filed_on.isoformat(),
                ticket.due_date.isoformat(),
                answered_on.isoformat() if answered_on else "",
                reached_on.isoformat() if reached_on else "",
                delivery.how,
                answer_code,
                answer_name,
                used,
                on_time,
                STATUS_NAMES[ticket.status],
            )
        )
    return export


def incomplete_lines(missing: dict[str, list[str]]) -> list[str]:
    """What the SUI needs that the file lacks, and how to complete it."""

    def listed(numbers: list[str]) -> str:
        shown = ", ".join(numbers[:10])
        return shown + (f" y {len(numbers) - 10} más" if len(numbers) > 10 else "")

    lines = []
    if missing["respuesta"]:
        numbers = missing["respuesta"]
        lines.append(
            f"{len(numbers)} PQR sin tipo de respuesta: {listed(numbers)}; regístrelo con "
            f"«conectados pqr answer {numbers[0]} --tipo-respuesta accede» (o el que "
            "corresponda: vea «conectados pqr answer --help») y exporte de nuevo."
        )
    if missing["causal"]:
        numbers = missing["causal"]
        lines.append(
            f"{len(numbers)} PQR sin causal: {listed(numbers)}; escriba el código en la columna "
            "causal_codigo antes de cargar el archivo (las causales: «conectados pqr causales»)."
        )
    if missing["tramite"]:
        numbers = missing["tramite"]
        lines.append(
            f"{len(numbers)} PQR sin código de trámite en el SUI (peticiones, consultas y "
            f"reportes de daño no tienen uno propio): {listed(numbers)}; clasifíquelas en la "
            "columna tipo_tramite_codigo antes de cargar el archivo, o no las cargue si no "
            "corresponden al reporte."
        )
    return lines
