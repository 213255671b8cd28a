"""`conectados calendar ...`: check, import, list, show, cancel and preview the content plan."""

from __future__ import annotations

import json
from pathlib import Path

import click

from channels.checks import wrap
from conectados.app import App
from conectados.dates import parse_month
from conectados.errors import BadInput, DatabaseError, ExitStatus
from conectados.files import write_atomically
from conectados.spanish import MONTHS
from conectados.tables import Field, Listing, print_listing, short_moment, window_width
from conectados.terminal import Group, SpanishChoice
from conectados.userfiles import os_error_reason
from content_calendar.check import (
    CalendarChecker,
    CheckResult,
    KnownPost,
    checker_for,
)
from content_calendar.importer import import_calendar, report_lines
from content_calendar.models import PublicationState
from content_calendar.planned import database_items, file_items, first_month, known_posts, row_data
from content_calendar.preview import render_month
from content_calendar.problems import problem_text
from content_calendar.schedule import (
    STATE_NAMES,
    STATES_BY_NAME,
    cancel_post,
    list_publications,
)
from content_calendar.source import NETWORKS


@click.group(cls=Group)
def calendar() -> None:
    """Calendario de contenidos: revisar, importar y consultar lo que se publicará."""


def _known_posts(app: App) -> dict[str, KnownPost]:
    """What the database already has, when there is a database to ask (check works without)."""
    try:
        return known_posts(app.database)
    except DatabaseError as error:
        click.echo(f"Advertencia: {error} (se revisa sin compararlo con lo ya importado)", err=True)
        return {}


def _checker(app: App, known: dict[str, KnownPost] | None = None) -> CalendarChecker:
    return checker_for(app.settings, app.clock.now(), known)


def _print_problems(app: App, result: CheckResult, shown: Path) -> None:
    """Each problem naming the file as the user typed it (`shown`), wrapped to the window
    in a terminal and one line each in a file or a pipe (conectados.tables does the same)."""
    width = window_width(app.environ)
    for problem in result.problems:
        click.echo(problem_text(problem, str(shown), width))


def _echo(app: App, line: str) -> None:
    """A line of ours, wrapped to the window in a terminal (one line in a pipe)."""
    width = window_width(app.environ)
    click.echo(line if width is None else "\n".join(wrap(line, width, subsequent_indent="  ")))


def _summary(result: CheckResult, shown: Path) -> str:
    errors, warnings = len(result.errors), len(result.warnings)
    return (
        f"{shown}: {len(result.entries)} "
        f"{'publicación lista' if len(result.entries) == 1 else 'publicaciones listas'}, "
        f"{errors} {'error' if errors == 1 else 'errores'}, "
        f"{warnings} {'advertencia' if warnings == 1 else 'advertencias'}."
    )


@calendar.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="ARCHIVO..."
)
@click.pass_obj
def check(app: App, files: tuple[Path, ...]) -> None:
    """Revisa uno o varios archivos de calendario (.yaml, .csv) sin importarlos.

    Muestra cada problema como ARCHIVO:LÍNEA: id: problema. Termina con código 2 si hay
    algún error; las advertencias no impiden importar.
    """
    checker = _checker(app, _known_posts(app))
    failed = False
    for path in files:
        result = checker.check_file(app.cwd / path)
        _print_problems(app, result, path)
        _echo(app, _summary(result, path))
        failed = failed or bool(result.errors)
    if failed:
        click.echo("Corrija los errores y vuelva a ejecutar «conectados calendar check».")
        raise click.exceptions.Exit(ExitStatus.BAD_INPUT)


@calendar.command(name="import")
@click.argument("file", type=click.Path(path_type=Path), metavar="ARCHIVO")
@click.option(
    "--cancelar-ausentes",
    is_flag=True,
    help="Cancela las publicaciones programadas de este archivo que ya no están en él.",
)
@click.pass_obj
def import_(app: App, file: Path, cancelar_ausentes: bool) -> None:
    """Revisa e importa un calendario: todo o nada.

    Las entradas nuevas se programan en cada red; las cambiadas se actualizan si aún no se
    publicaron; lo ya publicado nunca se modifica. Importar dos veces el mismo archivo no
    cambia nada.
    """
    database = app.ready_database()
    path = (app.cwd / file).resolve()
    result = _checker(app, _known_posts(app)).check_file(path)
    _print_problems(app, result, file)
    if result.errors:
        _echo(app, _summary(result, file))
        click.echo("No se importó nada. Corrija los errores e intente de nuevo.")
        raise click.exceptions.Exit(ExitStatus.BAD_INPUT)
    report = import_calendar(database, result, str(path), app.clock.now(), cancelar_ausentes)
    for line in report_lines(
        report,
        file,
        "use --cancelar-ausentes o «conectados calendar cancel ID»",
        cancelar_ausentes,
    ):
        click.echo(line)


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _parse_month(month: str | None) -> str | None:
    return None if month is None else f"{parse_month(month, '--mes'):%Y-%m}"


