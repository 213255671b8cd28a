"""One log format, to stderr (the journal under systemd) and optionally a file, in the
company's time zone, with every secret value redacted before it is written."""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from conectados.privacy import mask

REDACTED = "***"

# Shapes that carry credentials even when we never registered the value: query
# parameters and headers used by the Graph API and X, and passwords in database URLs.
# A name that contains one of these words, read once from where it starts (linear in the line).
_SECRET_WORDS = re.compile(r"(?i)token|secret|key|password|passwd|signature|proof")
_SECRET_NAME = r"(?=[\w-]{0,100}?(?:token|secret|key|password|passwd|signature|proof))[\w-]{1,100}+"
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], Any], ...] = (
    # name=value in URLs, forms and OAuth headers; "name": "value" in JSON and dict reprs.
    (
        # Every name=value read once; the name checked afterwards, however long it is.
        re.compile(r"(?<![\w-])([\w-]++)(=\"?)([^&\s\"',;}]+)"),
        lambda found: (
            f"{found[1]}{found[2]}{REDACTED}" if _SECRET_WORDS.search(found[1]) else found[0]
        ),
    ),
    (
        re.compile(rf"(?i)([\"']{_SECRET_NAME}[\"']\s*:\s*[\"'])[^\"']+"),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(r"(?i)\b(authorization[\"']?\s*[:=]\s*[\"']?)(bearer|oauth|basic)\s+[^\"']+"),
        rf"\1\2 {REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{12,}"), rf"\1 {REDACTED}"),
    (re.compile(r"(?<!\w)(\w{1,30}+://[^:/@\s]{1,255}+):([^@\s]{1,255}+)@"), rf"\1:{REDACTED}@"),
)

# Values shorter than this are not registered: redacting "1" or "si" everywhere would
# make logs unreadable, and no real token is that short.
_MIN_SECRET_LENGTH = 6


class Redactor:
    """Replaces registered secret values and credential-shaped substrings with ***."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def register(self, value: str | None) -> None:
        """Remember a secret value so it never reaches a log line."""
        if not value or len(value) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            if value in self._values:
                return
            self._values.add(value)
            # Longest first so a secret that contains another is replaced whole.
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def redact(self, text: str) -> str:
        """Return `text` with every known secret and credential shape replaced."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        for shape, replacement in _SECRET_PATTERNS:
            text = shape.sub(replacement, text)
        return mask(text)  # citizens' personal data never reaches a log either (Ley 1581)


redactor = Redactor()
"""The process-wide redactor: settings register every secret they read into it."""


DEFAULT_ZONE = "America/Bogota"
"""The zone log lines use until the settings say the company's (the settings' default too)."""


class RedactingFormatter(logging.Formatter):
    """Formats a record, traceback included, and then redacts the whole line.

    The time is the company's, with its offset (2026-03-10 10:00:00-05:00), whatever the
    server's own zone: the team reads log lines against the calendar's hours.
    """

    def __init__(
        self, fmt: str, datefmt: str | None, redactor: Redactor, zone: tzinfo | None = None
    ) -> None:
        super().__init__(fmt, datefmt)
        self.redactor = redactor
        self.zone = zone if zone is not None else ZoneInfo(DEFAULT_ZONE)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.zone).isoformat(" ", "seconds")

    def format(self, record: logging.LogRecord) -> str:
        shown = LEVEL_NAMES.get(record.levelname)
        if shown is not None:  # a copy: other handlers format the same record
            record = logging.makeLogRecord({**record.__dict__, "levelname": shown})
        return self.redactor.redact(super().format(record))


LEVEL_NAMES = {"WARNING": "AVISO", "CRITICAL": "GRAVE", "DEBUG": "DETALLE"}
"""Level names as the team reads them (INFO and ERROR read the same in Spanish)."""


LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_HANDLER_NAME = "conectados-stderr"
_FILE_HANDLER_NAME = "conectados-file"


def configure_logging(
    verbose: int = 0,
    stream=None,
    redactor: Redactor = redactor,
    quiet_loggers: Iterable[str] = (
        "urllib3",
        "requests_oauthlib",
        "oauthlib",
        "alembic",
        "apscheduler",
    ),
) -> logging.Handler:
    """Send every log record to stderr in one format; replace our handler if already set.

    verbose 0 shows warnings, 1 shows info, 2 or more shows debug (libraries included).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in (_HANDLER_NAME, _FILE_HANDLER_NAME):
            root.removeHandler(handler)
            handler.close()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT, None, redactor))
    root.addHandler(handler)
    logging.captureWarnings(True)  # warnings reach stderr through the redacting handler too
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    root.setLevel(level)
    for name in quiet_loggers:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    return handler


def use_log_settings(zone: tzinfo, file: Path | None = None) -> logging.Handler | None:
    """Once the settings are read: log in the company's zone, and also to `file` if set.

    The file is opened with WatchedFileHandler, which reopens it when logrotate moves it
    away: the service and the commands people run may all append to the same file, and
    only an outside rotator can rotate a file several processes write (RotatingFileHandler
    in each process would rename it under the others). Returns the file handler, if any.
    """
    root = logging.getLogger()
    stderr = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if stderr is None or not isinstance(stderr.formatter, RedactingFormatter):
        return None  # logging was not configured by us (a library embedding Conectados)
    stderr.formatter.zone = zone
    for handler in list(root.handlers):
        if handler.get_name() == _FILE_HANDLER_NAME:
            root.removeHandler(handler)
            handler.close()
    if file is None:
        return None
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.WatchedFileHandler(file, encoding="utf-8")
    except OSError as exc:
        # Said at info level: people who run commands as themselves may not write the
        # service's file, and that must not fill their screen on every command.
        logging.getLogger("conectados").info(
            "no se pudo abrir el archivo de registros %s (%s); los registros siguen en la "
            "salida de errores",
            file,
            exc.strerror or type(exc).__name__,
        )
        return None
    handler.set_name(_FILE_HANDLER_NAME)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT, None, stderr.formatter.redactor, zone))
    root.addHandler(handler)
    return handler
