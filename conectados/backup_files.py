"""What both backup engines share: the files they write (private from the start, synced to
disk), the tables every backup holds, and the error for a database in use."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from conectados.db import Database
from conectados.errors import DatabaseError

TABLES_EVERY_BACKUP_HAS = ("alembic_version", "publication", "interaction", "reply", "ticket")
BACKUP_MODE = 0o600
"""A backup holds citizens' data: only its owner (the service's user) reads it."""
DATABASE_MODE = 0o640
"""A restored database: its owner writes, its group may read, nobody else."""


def create_private(path: Path, mode: int = BACKUP_MODE) -> None:
    """An empty file only its owner (and, with 640, its group) can read, from the start."""
    path.unlink(missing_ok=True)  # a leftover of an interrupted run with this process id
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(descriptor, mode)  # whatever the umask
    finally:
        os.close(descriptor)


def fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot sync a folder
        fsync(folder)


def in_use(database: Database) -> DatabaseError:
    return DatabaseError(
        f"la base de datos {database.display_url} está en uso por otro proceso; detenga "
        "el servicio («systemctl stop conectados», en cada servidor que la use) y vuelva a "
        "intentarlo"
    )
