"""A calendar as the team wrote it: raw entries that remember their lines, the fields they may
have, and how a field name is read ("Campaña " is «campana»)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from channels.specs import publishing_networks
from conectados.userfiles import UserFileError
from content_calendar.problems import Problem

NETWORKS = publishing_networks()
LIST_FIELDS = ("redes", "medios")
FIELDS = ("id", "fecha", "redes", "texto", "medios", "campana", *(f"texto_{n}" for n in NETWORKS))
ALIASES = {"campaña": "campana", "red": "redes", "medio": "medios"}
SHOWN_NAMES = {"campana": "campaña"}
"""Fields whose documented name has a letter the canonical key folds away: «campaña» is the
key the guides write; «campana» (without ñ) is read as the same field."""
TOP_LEVEL = ("zona_horaria", "publicaciones")


@dataclass
class RawEntry:
    """One post as written: field -> text (or list of texts), and the line of each field."""

    line: int
    values: dict[str, str | list[str]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)
    """Warnings found while reading: (field, Spanish sentence)."""

    def line_of(self, name: str) -> int:
        return self.lines.get(name, self.line)

    @property
    def id(self) -> str | None:
        value = self.values.get("id")
        return value.strip() or None if isinstance(value, str) else None


@dataclass
class RawCalendar:
    path: Path
    entries: list[RawEntry] = field(default_factory=list)
    zone: str | None = None
    zone_line: int = 1
    problems: list[Problem] = field(default_factory=list)
    unreadable: UserFileError | None = None
    """Why the file itself could not be read (missing, a device, too big, not UTF-8)."""

    def problem(self, line: int, message: str, entry_id: str | None = None) -> None:
        self.problems.append(Problem(str(self.path), line, entry_id, message))


@functools.lru_cache(maxsize=256)
def canonical_field(name: str) -> str:
    """A column or key as the team may write it: 'Campaña ' -> 'campana'."""
    name = name.strip().lower()
    name = ALIASES.get(name, name)
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace(" ", "_")


def split_list(value: str, separators: str = ";|,") -> list[str]:
    """A cell that holds a list: 'facebook; x'. File names are split on ; and | only."""
    return [part.strip() for part in re.split(f"[{re.escape(separators)}]", value) if part.strip()]


def shown_field(name: str) -> str:
    """A field as the guides write it: 'campana' -> 'campaña'."""
    return SHOWN_NAMES.get(name, name)


def repeated(kind: str, key: str, first: str, second: str) -> str:
    """A field (kind "campo") or column ("columna") twice; «campaña» and «campana» in one post
    are one field written two ways, not two fields."""
    article, same = ("la", "la misma") if kind == "columna" else ("el", "el mismo")
    if first.lower() != second.lower():
        return f"«{first}» y «{second}» son {same} {kind}; deje solo «{shown_field(key)}»"
    return f"{article} {kind} «{second}» está repetid{'a' if kind == 'columna' else 'o'}"


def suggestion(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, FIELDS, n=1)
    return (
        f"; ¿quiso decir «{shown_field(close[0])}»?"
        if close
        else f"; las columnas válidas son: {', '.join(map(shown_field, FIELDS))}"
    )
