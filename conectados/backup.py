"""`conectados respaldo`: back up and restore the database, SQLite or PostgreSQL.

SQLite is copied with its online backup API (a consistent snapshot while the daemon keeps
writing), never as a file copy; PostgreSQL with pg_dump and pg_restore in their custom
format. A restore checks the file is a Conectados backup before touching anything, and
replaces the database whole or not at all.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click

from conectados.app import App
from conectados.db import Database, SchemaState
from conectados.errors import BadInput, DatabaseError
from conectados.logs import redactor
from conectados.terminal import Command, Group
from conectados.userfiles import UserFileError, os_error_reason

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
_TABLES_EVERY_BACKUP_HAS = ("alembic_version", "publication", "interaction", "reply", "ticket")
_PG_CLIENT_PACKAGE = "postgresql-client"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    revision: str | None


BACKUP_MODE = 0o600
"""A backup holds citizens' data: only its owner (the service's user) reads it."""


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
        _pg_tool("pg_dump")  # said before anything else is tried
    state = database.schema_state()
    if state.current is None:
        raise DatabaseError(
            f"la base de datos {database.display_url} no está inicializada o no existe: "
            "no hay nada que respaldar"
        )
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _create_private(temporary)  # SQLite and pg_dump write into it, keeping its mode
        if database.is_sqlite:
            _sqlite_backup(database, temporary)
        else:
            _pg_dump(database, temporary)
        _fsync(temporary)
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
    revision = (
        _sqlite_backup_revision(source) if database.is_sqlite else _pg_backup_revision(source)
    )
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
        _sqlite_restore(database, source)
    else:
        _pg_restore(database, source)
    return revision


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_backup(database: Database, temporary: Path) -> None:
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


def _sqlite_backup_revision(source: Path) -> str:
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
        missing = [table for table in _TABLES_EVERY_BACKUP_HAS if table not in tables]
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


def _sqlite_restore(database: Database, source: Path) -> None:
    target = database.sqlite_path
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    database.dispose()  # our own pooled connections would count as "in use"
    if database.exists():
        _checkpoint_unused(database, target)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.restaurando")
    try:
        _create_private(temporary, DATABASE_MODE)
        backup = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        copy = sqlite3.connect(temporary)
        try:
            backup.backup(copy)
            copy.execute("PRAGMA journal_mode=WAL")  # how Conectados runs every database
        finally:
            copy.close()
            backup.close()
        _fsync(temporary)
        temporary.replace(target)  # the old database or the restored one, never half
        for stale in (f"{target}-wal", f"{target}-shm"):
            Path(stale).unlink(missing_ok=True)  # the old file's: they must not meet the new
        _fsync_folder(target.parent)
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
        raise _in_use(database) from None
    finally:
        connection.close()


def _in_use(database: Database) -> DatabaseError:
    return DatabaseError(
        f"la base de datos {database.display_url} está en uso por otro proceso; detenga "
        "el servicio («systemctl stop conectados», en cada servidor que la use) y vuelva a "
        "intentarlo"
    )


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BadInput(
            f"no se encontró el programa {name}, que hace falta para los respaldos de "
            f"PostgreSQL; instálelo con «apt install {_PG_CLIENT_PACKAGE}» (Debian y Ubuntu) "
            "y vuelva a intentarlo"
        )
    return found


def _pg_connection(database: Database) -> tuple[str, dict[str, str]]:
    """The libpq URL without its password, and an environment that carries the password
    (never on the command line, where any user of the server could read it)."""
    url = database.url
    environ = dict(os.environ)
    if url.password:
        environ["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None)
    return conninfo.render_as_string(hide_password=False), environ


def _run_pg(database: Database, arguments: list[str], what: str) -> str:
    conninfo, environ = _pg_connection(database)
    arguments = [*arguments, f"--dbname={conninfo}"]
    result = subprocess.run(arguments, env=environ, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = next((line for line in result.stderr.splitlines() if line.strip()), "sin detalle")
        raise DatabaseError(f"{what} falló en {database.display_url}: {redactor.redact(reason)}")
    return result.stdout


def _pg_dump(database: Database, temporary: Path) -> None:
    tool = _pg_tool("pg_dump")
    _run_pg(database, [tool, "--format=custom", f"--file={temporary}"], "pg_dump")


def _pg_backup_revision(source: Path) -> str:
    tool = _pg_tool("pg_restore")
    not_ours = "no es un respaldo de Conectados"
    listing = subprocess.run(
        [tool, "--list", str(source)], capture_output=True, text=True, check=False
    )
    tables = {
        line.split()[-2]
        for line in listing.stdout.splitlines()
        if " TABLE DATA " in line and len(line.split()) >= 2
    }
    missing = [table for table in _TABLES_EVERY_BACKUP_HAS if table not in tables]
    if listing.returncode != 0 or missing:
        raise BadInput(
            f"{not_ours}: es un respaldo de PostgreSQL sin las tablas de Conectados", str(source)
        )
    data = subprocess.run(
        [tool, "--data-only", "--table=alembic_version", "--file=-", str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = data.stdout.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            return lines[number + 1].strip()
    raise BadInput(f"{not_ours}: no dice su versión de esquema", str(source))


def _pg_refuse_in_use(database: Database) -> None:
    """Refuse while another session (a service, a command) is connected to the database:
    pg_restore would drop tables under it, and both would deadlock."""
    database.dispose()  # our own pooled connections are not "another process"
    with database.transaction() as connection:
        others = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).scalar_one()
    database.dispose()
    if others:
        raise _in_use(database)


def _pg_restore(database: Database, source: Path) -> None:
    tool = _pg_tool("pg_restore")
    _pg_refuse_in_use(database)
    _run_pg(
        database,
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",  # the old data or the restored data, never a mix
            "--exit-on-error",
            str(source),
        ],
        "pg_restore",
    )


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


DATABASE_MODE = 0o640
"""A restored database: its owner writes, its group may read, nobody else."""


def _create_private(path: Path, mode: int = BACKUP_MODE) -> None:
    """An empty file only its owner (and, with 640, its group) can read, from the start."""
    path.unlink(missing_ok=True)  # a leftover of an interrupted run with this process id
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(descriptor, mode)  # whatever the umask
    finally:
        os.close(descriptor)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot sync a folder
        _fsync(folder)


# --- commands -----------------------------------------------------------------------------


@click.group(cls=Group)
def respaldo() -> None:
    """Respaldos de la base de datos: crear y restaurar.

    SQLite se copia en caliente (el servicio puede seguir en marcha); PostgreSQL con
    pg_dump y pg_restore (paquete postgresql-client). Para restaurar, detenga el servicio.
    """


@respaldo.command(cls=Command)
@click.argument("archivo", required=False, metavar="[ARCHIVO]")
@click.option(
    "--carpeta",
    metavar="CARPETA",
    help="Sin ARCHIVO: la carpeta donde se escribe (por defecto la actual).",
)
@click.pass_obj
def crear(app: App, archivo: str | None, carpeta: str | None) -> None:
    """Escribe un respaldo de la base de datos en ARCHIVO.

    Sin ARCHIVO: respaldo-AAAAMMDD-HHMMSS.db (o .dump con PostgreSQL), con la hora de la
    empresa, en --carpeta o en la carpeta actual (si ya hay uno con ese nombre, le añade -2,
    -3…). Nunca reemplaza un respaldo que ya exista. Solo su dueño puede leerlo (modo 600).
    """
    if archivo is not None and carpeta is not None:
        raise BadInput("indique ARCHIVO o --carpeta, no los dos", "respaldo crear")
    database = app.database
    if archivo is None:
        now = app.clock.now().astimezone(app.settings.zone)
        folder = app.cwd / Path(carpeta or ".").expanduser()
        target = free_name(folder, default_name(now, database.is_sqlite))
    else:
        target = app.cwd / Path(archivo).expanduser()
    result = create_backup(database, target)
    click.echo(
        f"Respaldo de {database.display_url} escrito en {result.path} "
        f"({_size(result.size)}, esquema {result.revision})."
    )
    click.echo(
        "Para restaurarlo: detenga el servicio (sudo systemctl stop conectados), ejecute "
        f"«conectados respaldo restaurar {result.path} --forzar» y vuelva a iniciarlo "
        "(sudo systemctl start conectados)."
    )


@respaldo.command(cls=Command)
@click.argument("archivo", metavar="ARCHIVO")
@click.option("--forzar", is_flag=True, help="Reemplaza la base de datos aunque ya tenga datos.")
@click.pass_obj
def restaurar(app: App, archivo: str, forzar: bool) -> None:
    """Reemplaza la base de datos por el respaldo ARCHIVO.

    Comprueba antes que ARCHIVO sea un respaldo de Conectados. La base queda entera: la
    anterior o la restaurada, nunca una mezcla. Detenga antes el servicio.
    """
    database = app.database
    source = app.cwd / Path(archivo).expanduser()
    revision = restore_backup(database, source, forzar)
    click.echo(f"Base de datos {database.display_url} restaurada desde {source}.")
    if revision != database.schema_state().head:
        click.echo(
            f"El respaldo es de una versión anterior (esquema {revision}); ejecute "
            "«conectados init» para actualizarla antes de usarla."
        )


def _size(size: int) -> str:
    from conectados.spanish import number

    if size >= 1024 * 1024:
        return f"{number(size / (1024 * 1024), 1)} MB"
    return f"{number(size / 1024, 1)} KB"
