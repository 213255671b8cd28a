"""`conectados report`: the monthly report of reach and citizen service."""

from __future__ import annotations

import json
from pathlib import Path

import click

from conectados.app import App
from conectados.errors import BadInput
from conectados.files import write_atomically
from conectados.tables import listing_console
from conectados.terminal import Command
from conectados.userfiles import os_error_reason
from reports.csvs import write_csvs
from reports.figures import build_report
from reports.period import Period, chosen_period, report_networks
from reports.render import html
from reports.summary import summary
from responders.protocol_files import load_catalogue


def _period(app: App, mes: str | None, desde: str | None, hasta: str | None) -> Period:
    zone = app.settings.zone
    return chosen_period(app.clock.now().astimezone(zone).date(), zone, mes, desde, hasta)


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
    networks = report_networks(app.settings)
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
