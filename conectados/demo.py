"""`conectados demo`: a fictitious water utility's whole office, on the simulated networks."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

import content_calendar
from conectados.app import App
from conectados.commands import format_status
from conectados.errors import ConfigError
from conectados.files import write_atomically
from conectados.spanish import MONTHS, WEEKDAYS, number
from conectados.status import collect_status
from conectados.terminal import Command
from conectados.userfiles import os_error_reason

DEMO_FOLDER = "demo"
SANDBOX_STATE = "simulador.json"
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
    for network in ("facebook", "x"):
        lines += ["", f"[channels.{network}]", "leer_cada_minutos = 0.25"]
    # The simulated networks remember their posts and comments here between runs, so that
    # the replies approved after the demo find what they answer.
    lines += ["", "[sandbox]", f"estado = {json.dumps(SANDBOX_STATE)}"]
    return "\n".join(lines) + "\n"


SAMPLE_START = date(2026, 12, 1)
"""The sample calendar's month: the demo moves it to the month after the day it runs."""
WORK_DAY = date(2026, 12, 8)
WORK_HOURS = (8, 14)
WORK_SECTORS = ("La Ceiba", "El Prado", "San Martín")
"""The work the sample calendar announces (tanque Norte): the demo files its notices too."""


def shifted_day(day: date, first_day: date) -> date:
    return day - SAMPLE_START + first_day


def shifted_calendar(text: str, first_day: date) -> str:
    """The sample calendar moved so that its month starts on `first_day` (dates stay ahead);
    «{día 2026-12-08}» in its texts becomes the moved day in words («viernes 8 de enero»)."""

    def move(match: re.Match[str]) -> str:
        return f"fecha: {shifted_day(date.fromisoformat(match.group(1)), first_day).isoformat()}"

    def in_words(match: re.Match[str]) -> str:
        day = shifted_day(date.fromisoformat(match.group(1)), first_day)
        return f"{WEEKDAYS[day.weekday()]} {day.day} de {MONTHS[day.month - 1]}"

    text = re.sub(r"fecha: (\d{4}-\d{2}-\d{2})", move, text)
    return re.sub(r"\{día (\d{4}-\d{2}-\d{2})\}", in_words, text)


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
    folder = app.cwd / Path(carpeta).expanduser()
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
        _say(console, f"[bold]Demostración de Conectados[/] en {folder}", indent=0, hang=3)
        if started_over:
            _say(console, "La carpeta tenía una demostración anterior: se empieza de cero.", 0)
        console.print()
        console.print("[bold]1. El calendario de contenidos[/]")
        calendar = _try_calendar(demo_app, folder, console)
        outcome = _run_office(demo_app, folder, calendar, console, rapido)
        console.print("\n[bold]5. Estado[/]")
        click.echo(format_status(collect_status(demo_app)))
    finally:
        demo_app.close()
    _summary(console, folder, outcome)


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


NETWORK_NAMES = {"facebook": "Facebook", "x": "X", "whatsapp": "WhatsApp"}


def network_name(network: str) -> str:
    return NETWORK_NAMES.get(network, network)


NARRATIVE_WIDTH = 100
"""The demo's text follows a narrow window (80 columns and less) and stops at this width."""


def _say(console: Console, markup: str, indent: int = 3, hang: int = 2) -> None:
    """Print `markup` wrapped to the window: its first line `indent` columns in, the rest
    `hang` more. A path or an address longer than a line stays whole on its own line."""
    from rich.text import Text

    text = Text.from_markup(markup)
    longest = max((len(word) for word in text.plain.split()), default=0)
    width = max(min(console.width, NARRATIVE_WIDTH) - indent - hang, 20, longest)
    for n, line in enumerate(text.wrap(console, width)):
        line.rstrip()
        console.print(Text(" " * (indent + (hang if n else 0))) + line, soft_wrap=True)


def _clear(folder: Path) -> None:
    """Remove what an earlier demo left in `folder` (only the files the demo writes; a
    database elsewhere, named by edited settings, keeps its rows)."""
    patterns = (  # not conectados.toml: the demo's settings, maybe edited, stay
        "conectados.db",
        "conectados.db-*",
        "calendario-*.yaml",
        "calendario-*.html",
        "informe-*.html",
        SANDBOX_STATE,
        f"{SANDBOX_STATE}.ilegible",
    )
    for pattern in patterns:
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)


