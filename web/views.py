"""Jinja2 filters of the web office: dates in the company's zone, numbers, states in Spanish."""

from __future__ import annotations

from datetime import date, datetime

from conectados.spanish import number, spanish_date, spanish_moment

_zone = None


def set_zone(zone) -> None:
    global _zone
    _zone = zone


def moment(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is not None and _zone is not None:
        value = value.astimezone(_zone)
    return spanish_moment(value)


def day(value: date | None) -> str:
    return "—" if value is None else spanish_date(value)


def short_moment(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is not None and _zone is not None:
        value = value.astimezone(_zone)
    return value.strftime("%Y-%m-%d %H:%M")


FILTERS = {
    "momento": moment,
    "fecha": day,
    "momento_corto": short_moment,
    "numero": number,
}
