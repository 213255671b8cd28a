"""One log format, to stderr (the journal under systemd) and optionally a file, in the
company's time zone, with every secret value redacted before it is written."""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import re
import sys
import threading
from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
        # Imported at the first line to redact, not at start: compiling the detector's
        # patterns costs every command ~15 ms, and most print no log line at all.
        from conectados.privacy import mask

        return mask(text)  # citizens' personal data never reaches a log either (Ley 1581)


redactor = Redactor()
"""The process-wide redactor: settings register every secret they read into it."""


DEFAULT_ZONE = "America/Bogota"
"""The zone log lines use until the settings say the company's (the settings' default too)."""


LEVEL_NAMES = {
    logging.DEBUG: "DETALLE",
    logging.INFO: "INFO",
    logging.WARNING: "ATENCIÓN",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "CRÍTICO",
}
"""The level each line shows, in Spanish («aviso» is taken: it names an outage notice)."""

# sd-daemon(3): a line written to the journal that starts with <N> is stored at priority N.
_JOURNAL_PRIORITIES = ((logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6))


def journal_priority(level: int) -> int:
    """The syslog priority of a logging level: 3 error, 4 warning, 6 info, 7 debug."""
    return next((priority for floor, priority in _JOURNAL_PRIORITIES if level >= floor), 7)


def writes_to_the_journal(stream, environ=None) -> bool:
    """Whether `stream` is the journal's stream systemd connected us to.

    systemd sets JOURNAL_STREAM to the device and inode of that stream; a program whose
    stderr was redirected elsewhere (a pipe, a file) inherits the variable but not the stream,
    so both are compared, as systemd.exec(5) says.
    """
    value = (os.environ if environ is None else environ).get("JOURNAL_STREAM", "")
    device, _, inode = value.partition(":")
    try:
        status = os.fstat(stream.fileno())
        return (status.st_dev, status.st_ino) == (int(device), int(inode))
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


class RedactingFormatter(logging.Formatter):
    """Formats a record, traceback included, and then redacts the whole line.

    The time is the company's, with its offset (2026-03-10 10:00:00-05:00), whatever the
    server's own zone: the team reads log lines against the calendar's hours. With
    `journal`, every line starts with its syslog priority (<3> error, <4> warning…), so
    `journalctl -p warning` finds the warnings.
    """

    def __init__(
        self,
        fmt: str,
        datefmt: str | None,
        redactor: Redactor,
        zone: tzinfo | None = None,
        journal: bool = False,
    ) -> None:
        super().__init__(fmt, datefmt)
        self.redactor = redactor
        self.zone = zone if zone is not None else ZoneInfo(DEFAULT_ZONE)
        self.journal = journal

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.zone).isoformat(" ", "seconds")

    def formatMessage(self, record: logging.LogRecord) -> str:
        shown = logging.makeLogRecord(record.__dict__)  # other handlers see the record as it was
        shown.levelname = LEVEL_NAMES.get(record.levelno, record.levelname)
        return super().formatMessage(shown)

    def format(self, record: logging.LogRecord) -> str:
        text = self.redactor.redact(super().format(record))
        if not self.journal:
            return text
        prefix = f"<{journal_priority(record.levelno)}>"
        return "\n".join(prefix + line for line in text.split("\n"))


LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
_HANDLER_NAME = "conectados-stderr"
_FILE_HANDLER_NAME = "conectados-file"

# uvicorn's own lifecycle lines (logger uvicorn.error, at info), said in Spanish.
_UVICORN_LINES = {
    "Started server process [%d]": "receptor de webhooks: proceso %d iniciado",
    "Waiting for application startup.": "receptor de webhooks: arrancando",
    "Application startup complete.": "receptor de webhooks: listo",
    "Uvicorn running on %s://%s:%d (Press CTRL+C to quit)": (
        "receptor de webhooks escuchando en %s://%s:%d"
    ),
    "Uvicorn running on socket %s (Press CTRL+C to quit)": (
        "receptor de webhooks escuchando en %s"
    ),
    "Shutting down": "receptor de webhooks: deteniéndose",
    "Waiting for application shutdown.": "receptor de webhooks: terminando",
    "Application shutdown complete.": "receptor de webhooks: terminó",
    "Finished server process [%d]": "receptor de webhooks: proceso %d terminado",
    "Waiting for connections to close. (CTRL+C to force quit)": (
        "receptor de webhooks: esperando que terminen las conexiones abiertas"
    ),
    "Waiting for background tasks to complete. (CTRL+C to force quit)": (
        "receptor de webhooks: esperando que terminen las tareas en curso"
    ),
}


