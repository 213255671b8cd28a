"""Legal terms of a PQR: when it counts as filed and the day it must be answered by.

- Ley 142 de 1994, art. 158: peticiones, quejas, reclamos and recursos of public-utility users
  are answered within 15 días hábiles from their filing (otherwise silencio administrativo
  positivo).
- Ley 1755 de 2015, art. 14: 10 días for requests of information or documents, 30 for
  consultas.
- Días hábiles exclude Sundays, Colombian public holidays (the `holidays` package: Holy Week,
  Christmas, the Mondays of Ley 51 de 1983 "Ley Emiliani"...) and, unless the company works
  them (`[pqr] sabado_habil`), Saturdays.
- A request filed on a non-working day counts as filed on the next working day; the term
  starts the day after the (effective) filing day.
- A damage report (reporte_dano) is not a legal petition: it has an operational target in
  hours (`[pqr] horas_reporte_dano`), counted on the clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays


class TicketType(enum.StrEnum):
    """Tipo de trámite (Spanish values: the team types and reads them as they are)."""

    PETICION = "peticion"
    QUEJA = "queja"
    RECLAMO = "reclamo"
    RECURSO = "recurso"
    SOLICITUD_INFORMACION = "solicitud_informacion"
    CONSULTA = "consulta"
    REPORTE_DANO = "reporte_dano"


WORKING_DAYS = {
    TicketType.PETICION: 15,
    TicketType.QUEJA: 15,
    TicketType.RECLAMO: 15,
    TicketType.RECURSO: 15,
    TicketType.SOLICITUD_INFORMACION: 10,
    TicketType.CONSULTA: 30,
}
LEGAL_BASIS = {
    TicketType.PETICION: "Ley 142 de 1994, art. 158",
    TicketType.QUEJA: "Ley 142 de 1994, art. 158",
    TicketType.RECLAMO: "Ley 142 de 1994, art. 158",
    TicketType.RECURSO: "Ley 142 de 1994, arts. 154 y 158",
    TicketType.SOLICITUD_INFORMACION: "Ley 1755 de 2015, art. 14",
    TicketType.CONSULTA: "Ley 1755 de 2015, art. 14",
    TicketType.REPORTE_DANO: "meta operativa de la empresa ([pqr] horas_reporte_dano)",
}


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("CO", years=[year]).keys())


def is_holiday(day: date) -> bool:
    return day in _holidays(day.year)


def is_working_day(day: date, saturday_works: bool = False) -> bool:
    weekday = day.weekday()
    if weekday == 6 or (weekday == 5 and not saturday_works):
        return False
    return not is_holiday(day)


def next_working_day(day: date, saturday_works: bool = False) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, saturday_works):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, count: int, saturday_works: bool = False) -> date:
    """The `count`-th working day after `start` (not counting `start`)."""
    day = start
    left = count
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, saturday_works):
            left -= 1
    return day


@dataclass(frozen=True)
class Term:
    """When a request counts as filed and when it is due."""

    filed_on: date
    """The effective filing day (the next working day when filed on a non-working one)."""
    due_on: date
    working_days: int | None
    """None for damage reports, whose target is in hours."""
    due_at: datetime | None = None
    """Damage reports: the moment the operational target runs out."""
    basis: str = ""


def term_for(
    filed_at: datetime | date,
    kind: TicketType,
    saturday_works: bool = False,
    damage_hours: float = 24,
) -> Term:
    """The term of a request of `kind` filed at `filed_at` (in the company's time zone)."""
    day = filed_at.date() if isinstance(filed_at, datetime) else filed_at
    if kind == TicketType.REPORTE_DANO:
        moment = (
            filed_at
            if isinstance(filed_at, datetime)
            else datetime.combine(day, datetime.min.time())
        )
        due_at = moment + timedelta(hours=damage_hours)
        return Term(day, due_at.date(), None, due_at, LEGAL_BASIS[kind])
    filed_on = next_working_day(day, saturday_works)
    days = WORKING_DAYS[kind]
    return Term(
        filed_on, add_working_days(filed_on, days, saturday_works), days, None, LEGAL_BASIS[kind]
    )


def working_days_between(start: date, end: date, saturday_works: bool = False) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, saturday_works):
            count += 1
    return count
