"""Dates as the team and the citizens read them (es-CO): one list of month and day names."""

from __future__ import annotations

from datetime import date, datetime

MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


def spanish_moment(moment: datetime) -> str:
    """ "lunes 30 de noviembre, 8:00 a. m." (the moment in the company's zone)."""
    hour = moment.hour % 12 or 12
    suffix = (
        "a. m."
        if moment.hour < 12
        else ("m." if moment.hour == 12 and not moment.minute else "p. m.")
    )
    return (
        f"{WEEKDAYS[moment.weekday()]} {moment.day} de {MONTHS[moment.month - 1]}, "
        f"{hour}:{moment.minute:02d} {suffix}"
    )


def spanish_date(day: date) -> str:
    """ "18 de diciembre de 2026"."""
    return f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"
