"""`conectados demo`: a fictitious water utility's whole office, on the simulated networks.

This module prepares the demo's folder and its calendar; office.demo_office runs the office
(built by office.build, as the daemon is) and office.demo_text tells what happened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

import content_calendar
from channels.specs import SPECS
from conectados.app import App
from conectados.errors import ConfigError
from conectados.files import write_atomically
from conectados.terminal import Command
from conectados.userfiles import os_error_reason
from office.build import Office, open_office
from office.commands import format_status
from office.demo_office import run_office
from office.demo_text import SANDBOX_STATE, Outcome, next_month, say, shifted_calendar, summary
from office.status import collect_status

DEMO_FOLDER = "demo"
DEMO_COMPANY = {
    "nombre": "Acueducto de Ejemplo S.A. E.S.P.",
    "nit": "900.000.000-0",
    "telefonos": ["607 000 0000"],
    "whatsapp": "+57 300 000 0000",
    "correo": "pqr@acueducto-ejemplo.example",
    "direccion": "Calle 1 # 2-3, Centro",
    "horario": "lunes a viernes de 7:00 a. m. a 5:00 p. m.",
    "web": "https://acueducto-ejemplo.example",
    "puntos_pago": ["Bancolombia", "Efecty", "nuestra oficina principal", "PSE en la página web"],
}
SAMPLE_CALENDAR = Path(__file__).parent / "demo_calendario.yaml"
# The sample media live in the repository's assets/ (the Makefile installs it editable).
SAMPLE_MEDIA = Path(content_calendar.__file__).resolve().parent.parent / "assets"


def demo_config_text() -> str:
    """Settings of the fictitious company the demo runs: its data, everything else by default."""
    lines = ["# Configuración de la demostración: una empresa ficticia y las redes simuladas.", ""]
    lines.append(f"carpeta_medios = {json.dumps(str(SAMPLE_MEDIA))}")
    lines += ["", "[empresa]"]
    for key, value in DEMO_COMPANY.items():
        lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    # Read often, so that «conectados sandbox citizen» sees its answer within seconds.
    for network in (name for name, network in SPECS.items() if not network.pushed):
        lines += ["", f"[channels.{network}]", "leer_cada_minutos = 0.25"]
    # The simulated networks remember their posts and comments here between runs, so that
    # the replies approved after the demo find what they answer.
    lines += ["", "[sandbox]", f"estado = {json.dumps(SANDBOX_STATE)}"]
    return "\n".join(lines) + "\n"


@click.command(cls=Command)
@click.option(
    "--carpeta",
    default=DEMO_FOLDER,
    metavar="CARPETA",
    help=f"Carpeta donde se prepara la demostración (por defecto ./{DEMO_FOLDER}).",
)
@click.option(
    "--reiniciar",
    is_flag=True,
    help="Empieza de cero (lo que la demostración hace siempre; se acepta por costumbre).",
)
@click.option(
    "--rapido", is_flag=True, help="Sin esperas: las publicaciones salen al segundo (pruebas)."
)
@click.pass_obj
def demo(app: App, carpeta: str, reiniciar: bool, rapido: bool) -> None:
    """La oficina completa con una empresa de ejemplo y el simulador de redes, en un minuto.

    Publica a su hora las publicaciones del calendario, ciudadanos simulados escriben
    (preguntas, quejas, un daño, un saludo, publicidad, datos personales), Conectados
    responde, radica y deja lo dudoso para revisión, recoge las métricas y escribe el
    informe. Todo ocurre en una carpeta aparte y con redes simuladas: nada sale de esta
    máquina y no se necesitan cuentas ni credenciales. Cada vez empieza de cero: en una
    carpeta con una demostración anterior, la borra primero (solo los archivos que la
    demostración escribe; nunca los de otra configuración).
    """
    del reiniciar  # the demo is a show: it always starts over, the same every time
    run_demo(app, app.cwd / Path(carpeta).expanduser(), rapido)


def run_demo(
    app: App,
    folder: Path,
    quick: bool,
    opener: Callable[..., AbstractContextManager[Office]] = open_office,
) -> Outcome:
    """The demo in `folder`: the office `opener` builds (the daemon's), on the demo's settings."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError("existe pero no es una carpeta; elija otra con --carpeta", str(folder))
    config_path = folder / "conectados.toml"
    if _earlier_demo(folder):
        _clear(folder)
        started_over = True
    else:
        started_over = False
    if not config_path.exists():
        try:
            write_atomically(config_path, demo_config_text())
        except OSError as exc:
            raise ConfigError(
                f"no se pudo preparar la carpeta de la demostración ({os_error_reason(exc)})",
                str(folder),
            ) from None
    demo_app = App(environ={}, cwd=folder, clock=app.clock, config_path=str(config_path))
    console = Console(highlight=False, soft_wrap=True)
    try:
        demo_app.database.upgrade()
        say(console, f"[bold]Demostración de Conectados[/] en {folder}", indent=0, hang=3)
        if started_over:
            say(console, "La carpeta tenía una demostración anterior: se empieza de cero.", 0)
        console.print()
        console.print("[bold]1. El calendario de contenidos[/]")
        calendar = _try_calendar(demo_app, folder, console)
        outcome = run_office(demo_app, folder, calendar, console, quick, opener)
        outcome.web_password = _demo_account(demo_app)
        console.print("\n[bold]5. Estado[/]")
        click.echo(format_status(collect_status(demo_app)))
    finally:
        demo_app.close()
    summary(console, folder, outcome)
    return outcome


def _demo_account(demo_app: App) -> str:
    """The web office's demo account (role admin: it sees every page), with a fresh random
    password each run; only its hash is stored."""
    import secrets

    from office.demo_text import DEMO_WEB_USER
    from web.accounts import add_user
    from web.models import Role

    password = secrets.token_urlsafe(9)
    add_user(demo_app.database, DEMO_WEB_USER, "Equipo de demostración", Role.ADMIN, password)
    return password


DEMO_CONFIG_MARK = demo_config_text().splitlines()[0]
DEMO_OUTPUTS = ("conectados.db", SANDBOX_STATE, "calendario-*.yaml", "informe-*.html")


def _earlier_demo(folder: Path) -> bool:
    """Whether `folder` holds what an earlier demo left. A folder whose settings are not the
    demo's (they may have been edited: base_datos, say), or that holds a database without
    them, is refused (bad input, exit 2): the demo never deletes a company's data."""
    config = folder / "conectados.toml"
    try:
        text = config.read_text(encoding="utf-8") if config.exists() else None
    except (OSError, UnicodeDecodeError):
        text = ""
    if text is not None and DEMO_CONFIG_MARK not in text:
        raise ConfigError(
            "tiene un conectados.toml que no es de la demostración, y la demostración no lo "
            "borra; elija otra carpeta con --carpeta",
            str(folder),
        )
    if text is None and (folder / "conectados.db").exists():
        raise ConfigError(
            "tiene una base de datos conectados.db que no es de la demostración, y la "
            "demostración no la borra; elija otra carpeta con --carpeta",
            str(folder),
        )
    return text is not None and any(any(folder.glob(name)) for name in DEMO_OUTPUTS)


def _clear(folder: Path) -> None:
    """Remove what an earlier demo left in `folder` (only the files the demo writes; a
    database elsewhere, named by edited settings, keeps its rows)."""
    patterns = (  # not conectados.toml: the demo's settings, maybe edited, stay
        "conectados.db",
        "conectados.db-*",
        "calendario-*.yaml",
        "calendario-*.html",
        "informe-*.html",
        "sectores.yaml",
        SANDBOX_STATE,
        f"{SANDBOX_STATE}.ilegible",
    )
    for pattern in patterns:
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)


