"""`conectados init` and `conectados status`."""

from __future__ import annotations

import contextlib
import json
import os
from importlib import resources
from pathlib import Path

import click

from channels.checks import wrap
from channels.specs import token_pause
from conectados.app import App
from conectados.db import SchemaState
from conectados.errors import ConfigError
from conectados.files import write_atomically
from conectados.settings import resolve_config_path
from conectados.terminal import Command
from conectados.userfiles import os_error_reason
from office.status import Status, collect_status, config_file_label
from office.webhook_words import last_message_label

EXAMPLE_CONFIG = "conectados.example.toml"


def example_config_text() -> str:
    return resources.files("conectados").joinpath(EXAMPLE_CONFIG).read_text(encoding="utf-8")


def write_example_config(path: Path) -> bool:
    """Write the commented example settings file unless one exists; say whether it wrote."""
    if path.exists():
        return False
    try:
        write_atomically(path, example_config_text())
    except OSError as exc:
        raise ConfigError(
            f"no se pudo escribir el archivo de configuración ({os_error_reason(exc)}); "
            "revise la ruta y los permisos de la carpeta",
            str(path),
        ) from None
    return True


@click.command(cls=Command)
@click.pass_obj
def init(app: App) -> None:
    """Prepara la base de datos y el archivo de configuración.

    Crea o actualiza la base de datos y escribe un conectados.toml de ejemplo, con
    comentarios, si no hay uno. Se puede ejecutar cuantas veces se quiera: lo que ya
    está hecho no se toca.
    """
    config_path, _named = resolve_config_path(app.config_path, app.environ, app.cwd)
    wrote_config = write_example_config(config_path)
    database = app.database
    # The database holds citizens' data: created 640 (its folder 750), never readable by
    # every user of the server; one left 644 by an older version loses the others' read.
    previous = os.umask(0o027)
    try:
        before, head = database.upgrade()
    finally:
        os.umask(previous)
    _close_to_others(database.sqlite_path)
    if wrote_config:
        click.echo(f"Archivo de configuración de ejemplo escrito en {config_path}.")
        click.echo("  Complete los datos de la empresa en la sección [empresa].")
    else:
        click.echo(f"Configuración: {config_path} (ya existía; no se modificó).")
    if before is None:
        click.echo(f"Base de datos creada en {database.display_url} (versión {head}).")
    elif before == head:
        click.echo(f"Base de datos {database.display_url}: ya estaba al día (versión {head}).")
    else:
        click.echo(
            f"Base de datos {database.display_url} actualizada de la versión {before} a la {head}."
        )


def _close_to_others(path: Path | None) -> None:
    """Take away the read permission of other users from a SQLite database and its -wal/-shm."""
    if path is None:
        return
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(OSError):  # gone, or not ours to change: left as it is
            mode = file.stat().st_mode & 0o777
            if mode & 0o007:
                file.chmod(mode & ~0o007)


