"""The words a report uses for its figures, the same in the terminal, the page and the CSVs."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from channels.specs import display_name, spec
from conectados.spanish import MONTHS, number, spanish_date, spanish_list, spanish_moment
from reports.report import (
    Report,
)
from responders.terms import TicketType
from responders.tickets import TYPE_NAMES


def network_title(name: str) -> str:
    """A network's name as the team reads it; "total" is the row that adds them up."""
    return "Total" if name == "total" else display_name(name)


HEADLINE_NAMES = {
    "publicaciones": "Publicaciones hechas",
    "publicaciones_fallidas": "Publicaciones fallidas",
    "publicaciones_tarde": "Publicaciones con retraso",
    "alcance": "Alcance (suma por publicación)",
    "visualizaciones": "Visualizaciones",
    "interacciones": "Interacciones con publicaciones",
    "tasa_interaccion": "Tasa de interacción (proporción)",
    "solicitudes": "Solicitudes de ciudadanos",
    "solicitudes_por_dia": "Solicitudes por día",
    "respuestas_automaticas": "Respondidas automáticamente (proporción)",
    "minutos_primera_respuesta_mediana": "Primera respuesta: la mitad, en estos minutos o menos",
    "minutos_primera_respuesta_p90": "Primera respuesta: 9 de cada 10, en estos minutos o menos",
    "respuestas_pendientes_al_cierre": "Respuestas pendientes al cierre",
    "pqr_radicadas": "PQR radicadas",
    "pqr_respondidas_o_vencidas": "PQR respondidas en el periodo o cuyo plazo venció en él",
    "pqr_respondidas_en_termino": "De ellas, PQR respondidas a tiempo",
    "pqr_en_termino": "PQR respondidas en término (proporción)",
    "pqr_vencidas_sin_respuesta": "PQR vencidas sin respuesta al cierre",
    "pqr_respondidas_tarde": "PQR respondidas fuera de término en el periodo",
    "pqr_vencidas": "PQR vencidas sin respuesta o respondidas fuera de término",
}
"""The headline figures as the summary table (resumen.csv) names them next to their keys."""


def minutes(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1:
        return "menos de 1 min"
    if value < 10:
        return f"{number(value, 1)} min"
    if value < 120:
        return f"{number(value, 0)} min"
    return f"{number(value / 60, 1)} h"


def within(value: float | None) -> str:
    """A time as "at most": "1,5 min o menos", "menos de 1 min"."""
    if value is None or value < 1:
        return minutes(value)
    return f"{minutes(value)} o menos"


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as a person reads it, in the company's zone: "5 de diciembre de 2026, 10:24 a. m."."""
    local = moment.astimezone(zone)
    return f"{spanish_date(local.date())}, {spanish_moment(local).partition(', ')[2]}"


def day_or_moment(text: str, zone: ZoneInfo) -> str:
    """ "2026-11-10" or "2026-11-10 08:00" (already in the company's zone) in words."""
    if not text:
        return ""
    if len(text) == len("2026-11-10"):
        return spanish_date(date.fromisoformat(text))
    return when(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone), zone)


def short_day(day: date) -> str:
    """ "2 nov": a day on a chart's axis."""
    return f"{day.day} {MONTHS[day.month - 1][:3]}"


def sentence(text: str) -> str:
    """A sentence ends with one period ("… 10:24 a. m." already has it)."""
    return text if text.endswith(".") else text + "."


def reach_note(report: Report) -> str:
    """ "X no informa el alcance" (and what the total then adds up), or nothing."""
    missing = [network_title(name) for name in report.without_reach]
    if not missing:
        return ""
    others = [
        network_title(name)
        for name, figures in report.networks.items()
        if name not in report.without_reach and figures.active
    ]
    note = f"{' ni '.join(missing)} no informa{'n' if len(missing) > 1 else ''} el alcance"
    return note + (f"; la suma es solo de {spanish_list(others)}" if others else "")


def saves_note(report: Report) -> str:
    """Why a network's «guardados» read «—»: "Facebook y X no informan cuántas veces se
    guardó una publicación" (their APIs have no such figure) or "Instagram aún no informó…"
    (it does, but no sample of the period's posts brought it yet); or nothing."""
    never = [name for name in report.without_saves if not spec(name).reports_saves]
    not_yet = [name for name in report.without_saves if spec(name).reports_saves]
    parts = []
    if never:
        verb = "informan" if len(never) > 1 else "informa"
        parts.append(
            f"{spanish_list(map(network_title, never))} no {verb} cuántas veces se guardó una "
            "publicación"
        )
    if not_yet:
        verb = "informaron" if len(not_yet) > 1 else "informó"
        parts.append(
            f"{spanish_list(map(network_title, not_yet))} aún no {verb} los guardados de las "
            "publicaciones del periodo"
        )
    return "; ".join(parts) + " (se desconoce, no es cero)" if parts else ""


def term_note(report: Report) -> str:
    """What «PQR respondidas en término» counts, with this period's numbers."""
    if not report.tickets_settled:
        return "ninguna PQR se respondió ni venció en el periodo"
    return (
        f"{number(report.tickets_in_term)} de {number(report.tickets_settled)} PQR respondidas "
        "en el periodo o cuyo plazo venció en él se respondieron a tiempo"
    )


def change(
    current: float | int | None, before: float | int | None, as_percent: bool = False
) -> str:
    if current is None or before is None:
        return ""
    if as_percent:
        delta = 100 * (current - before)
        return f"{'+' if delta >= 0 else '−'}{number(abs(delta), 1)} puntos"
    if before == 0:
        return "nuevo" if current else ""
    delta = (current - before) / before
    return f"{'+' if delta >= 0 else '−'}{number(abs(100 * delta), 0)} %"


DECISION_TITLES = {
    "aprobadas": "respuestas aprobadas",
    "rechazadas": "respuestas rechazadas",
    "radicadas": "PQR radicadas a mano",
    "respondidas": "PQR respondidas",
    "cerradas": "PQR cerradas",
}


def type_name(kind: str) -> str:
    try:
        return TYPE_NAMES[TicketType(kind)]
    except ValueError:
        return kind
