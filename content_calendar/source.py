"""Reading calendar files (YAML or CSV) into raw entries that remember their line numbers.

Nothing here judges the content: every value stays the text the team wrote, so the
checks can say exactly what is wrong and where.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from conectados.spanish import number
from conectados.userfiles import MB, UserFileError, decode_utf8, read_user_bytes
from content_calendar.raw import (
    FIELDS,
    LIST_FIELDS,
    NETWORKS,
    RawCalendar,
    RawEntry,
    canonical_field,
    repeated,
    shown_field,
    split_list,
    suggestion,
)
from content_calendar.source_yaml import read_yaml

# The check and the commands read a calendar with these names alone.
__all__ = [
    "FIELDS",
    "NETWORKS",
    "RawCalendar",
    "RawEntry",
    "read_calendar",
    "read_calendar_data",
    "shown_field",
    "split_list",
]

MAX_CALENDAR_BYTES = 8 * MB
"""A 10,000-entry calendar is about 2.5 MB (years of posts, checked in about a second); a
larger file is the wrong file, and checking it would keep the person waiting for minutes."""

MAX_ENTRIES = 3000
"""A year of posts at eight a day; a real month has dozens. Past this the file is the wrong
file (an export of something else): checking and importing it would work, but every list,
preview and report after it would keep the team waiting."""

SUFFIXES = (".yaml", ".yml", ".csv")
"""The names a calendar file may have: the suffix says how to read it."""
WRONG_SUFFIX = "el calendario debe ser un archivo .yaml, .yml o .csv"

csv.field_size_limit(MAX_CALENDAR_BYTES)  # Python's default (128 KB) is below a file's limit


def read_calendar(path: Path) -> RawCalendar:
    """Read a .yaml/.yml or .csv calendar; what cannot be read becomes a Problem."""
    try:
        data = read_user_bytes(path, MAX_CALENDAR_BYTES, "un calendario")
    except UserFileError as error:
        return _unreadable(RawCalendar(path), error)
    return read_calendar_data(data, path)


def read_calendar_data(data: bytes, name: Path) -> RawCalendar:
    """A calendar's bytes already in hand (a file uploaded to the web office), known as `name`:
    its suffix says the format, and every problem names it. The same rules as a file on disk:
    UTF-8 only, no NUL byte, the same formats and the same number of entries."""
    calendar = RawCalendar(name)
    try:
        text = decode_utf8(
            data,
            name,
            "en la hoja de cálculo use «Guardar como» y elija «CSV UTF-8» (o guarde el YAML "
            "con codificación UTF-8)",
        )
    except UserFileError as error:
        return _unreadable(calendar, error)
    suffix = name.suffix.lower()
    if suffix in (".yaml", ".yml"):
        read_yaml(text, calendar)
    elif suffix == ".csv":
        _read_csv(text, calendar)
    else:
        calendar.problem(1, WRONG_SUFFIX)
    if len(calendar.entries) > MAX_ENTRIES:
        extra = calendar.entries[MAX_ENTRIES]
        calendar.problem(
            extra.line,
            f"el calendario tiene {number(len(calendar.entries))} publicaciones y un archivo "
            f"admite hasta {number(MAX_ENTRIES)}; divídalo en un archivo por mes",
        )
        del calendar.entries[MAX_ENTRIES:]
    return calendar


def _unreadable(calendar: RawCalendar, error: UserFileError) -> RawCalendar:
    calendar.problem(error.line or 1, error.problem)
    calendar.unreadable = error
    return calendar


# --- YAML ------------------------------------------------------------------------------


# --- CSV -------------------------------------------------------------------------------


def _read_csv(text: str, calendar: RawCalendar) -> None:
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            calendar.problem(
                1, "el archivo está vacío; la primera fila debe tener los nombres de las columnas"
            )
            return
        # Spreadsheets add empty columns at the right: they are not columns of the calendar.
        columns = [canonical_field(cell) if cell.strip() else "" for cell in header]
        for index, column in enumerate(columns):
            if column and column not in FIELDS:
                calendar.problem(
                    1, f"columna desconocida «{header[index].strip()}»{suggestion(column)}"
                )
            elif column and columns.index(column) != index:
                first = header[columns.index(column)].strip()
                calendar.problem(1, repeated("columna", column, first, header[index].strip()))
        previous_end = reader.line_num
        while True:
            start = previous_end + 1
            row = next(reader, None)
            if row is None:
                break
            previous_end = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            entry = RawEntry(start)
            if any(cell.strip() for cell in row[len(columns) :]):
                calendar.problem(
                    start,
                    f"la fila tiene {len(row)} celdas y el encabezado {len(columns)} columnas; revise el separador ({delimiter})",
                )
            for column, cell in zip(columns, row, strict=False):
                if column not in FIELDS or not cell.strip():
                    continue
                cell = cell.replace("\r\n", "\n").strip()
                value: str | list[str] = cell
                if column in LIST_FIELDS:
                    value = split_list(cell, ";|," if column == "redes" else ";|")
                entry.values[column] = value
                entry.lines[column] = start
            calendar.entries.append(entry)
    except csv.Error:
        calendar.problem(
            start,
            'una comilla («"») que se abre en esta fila no se cierra; revise las comillas de la fila',
        )