@click.command(cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Imprime el estado como JSON.")
@click.pass_obj
def status(app: App, as_json: bool) -> None:
    """Muestra cómo está todo y qué está pendiente.

    La configuración en uso, la base de datos y su versión, las redes y si sus
    credenciales están presentes (nunca sus valores), y cuántas publicaciones,
    respuestas y PQR esperan.
    """
    current = collect_status(app)
    schema = SchemaState(current.schema_revision, current.schema_head)
    newer = current.database_exists and app.database.is_newer(schema)
    if as_json:
        data = current.as_dict()
        data["schema_newer"] = newer
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(format_status(current, newer))
    # Shown, and then said as the error it is: nothing else can run on this database.
    app.database.refuse_newer(schema)


def format_status(current: Status, newer: bool = False) -> str:
    lines = [
        f"Configuración:   {config_file_label(current.config_file)}",
        f"Base de datos:   {current.database}",
        f"  Esquema:       {_schema_line(current, newer)}",
        f"Zona horaria:    {current.timezone}",
        f"Empresa:         {current.company or '(sin nombre: complete [empresa] nombre)'}",
    ]
    if current.company_missing:
        lines.append(
            "  Faltan datos que citan las respuestas: " + ", ".join(current.company_missing)
        )
    lines.append(f"Respuestas:      {current.responder.line}")
    lines.append("Redes:")
    for channel in current.channels:
        lines.append(f"  {channel.name:<9} {_channel_line(channel)}")
    if any(channel.enabled and channel.mode == "real" for channel in current.channels):
        lines.append(f"  {CHECK_HINT}")
    if current.webhooks:
        lines += ["Receptor de mensajes de Meta (webhooks):", f"  {current.webhooks}"]
        if current.pending_publications is not None:
            lines.append(
                f"  Último mensaje de {last_message_label()}: "
                + (current.last_pushed_message or "ninguno todavía")
            )
    if current.pending_publications is not None:
        lines += [
            "Pendiente:",
            f"  Publicaciones por salir:          {current.pending_publications}",
            f"  Respuestas por revisar o enviar:  {current.pending_replies}",
            f"  PQR abiertas:                     {current.open_tickets}"
            + (
                f" ({current.overdue_tickets} vencidas: «conectados pqr list --vencidas»)"
                if current.overdue_tickets
                else ""
            ),
        ]
        lines.append(
            f"  {'Ilegibles apartados:':<34}"
            f"{current.set_aside_today} hoy, {current.set_aside_total} en total"
            + (f"; el último: {current.latest_set_aside}" if current.latest_set_aside else "")
        )
    return "\n".join(_fit(line) for line in lines)


STATUS_WIDTH = 80
CHECK_COMMAND = "conectados channels check"
CHECK_HINT = f"Para comprobar que los tokens sirven para cada tarea: «{CHECK_COMMAND}»."


def _fit(line: str) -> str:
    """A line wider than an 80-column window, wrapped under its own indentation plus two
    (paths, addresses and a command in «…» stay whole)."""
    if len(line) <= STATUS_WIDTH:
        return line
    indent = " " * (len(line) - len(line.lstrip()) + 2)
    return "\n".join(wrap(line, STATUS_WIDTH, subsequent_indent=indent))


def _schema_line(current: Status, newer: bool) -> str:
    if not current.database_exists:
        return "el archivo no existe todavía; ejecute «conectados init» para crearlo"
    if current.schema_revision is None:
        return "sin inicializar; ejecute «conectados init»"
    if current.schema_current:
        return f"versión {current.schema_revision} (al día)"
    if newer:
        return (
            f"versión {current.schema_revision}, de una versión más nueva de Conectados "
            f"(esta llega hasta la {current.schema_head}); actualice Conectados"
        )
    return (
        f"versión {current.schema_revision}, se necesita la {current.schema_head}; "
        "ejecute «conectados init»"
    )


def _channel_line(channel) -> str:
    if not channel.enabled:
        return "desactivada"
    if channel.paused_until:
        lifts = f"«{CHECK_COMMAND}» quita la pausa cuando todo lo de la red pasa"
        hint = (
            f" (revise el token con «{CHECK_COMMAND}»: cuando todo pase, quita la pausa)"
            if token_pause(channel.pause_reason)
            else f" (cuando se resuelva, {lifts})"
        )
        return f"EN PAUSA hasta {channel.paused_until}: {channel.pause_reason}{hint}"
    if channel.mode == "sandbox":
        return "activa, modo de prueba (simulador); no necesita credenciales"
    missing = [name for name, present in channel.credentials.items() if not present]
    if channel.missing_id:
        return f"activa, modo real; FALTA {channel.missing_key} en el archivo de configuración"
    gap = f"; OJO: {channel.gap}" if channel.gap else ""
    if not missing:
        return f"activa, modo real; credenciales presentes{gap}"
    return "activa, modo real; FALTAN credenciales en: " + ", ".join(missing) + gap
