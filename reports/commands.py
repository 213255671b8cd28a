"""`conectados report`: the monthly report of reach and citizen service."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import click

from conectados.app import App
from conectados.dates import parse_month
from conectados.errors import BadInput
from conectados.files import write_atomically
from conectados.tables import listing_console
from conectados.terminal import Command
from conectados.userfiles import os_error_reason
from reports.csvs import write_csvs
from reports.figures import build_report
from reports.period import Period, month
from reports.render import html
from reports.summary import summary
from responders.protocol_files import load_catalogue

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
"""The days a report may cover: its previous period of the same length must fit too."""
MAX_DAYS = 5 * 366
"""The longest period a report covers (five years): its charts have one bar per day."""
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _period(app: App, mes: str | None, desde: str | None, hasta: str | None) -> Period:
    zone = app.settings.zone
    if mes is not None and (desde is not None or hasta is not None):
        raise BadInput("use --mes o --desde/--hasta, no ambos", "opciones")
    if mes is not None:
        return month(f"{parse_month(mes, '--mes'):%Y-%m}", zone)
    if desde is not None or hasta is not None:
        if desde is None or hasta is None:
            raise BadInput("escriba --desde y --hasta (AAAA-MM-DD)", "opciones")
        start = _day(desde, "--desde")
        end = _day(hasta, "--hasta")
        if end < start:
            raise BadInput("debe ser igual o posterior a --desde", "opción --hasta")
        if (end - start).days + 1 > MAX_DAYS:
            raise BadInput(
                "el periodo es demasiado largo: un informe cubre como máximo cinco años; "
                "acorte el periodo entre --desde y --hasta",
                "opciones --desde/--hasta",
            )
        return Period(start, end + timedelta(days=1), zone)
    # The month that just ended (the report is made at the start of the next one).
    today = app.clock.now().astimezone(zone).date()
    last = today.replace(day=1) - timedelta(days=1)
    return month(f"{last:%Y-%m}", zone)


def _day(text: str, option: str) -> date:
    """A day written AAAA-MM-DD, within the days a report may cover."""
    try:
        if not _DAY.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"«{text[:40]}» no es una fecha; escriba AAAA-MM-DD, por ejemplo 2026-11-30",
            f"opción {option}",
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadInput(
            f"el informe cubre días entre {FIRST_DAY:%Y-%m-%d} y {LAST_DAY:%Y-%m-%d}; "
            f"«{text}» queda fuera",
            f"opción {option}",
        )
    return day


@click.command(cls=Command)
@click.option("--mes", metavar="AAAA-MM", help="El mes del informe (por omisión, el mes pasado).")
@click.option("--desde", metavar="AAAA-MM-DD", help="Otro periodo: desde este día…")
@click.option("--hasta", metavar="AAAA-MM-DD", help="…hasta este día, incluido.")
@click.option("--html", "html_path", type=click.Path(path_type=Path), metavar="ARCHIVO.html",
              help="Escribe el informe como una página (un solo archivo, con gráficas).")  # fmt: skip
@click.option("--csv", "csv_folder", type=click.Path(path_type=Path), metavar="CARPETA",
              help="Escribe las tablas en CSV (una fila por dato) en esta carpeta.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Imprime todas las cifras como JSON.")
@click.pass_obj
def report(
    app: App,
    mes: str | None,
    desde: str | None,
    hasta: str | None,
    html_path: Path | None,
    csv_folder: Path | None,
    as_json: bool,
) -> None:
    """Informe de alcance y atención: publicaciones, interacción, solicitudes, respuestas, PQR.

    Compara con el periodo anterior. Sin opciones de salida, muestra las cifras principales.
    """
    period = _period(app, mes, desde, hasta)
    database = app.ready_database()
    networks = tuple(
        name for name, config in app.settings.channels.by_name().items() if config.enabled
    )
    names = {protocol.id: protocol.name for protocol in load_catalogue(app.settings.protocols_dir)}
    with database.session() as session:
        built = build_report(
            session.connection(),
            period,
            app.settings.company.name,
            networks,
            now=app.clock.now(),
            protocol_names=names,
        )
    try:
        if html_path is not None:
            write_atomically(app.cwd / html_path, html(built))
        written = write_csvs(built, app.cwd / csv_folder) if csv_folder is not None else []
    except OSError as error:
        where = html_path if html_path is not None else csv_folder
        raise BadInput(
            f"no se pudo escribir ({os_error_reason(error)}); elija otra ruta", str(where)
        ) from None
    if as_json:
        click.echo(json.dumps(built.as_dict(), ensure_ascii=False, indent=2, default=str))
        return
    _, width = listing_console(app.environ)
    for line in summary(built, width):
        click.echo(line)
    if html_path is not None:
        click.echo(f"\nInforme: {html_path}")
    if csv_folder is not None:
        click.echo(f"Tablas: {len(written)} archivos CSV en {csv_folder}")