def _next_month(app: App) -> date:
    """The first day of the month after today's (the company's today)."""
    today = app.clock.now().astimezone(app.settings.zone).date()
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def _try_calendar(app: App, folder: Path, console: Console) -> Path:
    """Check and import the sample calendar, moved to next month, and draw its preview."""
    from content_calendar.check import checker_for
    from content_calendar.importer import import_calendar
    from content_calendar.preview import PreviewItem, render_month

    next_month = _next_month(app)
    path = folder / f"calendario-{next_month:%Y-%m}.yaml"
    if not path.exists():
        write_atomically(
            path, shifted_calendar(SAMPLE_CALENDAR.read_text(encoding="utf-8"), next_month)
        )
    result = checker_for(app.settings, app.clock.now()).check_file(path)
    for problem in result.problems:
        _say(console, escape(str(problem)))
    if result.errors:
        _say(console, "El calendario de ejemplo tiene errores; no se importó.")
        return path
    report = import_calendar(app.database, result, str(path.resolve()), app.clock.now())
    _say(
        console,
        f"{path.name}: {len(result.entries)} publicaciones revisadas sin errores; "
        f"{len(report.created)} nuevas, {len(report.unchanged)} ya importadas.",
    )
    month = f"{next_month:%Y-%m}"
    page = folder / f"calendario-{month}.html"
    items = [PreviewItem(entry) for entry in result.entries]
    write_atomically(
        page,
        render_month(
            items, month, app.settings.zone, app.settings.company.name, app.settings.media_dir
        ),
    )
    _say(console, f"Vista del mes para la reunión de planeación: {page.name}")
    return path


DEMO_MESSAGES = Path(__file__).parent / "demo_mensajes.yaml"
TODAY_POSTS = 3


@dataclass
class Outcome:
    planned: int = 0
    """Publications due in the demo (a post on two networks counts twice)."""
    published: int = 0
    not_published: list[tuple[int, str, str]] = field(default_factory=list)
    """Publication id, network and post of each one that did not go out."""
    failures: list[str] = field(default_factory=list)
    """Why each one that did not go out did not, as the team reads it."""
    on_time: int = 0
    citizens: int = 0
    answered: int = 0
    ticketed: int = 0
    pending: int = 0
    ignored: int = 0
    radicados: list[str] = field(default_factory=list)
    sandbox_posts: int = 0
    sandbox_replies: int = 0
    hidden: int = 0
    report: Path | None = None
    month: str = ""