def _try_calendar(app: App, folder: Path, console: Console) -> Path:
    """Check and import the sample calendar, moved to next month, and draw its preview."""
    from content_calendar.check import checker_for
    from content_calendar.importer import import_calendar
    from content_calendar.preview import PreviewItem, render_month

    first_day = next_month(app)
    path = folder / f"calendario-{first_day:%Y-%m}.yaml"
    if not path.exists():
        write_atomically(
            path, shifted_calendar(SAMPLE_CALENDAR.read_text(encoding="utf-8"), first_day)
        )
    result = checker_for(app.settings, app.clock.now()).check_file(path)
    for problem in result.problems:
        say(console, escape(str(problem)))
    if result.errors:
        say(console, "El calendario de ejemplo tiene errores; no se importó.")
        return path
    report = import_calendar(app.database, result, str(path.resolve()), app.clock.now())
    say(
        console,
        f"{path.name}: {len(result.entries)} publicaciones revisadas sin errores; "
        f"{len(report.created)} nuevas, {len(report.unchanged)} ya importadas.",
    )
    month = f"{first_day:%Y-%m}"
    page = folder / f"calendario-{month}.html"
    items = [PreviewItem(entry) for entry in result.entries]
    write_atomically(
        page,
        render_month(
            items, month, app.settings.zone, app.settings.company.name, app.settings.media_dir
        ),
    )
    say(console, f"Vista del mes para la reunión de planeación: {page.name}")
    return path
