"""The control API's input, checked field by field: every mistake is one Spanish sentence.

The sandbox is a test tool, and a test that sends it nonsense must get a 400 that says what
is wrong, never a dropped connection, a 500, or a world left in an absurd state (a negative
fault count, a retry_after of NaN).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from channels.sandbox.world import parse_time

MAX_BODY_BYTES = 1024 * 1024
"""A control request's body; a citizen's text is at most MAX_TEXT characters."""
MAX_TEXT = 100_000
MAX_NAME = 200
MAX_POSTS = 1_000
MAX_FAULT_COUNT = 100_000
MAX_RETRY_AFTER = 86_400.0
MAX_DELAY = 120.0
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)
_MISSING = object()


class ControlError(ValueError):
    """A control request the sandbox refuses (the message is for the person, in Spanish)."""


def read_json(raw: bytes, action: str) -> Any:
    """The body as JSON (whatever its Content-Type says), or None when there is none."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except ControlError:
        raise
    except UnicodeDecodeError:
        raise ControlError(f"el cuerpo de /_sandbox/{action} no es texto UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ControlError(
            f"el cuerpo de /_sandbox/{action} no es JSON válido: falla en el carácter {exc.pos} "
            f"({exc.msg}); envíe un objeto JSON"
        ) from None
    except RecursionError:
        raise ControlError(f"el cuerpo de /_sandbox/{action} anida demasiados niveles") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ControlError(f"el cuerpo de /_sandbox/{action} no se puede leer: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ControlError(f"{name} no es un número que el simulador acepte; use un número finito")


class Fields:
    """A JSON object from the control API, read one checked field at a time."""

    def __init__(self, body: Any, where: str) -> None:
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise ControlError(f"{where} debe ser un objeto JSON ({{...}}), no {_json_type(body)}")
        self.body = body
        self.where = where

    def _get(self, name: str) -> Any:
        value = self.body.get(name)
        return _MISSING if value is None else value

    def _missing(self, name: str) -> ControlError:
        return ControlError(f"falta el campo «{name}» en {self.where}")

    def _wrong(self, name: str, wanted: str, value: Any) -> ControlError:
        shown = json.dumps(value, ensure_ascii=False)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return ControlError(f"«{name}» en {self.where} debe ser {wanted}, no {shown}")

    def text(
        self,
        name: str,
        default: str | object | None = _MISSING,
        *,
        longest: int = MAX_TEXT,
        blank: bool = True,
    ) -> Any:
        value = self._get(name)
        if value is _MISSING:
            if default is _MISSING:
                raise self._missing(name)
            return default
        if not isinstance(value, str):
            raise self._wrong(name, "un texto", value)
        if len(value) > longest:
            raise ControlError(
                f"«{name}» en {self.where} tiene {len(value)} caracteres; el máximo es {longest}"
            )
        if not blank and not value.strip():
            raise ControlError(f"«{name}» en {self.where} está vacío; escriba un valor")
        return value

    def choice(self, name: str, options: tuple[Any, ...], default: Any = _MISSING) -> Any:
        value = self._get(name)
        if value is _MISSING:
            if default is _MISSING:
                raise self._missing(name)
            return default
        # `True == 1` and `500.0 == 500` in Python: only the exact JSON type counts.
        if not any(type(value) is type(option) and value == option for option in options):
            listed = ", ".join(str(option) for option in options)
            raise self._wrong(name, f"uno de: {listed}", value)
        return value

    def integer(self, name: str, default: int, lowest: int, highest: int) -> int:
        value = self._get(name)
        if value is _MISSING:
            return default
        if type(value) is not int:
            raise self._wrong(name, f"un número entero entre {lowest} y {highest}", value)
        if not lowest <= value <= highest:
            raise self._wrong(name, f"un número entero entre {lowest} y {highest}", value)
        return value

    def number(self, name: str, default: float, lowest: float, highest: float) -> float:
        value = self._get(name)
        wanted = f"un número entre {lowest:g} y {highest:g}"
        if value is _MISSING:
            return default
        if type(value) not in (int, float) or not math.isfinite(value):
            raise self._wrong(name, wanted, value)
        if not lowest <= value <= highest:
            raise self._wrong(name, wanted, value)
        return float(value)

    def phone(self, name: str) -> str | None:
        """A phone number as text or a whole number: 1 to 15 digits once separators are gone."""
        value = self._get(name)
        if value is _MISSING:
            return None
        wanted = "un teléfono de 1 a 15 dígitos"
        if type(value) is int and value >= 0:
            value = str(value)
        if not isinstance(value, str) or len(value) > 40:
            raise self._wrong(name, wanted, value)
        digits = "".join(ch for ch in value if ch.isascii() and ch.isdigit())
        if not 1 <= len(digits) <= 15:
            raise self._wrong(name, wanted, value)
        return digits

    def flag(self, name: str) -> bool:
        value = self._get(name)
        if value is _MISSING:
            return False
        if not isinstance(value, bool):
            raise self._wrong(name, "true o false", value)
        return value

    def time(self, name: str) -> datetime | None:
        """A moment as ISO 8601 text or epoch seconds, between 1970 and 2100."""
        value = self._get(name)
        if value is _MISSING:
            return None
        wanted = "una fecha ISO 8601 o segundos desde 1970 (hasta el año 2100)"
        if type(value) not in (int, float, str) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise self._wrong(name, wanted, value)
        if isinstance(value, str) and len(value) > 40:
            raise self._wrong(name, wanted, value)
        try:
            moment = parse_time(value)
        except (ValueError, OverflowError, OSError):
            raise self._wrong(name, wanted, value) from None
        if moment is None or not datetime(1970, 1, 1, tzinfo=UTC) <= moment < LATEST_TIME:
            raise self._wrong(name, wanted, value)
        return moment

    def texts(self, name: str, default: list[str] | None = None, most: int = 10) -> Any:
        value = self._get(name)
        if value is _MISSING:
            return default
        if (
            not isinstance(value, list)
            or len(value) > most
            or not all(isinstance(entry, str) for entry in value)
        ):
            raise self._wrong(name, f"una lista de hasta {most} textos", value)
        return value

    def objects(self, name: str, most: int) -> list[Fields]:
        """A non-empty list of JSON objects, each read with its own Fields."""
        value = self._get(name)
        if value is _MISSING:
            raise self._missing(name)
        if not isinstance(value, list) or not value:
            raise self._wrong(name, "una lista de objetos no vacía", value)
        if len(value) > most:
            raise ControlError(
                f"«{name}» en {self.where} tiene {len(value)} elementos; el máximo es {most}"
            )
        return [Fields(entry, f"{name}[{index}]") for index, entry in enumerate(value)]


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "una lista"
    if isinstance(value, str):
        return "un texto"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "un número"
    return "otro valor"
