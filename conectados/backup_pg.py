"""PostgreSQL backups: pg_dump and pg_restore in their custom format, the password never on
the command line, and a restore refused while another session uses the database."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conectados.backup_files import TABLES_EVERY_BACKUP_HAS, in_use
from conectados.db import Database
from conectados.errors import BadInput, DatabaseError
from conectados.logs import redactor

_PG_CLIENT_PACKAGE = "postgresql-client"


def pg_tool(name: str) -> str:
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


def pg_dump(database: Database, temporary: Path) -> None:
    tool = pg_tool("pg_dump")
    _run_pg(database, [tool, "--format=custom", f"--file={temporary}"], "pg_dump")


def pg_backup_revision(source: Path) -> str:
    tool = pg_tool("pg_restore")
    not_ours = "no es un respaldo de Conectados"
    listing = subprocess.run(
        [tool, "--list", str(source)], capture_output=True, text=True, check=False
    )
    tables = {
        line.split()[-2]
        for line in listing.stdout.splitlines()
        if " TABLE DATA " in line and len(line.split()) >= 2
    }
    missing = [table for table in TABLES_EVERY_BACKUP_HAS if table not in tables]
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
        raise in_use(database)


def pg_restore(database: Database, source: Path) -> None:
    tool = pg_tool("pg_restore")
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
