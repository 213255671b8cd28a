"""`conectados respaldo`: the commands that back up and restore the database (how, for
SQLite and PostgreSQL, is in the ground floor's `conectados.backup`)."""

from __future__ import annotations

from pathlib import Path

import click

from conectados.app import App
from conectados.backup import create_backup, default_name, free_name, restore_backup
from conectados.errors import BadInput
from conectados.terminal import Command, Group


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
