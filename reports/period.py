"""The period a report covers: a calendar month, or any run of days, in the company's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conectados.spanish import MONTHS


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
