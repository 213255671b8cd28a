"""Reading calendar files (YAML or CSV) into raw entries that remember their line numbers.

Nothing here judges the content: every value stays the text the team wrote, so the
checks can say exactly what is wrong and where.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from channels.specs import publishing_networks
from conectados.spanish import number
from conectados.userfiles import MB, UserFileError, decode_utf8, read_user_bytes
from content_calendar.problems import Problem

NETWORKS = publishing_networks()
LIST_FIELDS = ("redes", "medios")
FIELDS = ("id", "fecha", "redes", "texto", "medios", "campana", *(f"texto_{n}" for n in NETWORKS))
ALIASES = {"campaña": "campana", "red": "redes", "medio": "medios"}
SHOWN_NAMES = {"campana": "campaña"}
"""Fields whose documented name has a letter the canonical key folds away: «campaña» is the
key the guides write; «campana» (without ñ) is read as the same field."""
TOP_LEVEL = ("zona_horaria", "publicaciones")
MAX_CALENDAR_BYTES = 8 * MB
"""A 10,000-entry calendar is about 2.5 MB (years of posts, checked in about a second); a
larger file is the wrong file, and checking it would keep the person waiting for minutes."""

MAX_ENTRIES = 3000
"""A year of posts at eight a day; a real month has dozens. Past this the file is the wrong
file (an export of something else): checking and importing it would work, but every list,
preview and report after it would keep the team waiting."""

csv.field_size_limit(MAX_CALENDAR_BYTES)  # Python's default (128 KB) is below a file's limit

_Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # libyaml when the wheel has it


class _Scalar:
    __slots__ = ("line", "plain", "value")

    def __init__(self, value: str, line: int, plain: bool = True) -> None:
        self.value, self.line, self.plain = value, line, plain


class _Sequence:
    __slots__ = ("line", "value")

    def __init__(self, line: int) -> None:
        self.value: list[_Node] = []
        self.line = line


class _Mapping:
    __slots__ = ("line", "value")

    def __init__(self, line: int) -> None:
        self.value: list[tuple[_Node, _Node]] = []
        self.line = line


_Node = _Scalar | _Sequence | _Mapping


class _Unsupported(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


# PyYAML's explanations, said in Spanish with what to do about them.
_YAML_HINTS = (
    (
        "mapping values are not allowed",
        "hay dos puntos «:» dentro de un valor; ponga ese texto entre comillas",
    ),
    ("found character '\\t'", "hay un tabulador; use espacios para la sangría"),
    (
        "cannot start any token",
        "un valor empieza con un carácter reservado (@, `, %); ponga ese texto entre comillas",
    ),
    ("could not find expected ':'", "falta «:» después de un campo, o hay una comilla sin cerrar"),
    ("found unexpected end of stream", "hay una comilla o un corchete sin cerrar"),
    ("expected <block end>", "la sangría no coincide con la de las líneas de arriba"),
    ("did not find expected key", "la sangría no coincide con la de las líneas de arriba"),
    (
        "did not find expected '-' indicator",
        "la sangría de la lista no coincide; cada publicación empieza con «- id:»",
    ),
    ("found duplicate anchor", "hay un ancla (&) repetida; no use anclas"),
    (
        "exceeded maximum nesting depth",
        "hay demasiadas listas o campos unos dentro de otros; un calendario tiene dos niveles",
    ),
)


def _yaml_reason(exc: yaml.YAMLError) -> str:
    problem = str(getattr(exc, "problem", "") or "")
    for english, spanish in _YAML_HINTS:
        if english in problem:
            return spanish
    return "revise la sangría, los dos puntos y las comillas"


def _compose(text: str) -> _Node | None:
    """The document as light nodes that keep their line, straight from the parser's events.

    PyYAML's own composer resolves a tag per node and builds heavier objects; for a
    10,000-entry calendar this is three times faster. Every scalar stays text.
    """
    root: _Node | None = None
    stack: list[_Sequence | _Mapping] = []
    keys: list[_Node | None] = []  # per open mapping: its key waiting for a value
    scalar, seq_start, map_start = yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent
    seq_end, map_end = yaml.SequenceEndEvent, yaml.MappingEndEvent
    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if kind is scalar:
            node: _Node = _Scalar(event.value, event.start_mark.line + 1, not event.style)
        elif kind is seq_start:
            node = _Sequence(event.start_mark.line + 1)
        elif kind is map_start:
            node = _Mapping(event.start_mark.line + 1)
        elif kind is seq_end or kind is map_end:
            stack.pop()
            keys.pop()
            continue
        elif kind is yaml.AliasEvent:
            raise _Unsupported(
                event.start_mark.line + 1,
                "los alias de YAML (*nombre) no se usan en un calendario; escriba el valor completo",
            )
        elif kind is yaml.DocumentStartEvent and root is not None:
            raise _Unsupported(
                event.start_mark.line + 1,
                "el archivo tiene más de un documento (una línea «---»); deje un solo calendario por archivo",
            )
        else:
            continue
        if not stack:
            root = node
        elif type(stack[-1]) is _Sequence:
            stack[-1].value.append(node)
        elif keys[-1] is None:
            keys[-1] = node
        else:
            stack[-1].value.append((keys[-1], node))
            keys[-1] = None
        if kind is not scalar:
            stack.append(node)  # type: ignore[arg-type]
            keys.append(None)
    return root


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


def read_calendar(path: Path) -> RawCalendar:
    """Read a .yaml/.yml or .csv calendar; what cannot be read becomes a Problem."""
    calendar = RawCalendar(path)
    try:
        text = decode_utf8(
            read_user_bytes(path, MAX_CALENDAR_BYTES, "un calendario"),
            path,
            "en la hoja de cálculo use «Guardar como» y elija «CSV UTF-8» (o guarde el YAML "
            "con codificación UTF-8)",
        )
    except UserFileError as error:
        calendar.problem(error.line or 1, error.problem)
        calendar.unreadable = error
        return calendar
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        _read_yaml(text, calendar)
    elif suffix == ".csv":
        _read_csv(text, calendar)
    else:
        calendar.problem(1, "el calendario debe ser un archivo .yaml, .yml o .csv")
    if len(calendar.entries) > MAX_ENTRIES:
        extra = calendar.entries[MAX_ENTRIES]
        calendar.problem(
            extra.line,
            f"el calendario tiene {number(len(calendar.entries))} publicaciones y un archivo "
            f"admite hasta {number(MAX_ENTRIES)}; divídalo en un archivo por mes",
        )
        del calendar.entries[MAX_ENTRIES:]
    return calendar


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


# --- YAML ------------------------------------------------------------------------------


def _read_yaml(text: str, calendar: RawCalendar) -> None:
    lines = text.splitlines()
    try:
        root = _compose(text)
    except _Unsupported as exc:
        calendar.problem(exc.line, exc.message)
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        calendar.problem(
            line, f"el archivo no es YAML válido cerca de esta línea: {_yaml_reason(exc)}"
        )
        return
    if root is None:
        calendar.problem(1, "el archivo está vacío; escriba la lista «publicaciones:»")
        return
    if not isinstance(root, _Mapping):
        calendar.problem(
            _line(root), "el archivo debe empezar con «publicaciones:» y debajo la lista"
        )
        return
    posts_node = None
    seen: set[str] = set()
    for key_node, value_node in root.value:
        key = key_node.value if isinstance(key_node, _Scalar) else ""
        if key in seen:
            calendar.problem(
                _line(key_node), f"«{key}» aparece dos veces; deje una sola lista de publicaciones"
            )
            continue
        seen.add(key)
        if key == "zona_horaria" and not isinstance(value_node, _Scalar):
            calendar.problem(
                _line(value_node), "zona_horaria debe ser un nombre, por ejemplo America/Bogota"
            )
        elif key == "zona_horaria":
            calendar.zone, calendar.zone_line = value_node.value.strip(), _line(value_node)
        elif key == "publicaciones":
            posts_node = value_node
        else:
            calendar.problem(
                _line(key_node),
                f"clave desconocida «{key}»; en el primer nivel solo van zona_horaria y "
                "publicaciones",
            )
    if posts_node is None:
        calendar.problem(1, "falta la lista «publicaciones:»")
        return
    if isinstance(posts_node, _Scalar) and not posts_node.value:
        return  # an empty calendar
    if not isinstance(posts_node, _Sequence):
        calendar.problem(
            _line(posts_node),
            "«publicaciones» debe ser una lista: cada publicación empieza con «- id:»",
        )
        return
    for item in posts_node.value:
        entry = RawEntry(_line(item))
        if not isinstance(item, _Mapping):
            calendar.problem(
                entry.line, "cada publicación debe tener la forma «- id: ...» con sus campos debajo"
            )
            continue
        spelled: dict[str, str] = {}
        for key_node, value_node in item.value:
            key = canonical_field(str(key_node.value)) if isinstance(key_node, _Scalar) else "?"
            if key in entry.values:
                calendar.problem(
                    _line(key_node),
                    _repeated("campo", key, spelled[key], str(key_node.value).strip())
                    + f" (ya está en la línea {entry.lines[key]})",
                    entry.id,
                )
                continue
            spelled[key] = str(key_node.value).strip()
            value = _value(value_node)
            if value is None:
                calendar.problem(
                    _line(value_node),
                    f"el campo «{key}» debe ser un texto o una lista de textos",
                    entry.id,
                )
                continue
            entry.values[key] = value
            entry.lines[key] = _line(key_node)
            if key.startswith("texto") and isinstance(value_node, _Scalar) and value_node.plain:
                line_text = lines[value_node.line - 1] if value_node.line <= len(lines) else ""
                if " #" in line_text[line_text.find(":") + 1 :]:
                    entry.notes.append(
                        (
                            key,
                            "lo que sigue a « #» se toma como un comentario y no se publica; si es un hashtag, ponga el texto entre comillas",
                        )
                    )
        calendar.entries.append(entry)


def _line(node: _Node) -> int:
    return node.line


def _value(node: _Node) -> str | list[str] | None:
    if isinstance(node, _Scalar):
        return node.value.strip()
    if isinstance(node, _Sequence) and all(isinstance(n, _Scalar) for n in node.value):
        return [n.value.strip() for n in node.value]
    return None


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
                    1, f"columna desconocida «{header[index].strip()}»{_suggestion(column)}"
                )
            elif column and columns.index(column) != index:
                first = header[columns.index(column)].strip()
                calendar.problem(1, _repeated("columna", column, first, header[index].strip()))
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


def shown_field(name: str) -> str:
    """A field as the guides write it: 'campana' -> 'campaña'."""
    return SHOWN_NAMES.get(name, name)


def _repeated(kind: str, key: str, first: str, second: str) -> str:
    """A field (kind "campo") or column ("columna") twice; «campaña» and «campana» in one post
    are one field written two ways, not two fields."""
    article, same = ("la", "la misma") if kind == "columna" else ("el", "el mismo")
    if first.lower() != second.lower():
        return f"«{first}» y «{second}» son {same} {kind}; deje solo «{shown_field(key)}»"
    return f"{article} {kind} «{second}» está repetid{'a' if kind == 'columna' else 'o'}"


def _suggestion(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, FIELDS, n=1)
    return (
        f"; ¿quiso decir «{shown_field(close[0])}»?"
        if close
        else f"; las columnas válidas son: {', '.join(map(shown_field, FIELDS))}"
    )