def _parse_states(states: tuple[str, ...]) -> tuple[PublicationState, ...]:
    try:
        return tuple(STATES_BY_NAME[state.lower()] for state in states)
    except KeyError as exc:
        names = ", ".join(STATE_NAMES.values())
        raise BadInput(
            f"estado desconocido «{exc.args[0]}»; use uno de: {names}", "opción --estado"
        ) from None


@calendar.command(name="list")
@click.option("--mes", metavar="AAAA-MM", help="Solo las publicaciones de ese mes.")
@click.option(
    "--red",
    type=SpanishChoice({network: network for network in NETWORKS}),
    help="Solo las de una red.",
)
@click.option(
    "--estado",
    multiple=True,
    metavar="ESTADO",
    help="programada, publicada, fallida, cancelada… (se puede repetir).",
)
@click.option("--json", "as_json", is_flag=True, help="Imprime la lista como JSON.")
@click.pass_obj
def list_(
    app: App, mes: str | None, red: str | None, estado: tuple[str, ...], as_json: bool
) -> None:
    """Lista las publicaciones con su estado, su enlace y su último error."""
    database = app.ready_database()
    rows = list_publications(
        database, _parse_month(mes), app.settings.zone, red, _parse_states(estado)
    )
    data = [row_data(row, app.settings.zone) for row in rows]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not data:
        click.echo("No hay publicaciones con esos filtros.")
        return
    zone = app.settings.zone
    today = app.clock.now().astimezone(zone).date()
    listing = Listing(
        f"Publicaciones{f' de {mes}' if mes else ''}",
        (
            Field("fecha"),
            Field("id"),
            Field("red"),
            Field("estado"),
            Field("enlace", "link"),  # essential: without room for it, cards
            Field("último error", "text", priority=2, min_width=16, max_width=60),
        ),
        heading=("id", "red", "estado"),
        hidden_hint="conectados calendar show ID",
    )
    for row, item in zip(rows, data, strict=True):
        listing.add(
            short_moment(row.post.scheduled_at.astimezone(zone), today),
            item["id"],
            item["red"],
            item["estado"],
            item["enlace"],
            item["error"],
        )
    print_listing(listing, app.environ)


