"""Back up and restore the database, SQLite or PostgreSQL (the command that uses this,
`conectados respaldo`, is office.backup).

SQLite is copied with its online backup API (a consistent snapshot while the daemon keeps
writing), never as a file copy; PostgreSQL with pg_dump and pg_restore in their custom
format. A restore checks the file is a Conectados backup before touching anything, and
replaces the database whole or not at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from conectados.backup_files import create_private, fsync
from conectados.backup_pg import pg_backup_revision, pg_dump, pg_restore, pg_tool
from conectados.backup_sqlite import sqlite_backup, sqlite_backup_revision, sqlite_restore
from conectados.db import Database, SchemaState
from conectados.errors import BadInput, DatabaseError
from conectados.userfiles import UserFileError, os_error_reason

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    revision: str | None


def default_name(now: datetime, sqlite: bool) -> str:
    """respaldo-AAAAMMDD-HHMMSS.db (SQLite) or .dump (PostgreSQL), in the company's time."""
    return f"respaldo-{now:%Y%m%d-%H%M%S}.{'db' if sqlite else 'dump'}"


def free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or with -2, -3… before the suffix if a backup already has that name."""
    path = folder / name
    stem, suffix = name.rsplit(".", 1)
    number = 2
    while os.path.lexists(path):
        path = folder / f"{stem}-{number}.{suffix}"
        number += 1
    return path


def create_backup(database: Database, target: Path) -> BackupResult:
    """Write a backup of `database` to `target` (which must not exist)."""
    if os.path.lexists(target):
        raise UserFileError(
            "ya existe; elija otro nombre o bórrelo (un respaldo nunca reemplaza a otro)",
            target,
        )
    if not database.is_sqlite:
        pg_tool("pg_dump")  # said before anything else is tried
    state = database.schema_state()
    if state.current is None:
        raise DatabaseError(
            f"la base de datos {database.display_url} no está inicializada o no existe: "
            "no hay nada que respaldar"
        )
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        create_private(temporary)  # SQLite and pg_dump write into it, keeping its mode
        if database.is_sqlite:
            sqlite_backup(database, temporary)
        else:
            pg_dump(database, temporary)
        fsync(temporary)
        temporary.replace(target)
    except OSError as exc:
        raise UserFileError(
            f"no se pudo escribir el respaldo ({os_error_reason(exc)}); revise la carpeta y "
            "el espacio en el disco",
            target,
        ) from None
    finally:
        temporary.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, state.current)


def restore_backup(database: Database, source: Path, force: bool) -> str:
    """Replace `database` with the backup in `source`; return the backup's schema revision."""
    kind = _backup_kind(source)
    if database.is_sqlite and kind != "sqlite":
        raise BadInput(
            "es un respaldo de PostgreSQL (pg_dump); restáurelo sobre una base PostgreSQL "
            "(--db postgresql://…)",
            str(source),
        )
    if not database.is_sqlite and kind != "postgresql":
        raise BadInput(
            "es un respaldo de SQLite; restáurelo sobre un archivo SQLite (--db ruta.db)",
            str(source),
        )
    revision = sqlite_backup_revision(source) if database.is_sqlite else pg_backup_revision(source)
    if database.is_newer(SchemaState(revision, database.schema_state().head)):
        raise BadInput(
            f"es un respaldo de una versión más nueva de Conectados (esquema {revision}); "
            "actualice Conectados antes de restaurarlo",
            str(source),
        )
    if not force and database.exists() and database.schema_state().current is not None:
        raise BadInput(
            f"la base de datos {database.display_url} ya tiene datos; para reemplazarla por el "
            "respaldo añada --forzar (antes haga un respaldo de ella con «conectados respaldo "
            "crear»)"
        )
    if database.is_sqlite:
        sqlite_restore(database, source)
    else:
        pg_restore(database, source)
    return revision


# --- files --------------------------------------------------------------------------------


def _backup_kind(source: Path) -> str:
    try:
        with source.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except IsADirectoryError:
        raise UserFileError("es una carpeta, no un archivo de respaldo", source) from None
    except OSError as exc:
        raise UserFileError(os_error_reason(exc), source) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BadInput(
        "no es un respaldo de Conectados (ni una base SQLite ni un volcado de pg_dump)",
        str(source),
    )