class _UvicornInSpanish(logging.Filter):
    """uvicorn's lifecycle lines in Spanish, under the name «webhooks»."""

    def filter(self, record: logging.LogRecord) -> bool:
        spanish = _UVICORN_LINES.get(str(record.msg))
        if spanish is not None:
            record.msg = spanish
            record.name = "webhooks"
        return True


def _job_name(job: object) -> str:
    return f"«{getattr(job, 'name', job)}»"


class _SchedulerInSpanish(logging.Filter):
    """APScheduler's job lines said by us, in Spanish, in one line.

    A job that raised: «la tarea «Daemon.publish» falló: RuntimeError: …»; the traceback only
    at -vv. Its own lines carry the job's next run in UTC and its trigger, which the team
    does not need: only the job's name is kept.
    """

    def __init__(self, traceback: bool) -> None:
        super().__init__()
        self.traceback = traceback

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        message = str(record.msg)
        if message == 'Job "%s" raised an exception' and args:
            error = record.exc_info[1] if record.exc_info else None
            detail = f"{type(error).__name__}: {error}" if error is not None else "sin detalle"
            record.msg, record.args = "la tarea %s falló: %s", (_job_name(args[0]), detail)
            if not self.traceback:
                record.exc_info, record.exc_text = None, None
            else:
                record.msg += " (detalle abajo)"
        elif message == 'Run time of job "%s" was missed by %s' and len(args) == 2:
            late = getattr(args[1], "total_seconds", lambda: 0)()
            record.msg = "la tarea %s no se ejecutó a su hora: iba %s segundos tarde"
            record.args = (_job_name(args[0]), f"{late:.0f}")
        elif message == "Error running job %s" and args:
            record.msg, record.args = "la tarea %s no pudo ejecutarse", (f"«{args[0]}»",)
            if not self.traceback:
                record.exc_info, record.exc_text = None, None
        elif message.startswith('Execution of job "%s" skipped') and args:
            record.msg = "la tarea %s no se ejecutó: la anterior todavía no había terminado"
            record.args = (_job_name(args[0]),)
        else:
            return True
        record.name = "scheduler"
        return True


_SPANISH_FILTERS = {
    "uvicorn.error": lambda verbose: _UvicornInSpanish(),
    "apscheduler.executors.default": lambda verbose: _SchedulerInSpanish(verbose >= 2),
    "apscheduler.scheduler": lambda verbose: _SchedulerInSpanish(verbose >= 2),
}


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
    environ=None,
) -> logging.Handler:
    """Send every log record to stderr in one format; replace our handler if already set.

    verbose 0 shows warnings, 1 shows info, 2 or more shows debug (libraries included).
    When stderr is the journal (JOURNAL_STREAM), each line carries its syslog priority.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in (_HANDLER_NAME, _FILE_HANDLER_NAME):
            root.removeHandler(handler)
            handler.close()
    stream = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    journal = writes_to_the_journal(stream, environ)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT, None, redactor, journal=journal))
    root.addHandler(handler)
    logging.captureWarnings(True)  # warnings reach stderr through the redacting handler too
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    root.setLevel(level)
    for name in quiet_loggers:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    for name, make_filter in _SPANISH_FILTERS.items():
        logger = logging.getLogger(name)
        for old in [
            f for f in logger.filters if isinstance(f, _UvicornInSpanish | _SchedulerInSpanish)
        ]:
            logger.removeFilter(old)
        logger.addFilter(make_filter(verbose))
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
