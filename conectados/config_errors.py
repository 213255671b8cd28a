"""Turn pydantic validation errors into Spanish sentences naming file, line and key."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from conectados.errors import ConfigError

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_MULTILINE_QUOTES = ('"""', "'''")


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))


def toml_line_index(text: str) -> dict[tuple[str, ...], int]:
    """Map each table and key path of a TOML text to the line where it is written."""
    index: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if open_quote:
            if line.count(open_quote) % 2 == 1:
                open_quote = None
            continue
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            index.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            index.setdefault(table + _split_key(key.group(1)), number)
            rest = line[key.end() :]
            for quote in _MULTILINE_QUOTES:
                if rest.count(quote) % 2 == 1:
                    open_quote = quote
    return index


def _line_of(lines: Mapping[tuple[str, ...], int], keys: tuple[str, ...]) -> int | None:
    while keys:
        if keys in lines:
            return lines[keys]
        keys = keys[:-1]
    return None


def _model_at(model: type[BaseModel], keys: tuple[str, ...]) -> type[BaseModel] | None:
    """The settings section that `keys` (Spanish aliases) points into."""
    for key in keys:
        fields = {field.alias or name: field for name, field in model.model_fields.items()}
        annotation = fields[key].annotation if key in fields else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


_TYPE_NAMES = {
    "bool": "true o false (sin comillas)",
    "int": "un número entero",
    "float": "un número",
    "string": "un texto entre comillas",
    "list": 'una lista, por ejemplo ["uno", "dos"]',
    "dict": "una tabla, por ejemplo [seccion] con claves debajo",
    "model": "una tabla, por ejemplo [seccion] con claves debajo",
}


def _problem(error: Mapping[str, Any], model: type[BaseModel], keys: tuple[str, ...]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        section = _model_at(model, keys[:-1])
        valid = (
            sorted(field.alias or name for name, field in section.model_fields.items())
            if section
            else []
        )
        close = difflib.get_close_matches(keys[-1], valid, n=1)
        hint = f"¿quiso decir «{close[0]}»? " if close else ""
        return f"clave desconocida; {hint}las claves válidas aquí son: {', '.join(valid)}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"]))
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        limits = {
            "ge": "mayor o igual a",
            "le": "menor o igual a",
            "gt": "mayor que",
            "lt": "menor que",
        }
        bounds = [f"{words} {ctx[key]}" for key, words in limits.items() if key in ctx]
        return f"debe ser un número {' y '.join(bounds)}"
    if kind == "enum" or kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", " o ")
        return f"valor no admitido; use uno de: {expected}"
    for prefix, expected in _TYPE_NAMES.items():
        if kind.startswith(prefix):
            return f"debe ser {expected}"
    return "valor no válido"


def describe_validation_error(
    error: Mapping[str, Any],
    model: type[BaseModel],
    path: Path,
    lines: Mapping[tuple[str, ...], int],
    overrides: Mapping[tuple[str, ...], tuple[Any, str]],
) -> ConfigError:
    """One Spanish ConfigError for one pydantic error, located in the file or the variable."""
    keys = tuple(str(part) for part in error["loc"] if not isinstance(part, int))
    field = "".join(
        f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
    ).lstrip(".")
    problem = _problem(error, model, keys)
    for prefix_length in range(len(keys), 0, -1):
        if keys[:prefix_length] in overrides:
            variable = overrides[keys[:prefix_length]][1]
            return ConfigError(problem, f"variable de entorno {variable}", field)
    line = _line_of(lines, keys)
    location = f"{path}:{line}" if line else str(path)
    return ConfigError(problem, location, field)