def _run_office(app: App, folder: Path, calendar: Path, console: Console, quick: bool) -> Outcome:
    """The daemon's jobs, for real and in order, against the simulated networks."""
    import yaml

    from channels.registry import open_channels
    from content_calendar.check import CheckResult, checker_for
    from content_calendar.importer import import_calendar
    from reports.figures import build_report, month
    from reports.render import html
    from responders.protocols import load_catalogue
    from responders.public_text import company_texts
    from responders.service import Responder
    from scheduler.figures import MetricsCollector
    from scheduler.inbox import Inbox
    from scheduler.outbox import Outbox
    from scheduler.publisher import Publisher
    from webhooks.server import WebhookServer, subscribe_to_sandbox, webhook_config

    settings = app.settings
    outcome = Outcome()
    now = app.clock.now()
    _add_notices(app, now, _next_month(app))
    # Three posts of the sample calendar, due in the next seconds, go out on time.
    entries = checker_for(settings, now).check_file(calendar).entries[:TODAY_POSTS]
    step = 1 if quick else 8
    today = [
        replace(entry, id=f"hoy-{n}", scheduled_at=now + timedelta(seconds=step * n))
        for n, entry in enumerate(entries, start=1)
    ]
    import_calendar(
        app.database, CheckResult(path=folder / "hoy.yaml", entries=today), "demo: hoy", now
    )
    due = [entry.scheduled_at for entry in today]
    networks = sum(len(entry.networks) for entry in today)
    _say(console, f"Hoy salen {len(today)} publicaciones del calendario: {_per_network(today)}.")
    with open_channels(settings, app.credentials, app.clock) as opened:
        sandbox = opened.sandbox
        assert sandbox is not None  # the demo's settings name no sandbox URL
        publisher = Publisher(
            app.database, opened.fresh(), app.clock, settings.media_dir, "demo", settings.zone
        )
        console.print("\n[bold]2. Publicar a su hora[/]")
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            console=console, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task("publicando", total=networks)
            while True:
                round_ = publisher.run_once()
                for claimed, receipt in round_.published + round_.recovered:
                    late = (receipt.created_at or app.clock.now()) - claimed.scheduled_at
                    outcome.published += 1
                    outcome.on_time += late.total_seconds() < 60
                    _say(
                        progress.console,
                        f"✓ {network_name(claimed.network)}, {claimed.post_id} "
                        f"(+{number(max(late.total_seconds(), 0), 1)} s): "
                        f"{escape(receipt.url or receipt.remote_id)}",
                    )
                    progress.advance(task)
                for claimed in round_.failed:
                    outcome.not_published.append((claimed.id, claimed.network, claimed.post_id))
                    _say(
                        progress.console,
                        f"[red]✗ {network_name(claimed.network)}, {claimed.post_id}: no salió[/]",
                    )
                    progress.advance(task)
                done = outcome.published + len(outcome.not_published)
                if done >= networks or app.clock.now() > due[-1] + timedelta(seconds=60):
                    break
                left = max((max(due) - app.clock.now()).total_seconds(), 0)
                progress.update(task, description=f"esperando la hora (faltan {left:.0f} s)")
                time.sleep(0.2)
        outcome.planned = networks
        outcome.failures = _why_not_published(app, outcome.not_published)
        published = _published_posts(app)
        console.print("\n[bold]3. Los ciudadanos escriben y Conectados atiende[/]")
        messages = yaml.safe_load(DEMO_MESSAGES.read_text(encoding="utf-8"))
        # WhatsApp pushes its messages: a webhook receiver, subscribed as in Meta's dashboard.
        config = webhook_config(settings, app.credentials)
        with WebhookServer(config, app.database, app.clock, port=0) as receiver:
            subscribe_to_sandbox(sandbox.url, receiver.url, config.verify_token)
            for message in messages:
                body = {
                    "network": message["red"],
                    "kind": message["tipo"],
                    "text": message["texto"],
                    "author": message["autor"],
                }
                if message.get("foto"):
                    body["media"] = "image"
                if message["tipo"] == "comment" and published.get(message["red"]):
                    body["on"] = published[message["red"]]
                sandbox.control("POST", "citizen", body)
                outcome.citizens += 1
        _say(
            console,
            f"{outcome.citizens} mensajes de ciudadanos en las redes simuladas (los de "
            f"WhatsApp llegaron por webhook a {receiver.url}).",
        )
        catalogue = load_catalogue(settings.protocols_dir)
        with console.status("leyendo, respondiendo y radicando…"):
            Inbox(app.database, opened.fresh(), app.clock).run_once()
            Responder(app.database, catalogue, settings, app.clock).run_once()
            Outbox(
                app.database,
                opened.fresh(),
                app.clock,
                "demo",
                hide_exposed=settings.pqr.hide_comments_with_data,
                own_texts=company_texts(settings.company),
            ).run_once()
            MetricsCollector(
                app.database, opened.fresh(), app.clock, settings.metrics.days
            ).run_once()
        state = sandbox.control("GET", "state")
        outcome.sandbox_posts = sum(len(state[name]["posts"]) for name in state)
        outcome.sandbox_replies = sum(len(state[name]["replies"]) for name in state)
        outcome.hidden = sum(len(state[name].get("hidden", [])) for name in state)
    names = {protocol.id: protocol.name for protocol in catalogue}
    _show_decisions(app, console, outcome, since=now, names=names)
    console.print("\n[bold]4. El informe del mes[/]")
    period = month(f"{app.clock.now().astimezone(settings.zone):%Y-%m}", settings.zone)
    with app.database.session() as session:
        report = build_report(
            session.connection(), period, settings.company.name, tuple(settings.channels.by_name()), now=app.clock.now(),
            protocol_names=names,
        )  # fmt: skip
    outcome.month = f"{period.start:%Y-%m}"
    outcome.report = folder / f"informe-{outcome.month}.html"
    write_atomically(outcome.report, html(report))
    _say(console, outcome.report.name)
    return outcome


