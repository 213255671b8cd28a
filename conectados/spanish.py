"""Dates and numbers as the team and the citizens read them (es-CO): one list of month and day
names, one number format (1.234,5 and 33,3 %)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

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


def spanish_list(items: Iterable[Any]) -> str:
    """["a", "b", "c"] -> "a, b y c"; «e», not «y», before a word that starts with the sound
    i ("Facebook e Instagram", "hilos"), but not before «hie» ("agua y hielo")."""
    values = [str(item) for item in items if str(item).strip()]
    if len(values) <= 1:
        return "".join(values)
    last = values[-1].lower()
    sound_i = last.startswith(("i", "í")) or (last.startswith(("hi", "hí")) and last[2:3] != "e")
    return f"{', '.join(values[:-1])} {'e' if sound_i else 'y'} {values[-1]}"


def number(value: float | int | None, decimals: int = 0) -> str:
    """ "1.234,5": Colombian thousands point and decimal comma; "—" for no value."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "§").replace(".", ",").replace("§", ".")


def short_number(value: float, most: int = 2) -> str:
    """ "24" for 24.0, "1,5" for 1.5: only the decimals the value has (`most` at most)."""
    text = number(value, most)
    return text.rstrip("0").rstrip(",") if "," in text else text


def percent(value: float | None, decimals: int = 1) -> str:
    """A share from 0 to 1 as "33,3 %"; "—" for no value."""
    return "—" if value is None else f"{number(100 * value, decimals)} %"


SPREADSHEET_SEPARATOR = ";"
"""The list separator of a spreadsheet set to es-CO: Excel opens such a CSV in columns with a
double click (with "," everything lands in the first column, since "," is the decimal mark)."""


def spreadsheet_csv(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """A CSV the team opens in Excel or LibreOffice: UTF-8 with BOM (so accents show right),
    ";" between columns and decimal commas (0,3333), as a spreadsheet in Colombia expects."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=SPREADSHEET_SEPARATOR, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(_cell(value) for value in row)
    return buffer.getvalue()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A number with its decimal comma; a text a spreadsheet would run as a formula
    («=HYPERLINK(…)», «+1+1», «@SUMA», a name typed by a person) kept as text with a leading
    apostrophe, as OWASP advises for CSV injection."""
    if isinstance(value, float):
        return str(round(value, 4)).replace(".", ",")
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