@calendar.command()
@click.argument("post_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Imprime la publicación como JSON.")
@click.pass_obj
def show(app: App, post_id: str, as_json: bool) -> None:
    """Muestra una publicación del calendario: textos, medios y su estado en cada red."""
    rows = list_publications(app.ready_database(), post_id=post_id)
    if not rows:
        raise BadInput(
            f"no hay ninguna publicación con el id «{post_id}»; vea «conectados calendar list»"
        )
    post = rows[0].post
    data = {
        "id": post.id,
        "fecha": post.scheduled_at.astimezone(app.settings.zone).strftime("%Y-%m-%d %H:%M"),
        "campana": post.campaign,
        "medios": post.media,
        "archivo": f"{post.source_file}:{post.source_line}",
        "redes": [row_data(row, app.settings.zone) for row in rows],
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{post.id} — {data['fecha']} ({app.settings.timezone})")
    click.echo(f"  Archivo: {data['archivo']}")
    if post.campaign:
        click.echo(f"  Campaña: {post.campaign}")
    if post.media:
        click.echo(f"  Medios: {', '.join(post.media)}")
    for item in data["redes"]:
        click.echo(
            f"  {item['red']}: {item['estado']}"
            + (f" — {item['enlace']}" if item["enlace"] else "")
        )
        if item["error"]:
            click.echo(f"    Último error: {item['error']}")
        click.echo("    " + item["texto"].replace("\n", "\n    "))


@calendar.command()
@click.argument("post_id", metavar="ID")
@click.option(
    "--red",
    type=SpanishChoice({network: network for network in NETWORKS}),
    help="Cancela solo en esa red.",
)
@click.pass_obj
def cancel(app: App, post_id: str, red: str | None) -> None:
    """Cancela una publicación que aún no ha salido (en todas sus redes, o en una)."""
    cancelled, kept = cancel_post(app.ready_database(), post_id, red)
    if not cancelled and not kept:
        raise BadInput(
            f"no hay ninguna publicación con el id «{post_id}»" + (f" en {red}" if red else "")
        )
    if cancelled:
        click.echo(f"{post_id}: cancelada en {', '.join(cancelled)}.")
    for row in kept:
        click.echo(
            f"{post_id}: en {row.publication.network} no se puede cancelar: está "
            f"{STATE_NAMES[row.publication.state]}."
        )


@calendar.command()
@click.argument("file", required=False, type=click.Path(path_type=Path), metavar="[ARCHIVO]")
@click.option(
    "--mes", metavar="AAAA-MM", help="El mes a mostrar (por defecto, el de la próxima publicación)."
)
@click.option(
    "-o",
    "--salida",
    type=click.Path(path_type=Path),
    metavar="ARCHIVO.html",
    help="Dónde escribir la página (por defecto calendario-AAAA-MM.html).",
)
@click.pass_obj
def preview(app: App, file: Path | None, mes: str | None, salida: Path | None) -> None:
    """Página HTML con el mes: cada día, sus publicaciones tal como saldrán y sus avisos.

    Con ARCHIVO muestra ese calendario antes de importarlo; sin él, lo que ya está en la
    base de datos. La página no necesita internet y se puede imprimir.
    """
    month = _parse_month(mes)
    checker = _checker(app, _known_posts(app))
    if file is not None:
        result = checker.check_file(app.cwd / file)
        if result.unreadable is not None:
            raise result.unreadable
        _print_problems(app, result, file)
        items = file_items(result)
    else:
        items = database_items(app.ready_database(), checker)
    if month is None:
        if not items:
            raise BadInput("no hay publicaciones para mostrar; indique --mes o un archivo")
        month = first_month(items, app.clock.now(), app.settings.zone)
    target = app.cwd / (salida or Path(f"calendario-{month}.html"))
    page = render_month(
        items,
        month,
        app.settings.zone,
        app.settings.company.name,
        app.settings.media_dir,
        generated_at=app.clock.now(),
    )
    try:
        write_atomically(target, page)
    except OSError as exc:
        raise BadInput(
            f"no se pudo escribir la página: {os_error_reason(exc)}", str(target)
        ) from None
    year, number = (int(part) for part in month.split("-"))
    _echo(
        app,
        f"Calendario de {MONTHS[number - 1]} de {year} escrito en "
        f"{salida or target.name}. Ábralo en el navegador.",
    )


@calendar.command()
@click.option(
    "--formato",
    type=click.Choice(("yaml", "csv")),
    help="yaml, o csv para Excel y LibreOffice (por defecto, según -o; si no, yaml).",
)
@click.option("--mes", metavar="AAAA-MM", help="El mes de la plantilla (por defecto, el próximo).")
@click.option(
    "-o",
    "--salida",
    type=click.Path(path_type=Path),
    metavar="ARCHIVO",
    help="Dónde escribirla (por defecto calendario-AAAA-MM.yaml o .csv); no reemplaza un archivo.",
)
@click.pass_obj
def plantilla(app: App, formato: str | None, mes: str | None, salida: Path | None) -> None:
    """Escribe un calendario para empezar el mes, con fechas que pasan la revisión.

    Trae publicaciones de ejemplo de una empresa de acueducto: cambie los textos, las
    fechas y las redes, revíselo con «conectados calendar check» e impórtelo. En CSV se
    abre en Excel y LibreOffice (UTF-8, columnas separadas por «;»).
    """
    from content_calendar.template import month_name, next_month, place_example_image, render

    now = app.clock.now().astimezone(app.settings.zone).replace(tzinfo=None)
    month = parse_month(mes, "--mes") if mes else next_month(now.date())
    if formato is None:
        formato = "csv" if salida is not None and salida.suffix.lower() == ".csv" else "yaml"
    if salida is not None:
        wanted = {"csv": (".csv",), "yaml": (".yaml", ".yml")}[formato]
        if salida.suffix.lower() not in wanted:
            raise BadInput(
                f"un calendario en {formato.upper()} se guarda con la extensión {wanted[0]} "
                f"(así lo reconoce «calendar check»); use, por ejemplo, -o {salida.stem}{wanted[0]}",
                "-o",
            )
    target = app.cwd / (salida or Path(f"calendario-{month:%Y-%m}.{formato}"))
    text = render(formato, month, app.settings.timezone, now)
    if target.exists():
        raise BadInput("ya existe; elija otro nombre con -o o bórrelo antes", str(target))
    try:
        write_atomically(target, text)
    except OSError as exc:
        raise BadInput(
            f"no se pudo escribir la plantilla: {os_error_reason(exc)}", str(target)
        ) from None
    click.echo(
        f"Plantilla de {month_name(month)} escrita en {target}. Edítela y revísela con "
        f"«conectados calendar check {salida or target.name}»."
    )
    try:
        image = place_example_image(app.settings.media_dir)
    except OSError as exc:
        click.echo(
            f"No se pudo dejar la imagen de ejemplo en {app.settings.media_dir} "
            f"({os_error_reason(exc)}): la publicación de Instagram de la plantilla necesita "
            "una imagen; ponga allí una JPEG o cambie su línea medios."
        )
        return
    if image is not None:
        click.echo(
            f"Imagen de ejemplo para la publicación de Instagram: {image} (cámbiela por la suya)."
        )