def _add_notices(app: App, now, first_day: date) -> None:
    """Today's cut in the Centro, and the work the calendar announces, on its moved day."""
    from responders.models import ServiceNotice

    zone = app.settings.zone
    work = shifted_day(WORK_DAY, first_day)
    start, end = (datetime.combine(work, time_of_day(hour), zone) for hour in WORK_HOURS)
    with app.database.session(write=True) as session:
        session.add(
            ServiceNotice(
                sector="Barrio Centro",
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=5),
                reason="cambio de una válvula en la red",
                created_at=now,
            )
        )
        for sector in WORK_SECTORS:
            session.add(
                ServiceNotice(
                    sector=sector,
                    starts_at=start,
                    ends_at=end,
                    reason="lavado del tanque de almacenamiento del sector Norte",
                    created_at=now,
                )
            )


def _why_not_published(app: App, missing: list[tuple[int, str, str]]) -> list[str]:
    """ "hoy-2 en X: la red la rechazó: …" for each publication that did not go out."""
    import sqlalchemy as sa

    from content_calendar.models import Publication

    with app.database.session() as session:
        errors = dict(
            session.execute(
                sa.select(Publication.id, Publication.last_error).where(
                    Publication.id.in_([publication for publication, _, _ in missing])
                )
            ).all()
        )
    return [
        f"{post} en {network_name(network)}: {errors.get(publication) or 'sin motivo registrado'}"
        for publication, network, post in missing
    ]


def _published_posts(app: App) -> dict[str, str]:
    """The remote id of the newest post on each network (citizens comment on it)."""
    import sqlalchemy as sa

    from content_calendar.models import Publication, PublicationState

    with app.database.session() as session:
        rows = session.execute(
            sa.select(Publication.network, Publication.remote_id)
            .where(Publication.state == PublicationState.PUBLISHED)
            .order_by(Publication.published_at)
        ).all()
    return {network: remote_id for network, remote_id in rows}


ACTIONS = {
    "answered": "[green]respondido solo[/]",
    "in_review": "[yellow]en revisión[/]",
    "ignored": "[dim]dejado sin responder[/]",
    "ticketed": "[cyan]radicado[/]",
}


def _per_network(entries) -> str:
    """ "3 en Facebook y 3 en X": what goes out on each network (a post may go to both)."""
    from responders.protocols import spanish_list

    counts: dict[str, int] = {}
    for entry in entries:
        for network in entry.networks:
            counts[network] = counts.get(network, 0) + 1
    return spanish_list(f"{count} en {network_name(network)}" for network, count in counts.items())


def _show_decisions(
    app: App, console: Console, outcome: Outcome, since, names: dict[str, str]
) -> None:
    """What Conectados did with each message of this run (earlier runs stay in the database)."""
    import sqlalchemy as sa

    from responders.models import Interaction, InteractionState, Reply, ReplyState, Ticket

    with app.database.session() as session:
        interactions = (
            session.execute(
                sa.select(Interaction)
                .where(Interaction.received_at >= since)
                .order_by(Interaction.written_at, Interaction.id)
            )
            .scalars()
            .all()
        )
        tickets = {
            ticket.interaction_id: ticket for ticket in session.execute(sa.select(Ticket)).scalars()
        }
        outcome.pending = session.execute(
            sa.select(sa.func.count())
            .select_from(Reply)
            .join(Interaction, Interaction.id == Reply.interaction_id)
            .where(Reply.state == ReplyState.PENDING, Interaction.received_at >= since)
        ).scalar_one()
    for interaction in interactions:
        outcome.answered += interaction.state == InteractionState.ANSWERED
        outcome.ticketed += interaction.state == InteractionState.TICKETED
        outcome.ignored += interaction.state == InteractionState.IGNORED
        ticket = tickets.get(interaction.id)
        if ticket is not None:
            outcome.radicados.append(ticket.radicado)
        state = interaction.state
        topic = names.get(interaction.protocol or "", interaction.protocol)
        if ticket is not None:
            what = f"{ticket.radicado} — {escape(topic or '')}; vence el {ticket.due_date:%Y-%m-%d}"
        elif state == InteractionState.ANSWERED:
            what = f"— {escape(topic or '')}"
        else:
            what = f"[dim]— {escape(interaction.decision or '')}[/]"
        _say(
            console,
            f"• {network_name(interaction.network)}, {escape(interaction.author_name)}: "
            f"«{escape(_short(interaction.text))}»",
        )
        _say(console, f"→ {ACTIONS.get(state.value, state.value)} {what}", indent=5)


