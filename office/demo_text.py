"""What the demo says: its narration, its summary and the commands to go on with; and the
sample calendar's dates, moved to the month after the day the demo runs."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from channels.specs import display_name
from conectados.app import App
from conectados.spanish import MONTHS, WEEKDAYS, spanish_list

SANDBOX_STATE = "simulador.json"
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


def next_month(app: App) -> date:
    """The first day of the month after today's (the company's today)."""
    today = app.clock.now().astimezone(app.settings.zone).date()
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


NARRATIVE_WIDTH = 100
"""The demo's text follows a narrow window (80 columns and less) and stops at this width."""


def say(console: Console, markup: str, indent: int = 3, hang: int = 2) -> None:
    """Print `markup` wrapped to the window: its first line `indent` columns in, the rest
    `hang` more. A path or an address longer than a line stays whole on its own line."""
    from rich.text import Text

    text = Text.from_markup(markup)
    longest = max((len(word) for word in text.plain.split()), default=0)
    width = max(min(console.width, NARRATIVE_WIDTH) - indent - hang, 20, longest)
    for n, line in enumerate(text.wrap(console, width)):
        line.rstrip()
        console.print(Text(" " * (indent + (hang if n else 0))) + line, soft_wrap=True)


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
    notices: NoticesOutcome | None = None
    """What the WhatsApp notices part did (office.demo_notices)."""
    web_password: str = ""
    """The demo account's password for the web office, printed once (never stored in clear)."""


@dataclass
class NoticesOutcome:
    """The demo's WhatsApp notices: who subscribed, whom the cut notice reached, who left."""

    subscribed: int = 0
    notice_id: int | None = None
    reached: int = 0
    """Subscribers the notice was queued for (`avisos estado`'s «alcanzados»)."""
    sent: int = 0
    """Of them, those WhatsApp took (sent, delivered or read)."""
    delivered: int = 0
    read: int = 0
    failed: int = 0
    confirmed: bool = False
    """Whether WhatsApp's statuses of every send had come when the figures were read."""
    left: int = 0
    subscribed_after: int = 0
    messages: int = 0
    """The citizens' messages of this part (subscribing, leaving)."""
    answered: int = 0


ACTIONS = {
    "answered": "[green]respondido solo[/]",
    "in_review": "[yellow]en revisión[/]",
    "ignored": "[dim]dejado sin responder[/]",
    "ticketed": "[cyan]radicado[/]",
}


def per_network(entries) -> str:
    """ "3 en Facebook y 3 en X": what goes out on each network (a post may go to both)."""
    counts: dict[str, int] = {}
    for entry in entries:
        for network in entry.networks:
            counts[network] = counts.get(network, 0) + 1
    return spanish_list(f"{count} en {display_name(network)}" for network, count in counts.items())


def short(text: str, length: int = 45) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def summary(console: Console, folder: Path, outcome: Outcome) -> None:
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
        f"Mensajes de ciudadanos: {outcome.citizens}"
        + (
            f" ({outcome.notices.messages} para suscribirse a avisos o salir)"
            if outcome.notices and outcome.notices.messages
            else ""
        ),
        f"Respondidos solos: {outcome.answered}",
        f"Radicados como PQR: {outcome.ticketed} ({', '.join(sorted(outcome.radicados)) or 'ninguno'})",
        f"Esperan revisión: {outcome.pending}",
        f"Dejados sin responder: {outcome.ignored}",
        f"En las redes simuladas: {outcome.sandbox_posts} publicaciones y "
        f"{outcome.sandbox_replies} respuestas",
        f"Comentarios ocultados por traer datos personales: {outcome.hidden}",
        *notices_lines(outcome.notices),
        f"Informe: {outcome.report}",
    ]  # fmt: skip
    for line in lines:
        say(console, line)
    console.print("\n[bold]Siga con[/]")
    width = min(console.width, COMMAND_WIDTH)
    console.print(next_steps(folder, outcome, width), markup=False, soft_wrap=True)


