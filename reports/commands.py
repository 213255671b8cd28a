"""`conectados report`: the monthly report of reach and citizen service."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import click

from conectados.app import App
from conectados.errors import BadInput
from conectados.files import write_atomically
from conectados.terminal import Command
from reports.figures import Period, build_report, month
from reports.render import html, summary, write_csvs


def _period(app: App, mes: str | None, desde: str | None, hasta: str | None) -> Period:
    zone = app.settings.zone
    if mes and (desde or hasta):
        raise BadInput("use --mes o --desde/--hasta, no ambos", "opciones")
    if mes:
        try:
            period = month(mes, zone)
            if not 2000 <= period.start.year <= 2100:
                raise ValueError
            return period
        except (ValueError, OverflowError):
            raise BadInput(f"«{mes}» no es un mes; escriba AAAA-MM", "opción --mes") from None
    if desde or hasta:
        if not (desde and hasta):
            raise BadInput("escriba --desde y --hasta (AAAA-MM-DD)", "opciones")
        try:
            start = datetime.strptime(desde, "%Y-%m-%d").date()
            end = datetime.strptime(hasta, "%Y-%m-%d").date()
        except ValueError:
            raise BadInput(
                "las fechas se escriben AAAA-MM-DD", "opciones --desde/--hasta"
            ) from None
        if end < start:
            raise BadInput("debe ser igual o posterior a --desde", "opción --hasta")
        return Period(start, end + timedelta(days=1), zone)
    # The month that just ended (the report is made at the start of the next one).
    today = app.clock.now().astimezone(zone).date()
    last = today.replace(day=1) - timedelta(days=1)
    return month(f"{last:%Y-%m}", zone)


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
    with database.session() as session:
        built = build_report(
            session.connection(), period, app.settings.company.name, networks, now=app.clock.now()
        )
    try:
        if html_path is not None:
            write_atomically(app.cwd / html_path, html(built))
        written = write_csvs(built, app.cwd / csv_folder) if csv_folder is not None else []
    except OSError as error:
        where = html_path if html_path is not None else csv_folder
        raise BadInput(
            f"no se pudo escribir ({error.strerror or error}); elija otra ruta", str(where)
        ) from None
    if as_json:
        click.echo(json.dumps(built.as_dict(), ensure_ascii=False, indent=2, default=str))
        return
    for line in summary(built):
        click.echo(line)
    if html_path is not None:
        click.echo(f"\nInforme: {html_path}")
    if csv_folder is not None:
        click.echo(f"Tablas: {len(written)} archivos CSV en {csv_folder}")