def _short(text: str, length: int = 45) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _summary(console: Console, folder: Path, outcome: Outcome) -> None:
    console.print("\n[bold]Resumen[/]")
    late = outcome.published - outcome.on_time
    missing = outcome.planned - outcome.published
    lines = [
        f"Publicadas: {outcome.published} de {outcome.planned}"
        + (f" ({outcome.on_time} a su hora" + (f", {late} tarde)" if late else ")"))
        + (f"; {missing} no {'salió' if missing == 1 else 'salieron'}" if missing else ""),
        *(f"[red]No salió {escape(why)}[/]" for why in outcome.failures),
        *(
            [f"[red]{missing - len(outcome.failures)} seguían sin salir al terminar la espera[/]"]
            if missing > len(outcome.failures)
            else []
        ),
        f"Mensajes de ciudadanos: {outcome.citizens}",
        f"Respondidos solos: {outcome.answered}",
        f"Radicados como PQR: {outcome.ticketed} ({', '.join(sorted(outcome.radicados)) or 'ninguno'})",
        f"Esperan revisión: {outcome.pending}",
        f"Dejados sin responder: {outcome.ignored}",
        f"En las redes simuladas: {outcome.sandbox_posts} publicaciones y "
        f"{outcome.sandbox_replies} respuestas",
        f"Comentarios ocultados por traer datos personales: {outcome.hidden}",
        f"Informe: {outcome.report}",
    ]  # fmt: skip
    for line in lines:
        _say(console, line)
    console.print("\n[bold]Siga con[/]")
    console.print(next_steps(folder, outcome), markup=False)


def conectados_command(
    folder: Path,
    which: Callable[[str], str | None] = shutil.which,
    executable: str = sys.executable,
) -> str:
    """How to run Conectados from `folder`, as typed in a shell: `conectados` when it is on
    the PATH, else the program of this installation (the venv `make demo` made is not active)."""
    if which("conectados"):
        return "conectados"
    script = Path(executable).parent / "conectados"
    if not script.is_file():
        return f"{shlex.quote(executable)} -m conectados"
    relative = Path(os.path.relpath(script.absolute(), folder.absolute()))
    shown = relative if relative.parts.count("..") <= 2 else script.absolute()
    return shlex.quote(str(shown))


def next_steps(folder: Path, outcome: Outcome) -> str:
    """The commands to go on with, each one working as printed once in the demo's folder."""
    run = conectados_command(folder)
    report = outcome.report.name if outcome.report else "informe-*.html"
    # What to do, wrapped as any text; each command alone on its line, to copy as it is.
    return (
        f"   cd {shlex.quote(str(folder))}\n"
        "   Decida lo que quedó pendiente y vea las PQR radicadas y su plazo:\n"
        f"     {run} replies review\n"
        f"     {run} pqr list\n"
        f"   El informe del mes en la terminal (o abra {report} y\n"
        "   calendario-*.html en el navegador):\n"
        f"     {run} report --mes {outcome.month}\n"
        "   El servicio, que envía lo aprobado (su simulador queda en 127.0.0.1:8765):\n"
        f"     {run} daemon\n"
        "   Con el servicio en marcha, en otra terminal y en esta carpeta, escriba como\n"
        "   ciudadano y vea la respuesta:\n"
        f'     {run} sandbox citizen --tipo mensaje "¿Dónde pago la factura?"\n'
        f'     {run} sandbox citizen --red whatsapp --foto "Fuga en la calle 5"\n'
        f"\n(Las redes simuladas recuerdan en {SANDBOX_STATE} lo publicado y lo que\n"
        "escribieron los ciudadanos: lo que apruebe sale cuando el servicio esté en\n"
        "marcha.)"
    )
