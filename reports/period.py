"""What a report covers: a calendar month, or any run of days, in the company's zone, and
the networks; chosen here for `conectados report` and the web office alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from conectados.dates import parse_month
from conectados.errors import BadInput
from conectados.spanish import MONTHS

if TYPE_CHECKING:
    from conectados.settings import Settings

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
"""The days a report may cover: its previous period of the same length must fit too."""
MAX_DAYS = 5 * 366
"""The longest period a report covers (five years): its charts have one bar per day."""
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class Period:
    start: date
    end: date
    """The first day after the period."""
    zone: ZoneInfo

    @property
    def first(self) -> datetime:
        return datetime.combine(self.start, time(), self.zone)

    @property
    def last(self) -> datetime:
        return datetime.combine(self.end, time(), self.zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same length just before (the previous calendar month for a month)."""
        if self.start.day == 1 and self.end == _next_month(self.start):
            before = (self.start - timedelta(days=1)).replace(day=1)
            return Period(before, self.start, self.zone)
        return Period(self.start - (self.end - self.start), self.start, self.zone)

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == _next_month(self.start)

    @property
    def label(self) -> str:
        """ "noviembre de 2026", or "16 al 30 de noviembre de 2026" for another period."""
        if self.is_month:
            return f"{MONTHS[self.start.month - 1]} de {self.start.year}"
        last = self.end - timedelta(days=1)
        first = f"{self.start.day} de {MONTHS[self.start.month - 1]}"
        if self.start.year != last.year:
            first += f" de {self.start.year}"
        return f"{first} al {last.day} de {MONTHS[last.month - 1]} de {last.year}"


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month(text: str, zone: ZoneInfo) -> Period:
    first = datetime.strptime(text, "%Y-%m").date()
    return Period(first, _next_month(first), zone)


def last_month(today: date, zone: ZoneInfo) -> Period:
    """The month that just ended (the report is made at the start of the next one): what a
    report covers when nobody says."""
    last = today.replace(day=1) - timedelta(days=1)
    return month(f"{last:%Y-%m}", zone)


def named_month(text: str, zone: ZoneInfo, option: str = "--mes") -> Period:
    """The month written exactly AAAA-MM; BadInput about `option` otherwise."""
    return month(f"{parse_month(text, option):%Y-%m}", zone)


def chosen_period(
    today: date, zone: ZoneInfo, mes: str | None, desde: str | None, hasta: str | None
) -> Period:
    """The period `conectados report --mes/--desde/--hasta` asks for (`today` in `zone`)."""
    if mes is not None and (desde is not None or hasta is not None):
        raise BadInput("use --mes o --desde/--hasta, no ambos", "opciones")
    if mes is not None:
        return named_month(mes, zone)
    if desde is not None or hasta is not None:
        if desde is None or hasta is None:
            raise BadInput("escriba --desde y --hasta (AAAA-MM-DD)", "opciones")
        start = _day(desde, "--desde")
        end = _day(hasta, "--hasta")
        if end < start:
            raise BadInput("debe ser igual o posterior a --desde", "opción --hasta")
        if (end - start).days + 1 > MAX_DAYS:
            raise BadInput(
                "el periodo es demasiado largo: un informe cubre como máximo cinco años; "
                "acorte el periodo entre --desde y --hasta",
                "opciones --desde/--hasta",
            )
        return Period(start, end + timedelta(days=1), zone)
    return last_month(today, zone)


def _day(text: str, option: str) -> date:
    """A day written AAAA-MM-DD, within the days a report may cover."""
    try:
        if not _DAY.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"«{text[:40]}» no es una fecha; escriba AAAA-MM-DD, por ejemplo 2026-11-30",
            f"opción {option}",
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadInput(
            f"el informe cubre días entre {FIRST_DAY:%Y-%m-%d} y {LAST_DAY:%Y-%m-%d}; "
            f"«{text}» queda fuera",
            f"opción {option}",
        )
    return day


def report_networks(settings: Settings) -> tuple[str, ...]:
    """The networks a report covers: the channels that are turned on."""
    return tuple(name for name, config in settings.channels.by_name().items() if config.enabled)
