"""`conectados demo`: a fictitious water utility, on the simulated networks, end to end so far."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import click

import content_calendar
from conectados.app import App
from conectados.commands import format_status
from conectados.errors import ConfigError
from conectados.files import write_atomically
from conectados.status import collect_status
from conectados.terminal import Command

DEMO_FOLDER = "demo-conectados"
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
SAMPLES = Path(content_calendar.__file__).parent / "ejemplos"
SAMPLE_CALENDAR = SAMPLES / "diciembre-2026.yaml"
# The sample media live in the repository's assets/ (the Makefile installs it editable).
SAMPLE_MEDIA = Path(content_calendar.__file__).resolve().parent.parent / "assets"


def demo_config_text() -> str:
    """Settings of the fictitious company the demo runs: its data, everything else by default."""
    lines = ["# Configuración de la demostración: una empresa ficticia y las redes simuladas.", ""]
    lines.append(f"carpeta_medios = {json.dumps(str(SAMPLE_MEDIA))}")
    lines += ["", "[empresa]"]
    for key, value in DEMO_COMPANY.items():
        lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def shifted_calendar(text: str, first_day: date) -> str:
    """The sample calendar moved so that its month starts on `first_day` (dates stay ahead)."""
    sample_start = date(2026, 12, 1)

    def move(match: re.Match[str]) -> str:
        day = date.fromisoformat(match.group(1)) - sample_start + first_day
        return f"fecha: {day.isoformat()}"

    return re.sub(r"fecha: (\d{4}-\d{2}-\d{2})", move, text)


@click.command(cls=Command)
@click.option(
    "--carpeta",
    default=DEMO_FOLDER,
    metavar="CARPETA",
    help=f"Carpeta donde se prepara la demostración (por defecto ./{DEMO_FOLDER}).",
)
@click.pass_obj
def demo(app: App, carpeta: str) -> None:
    """Demostración con una empresa de ejemplo y el simulador de redes.

    Todo ocurre en una carpeta aparte y con redes simuladas: nada sale de esta máquina.
    """
    folder = app.cwd / Path(carpeta).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ConfigError("existe pero no es una carpeta; elija otra con --carpeta", str(folder))
    config_path = folder / "conectados.toml"
    if not config_path.exists():
        try:
            write_atomically(config_path, demo_config_text())
        except OSError as exc:
            raise ConfigError(
                f"no se pudo preparar la carpeta de la demostración ({exc.strerror})", str(folder)
            ) from None
    demo_app = App(environ={}, cwd=folder, clock=app.clock, config_path=str(config_path))
    try:
        demo_app.database.upgrade()
        click.echo(f"Demostración en {folder}\n")
        click.echo("1. El calendario de contenidos del mes:")
        _try_calendar(demo_app, folder)
        click.echo("\n2. Las redes simuladas:")
        _try_networks(demo_app)
        click.echo("\n3. Estado:")
        click.echo(format_status(collect_status(demo_app)))
    finally:
        demo_app.close()
    click.echo(
        f"\nPara que el servicio publique el calendario a su hora:\n"
        f"  cd {folder} && conectados daemon\n"
        f"Para revisar lo que quedó pendiente:\n  cd {folder} && conectados replies review\n"
        "\nLo que hará la demostración completa (se construye en las próximas entregas):\n"
        "  - Generar el informe mensual de alcance e interacción con gráficas."
    )


def _try_calendar(app: App, folder: Path) -> None:
    """Check and import the sample calendar, moved to next month, and draw its preview."""
    from content_calendar.check import checker_for
    from content_calendar.importer import import_calendar
    from content_calendar.preview import PreviewItem, render_month

    today = app.clock.now().astimezone(app.settings.zone).date()
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    path = folder / f"calendario-{next_month:%Y-%m}.yaml"
    if not path.exists():
        write_atomically(
            path, shifted_calendar(SAMPLE_CALENDAR.read_text(encoding="utf-8"), next_month)
        )
    result = checker_for(app.settings, app.clock.now()).check_file(path)
    for problem in result.problems:
        click.echo(f"   {problem}")
    if result.errors:
        click.echo("   El calendario de ejemplo tiene errores; no se importó.")
        return
    report = import_calendar(app.database, result, str(path.resolve()), app.clock.now())
    click.echo(
        f"   {path.name}: {len(result.entries)} publicaciones revisadas sin errores; "
        f"{len(report.created)} nuevas, {len(report.unchanged)} ya importadas."
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
    click.echo(f"   Vista del mes para la reunión de planeación: {page}")


CITIZENS = {
    "facebook": [
        ("comment", "Ana Pérez", "¿Cuándo vuelve el agua al barrio Centro?"),
        (
            "comment",
            "Luis Gómez",
            "Me cobraron dos veces el cargo fijo este mes, exijo la devolución",
        ),
        ("comment", "Promociones YA", "Vendo barato celulares, escribir al interno"),
    ],
    "x": [
        (
            "mention",
            "Marta Ruiz",
            "@acueducto_ejemplo ¿Dónde puedo pagar la factura? ¿Reciben PSE?",
        ),
    ],
}


def _try_networks(app: App) -> None:
    """Publish on each simulated network, let citizens write, and answer them as the daemon does."""
    import sqlalchemy as sa

    from channels.base import Outgoing
    from channels.registry import open_channels
    from responders.models import ServiceNotice
    from responders.protocols import load_catalogue
    from responders.service import Responder
    from scheduler.inbox import Inbox
    from scheduler.outbox import Outbox

    now = app.clock.now()
    with app.database.session() as session:
        if not session.execute(sa.select(sa.func.count()).select_from(ServiceNotice)).scalar():
            session.add(
                ServiceNotice(
                    sector="Barrio Centro",
                    starts_at=now - timedelta(hours=1),
                    ends_at=now + timedelta(hours=5),
                    reason="cambio de una válvula en la red",
                    created_at=now,
                )
            )
    with open_channels(app.settings, app.credentials, app.clock) as opened:
        assert opened.sandbox is not None  # the demo's settings name no sandbox URL
        for name, channel in opened.channels.items():
            receipt = channel.publish(
                Outgoing("demo-bienvenida", f"Bienvenidos al canal de atención de {name}.")
            )
            click.echo(f"   {name:<9} publicado: {receipt.url or receipt.remote_id}")
            for kind, author, text in CITIZENS.get(name, []):
                opened.sandbox.control(
                    "POST",
                    "citizen",
                    {
                        "network": name,
                        "kind": kind,
                        "text": text,
                        "author": author,
                        "on": receipt.remote_id,
                    },
                )
        Inbox(app.database, opened.channels, app.clock).run_once()
        Responder(
            app.database, load_catalogue(app.settings.protocols_dir), app.settings, app.clock
        ).run_once()
        Outbox(app.database, opened.channels, app.clock, "demo").run_once()
    click.echo("\n   Lo que escribieron los ciudadanos y qué hizo Conectados:")
    _show_decisions(app)


def _show_decisions(app: App) -> None:
    import sqlalchemy as sa

    from responders.models import Interaction, Reply, ReplyState, Ticket

    actions = {
        "answered": "respondido solo",
        "in_review": "en revisión",
        "ignored": "dejado sin responder",
        "ticketed": "radicado",
    }
    with app.database.session() as session:
        interactions = (
            session.execute(sa.select(Interaction).order_by(Interaction.written_at, Interaction.id))
            .scalars()
            .all()
        )
        replies = session.execute(sa.select(Reply).order_by(Reply.id)).scalars().all()
        tickets = {
            ticket.interaction_id: ticket for ticket in session.execute(sa.select(Ticket)).scalars()
        }
    for interaction in interactions:
        click.echo(
            f"   - {interaction.network}, {interaction.author_name}: «{interaction.text}»\n"
            f"     {actions.get(interaction.state.value, interaction.state.value)}"
            f" ({interaction.protocol or 'sin protocolo'}): {interaction.decision}"
        )
        ticket = tickets.get(interaction.id)
        if ticket is not None:
            click.echo(f"     radicado {ticket.radicado}, vence el {ticket.due_date:%Y-%m-%d}")
        for reply in replies:
            if reply.interaction_id == interaction.id and reply.state == ReplyState.SENT:
                where = "en público" if reply.visibility.value == "public" else "en privado"
                click.echo(f"     respuesta enviada {where}:")
                for line in reply.text.splitlines():
                    click.echo(f"       {line}")