def notices_lines(notices: NoticesOutcome | None) -> list[str]:
    """The summary's lines about the WhatsApp notices."""
    if notices is None:
        return []
    seen = (
        f"entregado a {notices.delivered}, leído por {notices.read}"
        if notices.confirmed
        else "entregas por confirmar"
    )
    failed = f", {notices.failed} fallidos" if notices.failed else ""
    return [
        f"Suscritos a avisos por WhatsApp: {notices.subscribed}; el aviso de corte "
        f"{notices.notice_id} se envió a {notices.sent} de {notices.reached} ({seen}{failed}); "
        f"{notices.left} se dio de baja ("
        + ("queda 1" if notices.subscribed_after == 1 else f"quedan {notices.subscribed_after}")
        + ")",
    ]


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


COMMAND_WIDTH = 80
"""The widest a printed command gets: longer ones go on with « \\» on the next line."""


def command_lines(run: str, pieces: tuple[str, ...], width: int = COMMAND_WIDTH) -> str:
    """`run` and its `pieces` (an option with its value, a quoted text: never split) five
    columns in, as lines of at most `width` columns; a line that goes on ends in « \\», as a
    shell reads it, and the next one starts seven columns in."""
    lines = [f"     {run}"]
    for piece in pieces:
        # Room is kept on every line for the « \\» that may have to end it.
        if len(lines[-1]) + 1 + len(piece) + 2 <= width:
            lines[-1] += f" {piece}"
        else:
            lines[-1] += " \\"
            lines.append(f"       {piece}")
    return "\n".join(lines) + "\n"


def _notices_steps(outcome: Outcome, command: Callable[..., str]) -> str:
    """How to look at the WhatsApp notice the demo sent, and at its subscribers."""
    if outcome.notices is None or outcome.notices.notice_id is None:
        return ""
    return (
        "   A quién llegó el aviso por WhatsApp (enviados, entregados, leídos, fallidos)\n"
        "   y quiénes están suscritos, con su consentimiento:\n"
        + command("avisos estado", str(outcome.notices.notice_id))
        + command("suscriptores list")
    )


DEMO_WEB_USER = "demo"
DEMO_WEB_PORT = 8000


def _web_steps(outcome: Outcome, command: Callable[..., str]) -> str:
    """How to open the web office on the demo's data, with the demo account (shown once)."""
    if not outcome.web_password:
        return ""
    return (
        "   La oficina web (revisión, PQR, calendario, avisos, informe), en el navegador:\n"
        + command("web")
        + f"   y abra http://127.0.0.1:{DEMO_WEB_PORT} con el usuario {DEMO_WEB_USER} y la\n"
        f"   contraseña {outcome.web_password} (se muestra solo esta vez; cree las\n"
        "   cuentas de su equipo con «conectados usuarios add»).\n"
    )


def next_steps(folder: Path, outcome: Outcome, width: int = COMMAND_WIDTH) -> str:
    """The commands to go on with, each one working as printed once in the demo's folder."""
    run = conectados_command(folder)
    report = outcome.report.name if outcome.report else "informe-*.html"

    def command(*pieces: str) -> str:
        return command_lines(run, pieces, width)

    # What to do, wrapped as any text; each command alone on its line(s), to copy as it is.
    return (
        f"   cd {shlex.quote(str(folder))}\n"
        "   Decida lo que quedó pendiente y vea las PQR radicadas y su plazo:\n"
        + command("replies review")
        + command("pqr list")
        + f"   El informe del mes en la terminal (o abra {report} y\n"
        "   calendario-*.html en el navegador):\n"
        + command("report", f"--mes {outcome.month}")
        + "   El servicio, que envía lo aprobado (su simulador queda en 127.0.0.1:8765):\n"
        + command("daemon")
        + "   Con el servicio en marcha, en otra terminal y en esta carpeta, escriba como\n"
        "   ciudadano y vea la respuesta:\n"
        + command("sandbox citizen", "--tipo mensaje", '"¿Dónde pago la factura?"')
        + command("sandbox citizen", "--red whatsapp", "--foto", '"Fuga en la calle 5"')
        + command("sandbox citizen", "--red instagram", '"¿Atienden el sábado?"')
        + _notices_steps(outcome, command)
        + _web_steps(outcome, command)
        + f"\n(Las redes simuladas recuerdan en {SANDBOX_STATE} lo publicado y lo que\n"
        "escribieron los ciudadanos: lo que apruebe sale cuando el servicio esté en\n"
        "marcha.)"
    )
