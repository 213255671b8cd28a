"""SQLite backups: the online backup API (a consistent snapshot while the daemon writes) and a
restore that replaces the database file whole or not at all."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from conectados.backup_files import (
    DATABASE_MODE,
    TABLES_EVERY_BACKUP_HAS,
    create_private,
    fsync,
    fsync_folder,
    in_use,
)
from conectados.db import Database
from conectados.errors import BadInput, DatabaseError
from conectados.userfiles import UserFileError, os_error_reason


def sqlite_backup(database: Database, temporary: Path) -> None:
    source = sqlite3.connect(database.sqlite_path, timeout=30)
    try:
        target = sqlite3.connect(temporary)
        try:
            # One step: a single read transaction, so the copy is one consistent moment;
            # in WAL mode the daemon keeps writing meanwhile.
            source.backup(target)
            # A backup is one self-contained file (no -wal beside it).
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"no se pudo respaldar {database.display_url} (SQLite: {exc}); revise la ruta y "
            "los permisos"
        ) from None
    finally:
        source.close()


def sqlite_backup_revision(source: Path) -> str:
    not_ours = "no es un respaldo de Conectados"
    try:
        connection = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        raise BadInput(f"{not_ours} (no se pudo abrir)", str(source)) from None
    try:
        if connection.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BadInput(f"{not_ours}: el archivo está dañado", str(source))
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        missing = [table for table in TABLES_EVERY_BACKUP_HAS if table not in tables]
        if missing:
            raise BadInput(
                f"{not_ours}: es una base SQLite sin las tablas de Conectados "
                f"({', '.join(missing)})",
                str(source),
            )
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BadInput(f"{not_ours} (SQLite: {exc})", str(source)) from None
    finally:
        connection.close()
    if row is None:
        raise BadInput(f"{not_ours}: no dice su versión de esquema", str(source))
    return str(row[0])


def sqlite_restore(database: Database, source: Path) -> None:
    target = database.sqlite_path
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    database.dispose()  # our own pooled connections would count as "in use"
    if database.exists():
        _checkpoint_unused(database, target)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.restaurando")
    try:
        create_private(temporary, DATABASE_MODE)
        backup = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        copy = sqlite3.connect(temporary)
        try:
            backup.backup(copy)
            copy.execute("PRAGMA journal_mode=WAL")  # how Conectados runs every database
        finally:
            copy.close()
            backup.close()
        fsync(temporary)
        temporary.replace(target)  # the old database or the restored one, never half
        for stale in (f"{target}-wal", f"{target}-shm"):
            Path(stale).unlink(missing_ok=True)  # the old file's: they must not meet the new
        fsync_folder(target.parent)
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"no se pudo restaurar en {database.display_url} (SQLite: {exc}); la base no cambió"
        ) from None
    except OSError as exc:
        raise UserFileError(
            f"no se pudo restaurar ({os_error_reason(exc)}); la base no cambió", target
        ) from None
    finally:
        temporary.unlink(missing_ok=True)


def _checkpoint_unused(database: Database, path: Path) -> None:
    """Refuse a database another process has open (the service); fold its WAL in."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        # An exclusive lock is refused while any other connection has the file open.
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError:
        raise in_use(database) from None
    finally:
        connection.close()
