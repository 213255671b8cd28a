"""How `replies show` and `replies review` print one case: the message, its context, the
draft, where it will go and who decided it."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from conectados.app import App
from conectados.spanish import percent
from conectados.tables import wrap_text
from responders.cli_shared import print_message, protocol_names, shortened
from responders.models import ReplyState, ReplyVisibility
from responders.reply_listing import STATE_NAMES
from responders.review import Case, destination
from responders.service import AUTOMATIC


def _where_line(case: Case) -> str:
    reply, interaction = case.reply, case.interaction
    where = destination(interaction.network, interaction.kind, reply.visibility)
    if reply.state == ReplyState.SENT:
        return f"Se envió como: {where}."
    if reply.state in (ReplyState.REJECTED, ReplyState.FAILED):
        return f"Iba como: {where}."
    line = f"Se enviará como: {where}."
    if reply.state == ReplyState.PENDING and reply.visibility == ReplyVisibility.PUBLIC:
        private = destination(interaction.network, interaction.kind, ReplyVisibility.PRIVATE)
        if private != where:
            line += f" En privado ([v] o --privado) iría como: {private}."
    return line


def decided_line(who: str | None, when: datetime | None, zone) -> str:
    """ "Decidió: ana, el 2026-03-10 10:05" (or what the responder did on its own)."""
    if not who:
        return ""
    moment = f", el {when.astimezone(zone):%Y-%m-%d %H:%M}" if when else ""
    if who == AUTOMATIC:
        return f"Decidió: el servicio, automáticamente{moment}"
    return f"Decidió: {who}{moment}"


def print_case(app: App, case: Case, console: Console) -> None:
    zone = app.settings.zone
    reply, interaction = case.reply, case.interaction
    kinds = {
        "comment": "a un comentario público",
        "mention": "a una mención pública",
        "message": "a un mensaje privado",
    }
    header = (
        f"Respuesta {reply.id} · {interaction.network} · {kinds.get(interaction.kind.value, '')} · "
        f"{interaction.written_at.astimezone(zone):%Y-%m-%d %H:%M} · {STATE_NAMES[reply.state]}"
    )
    _say(console, header, "bold")
    _say(console, _where_line(case), "bold")
    decided = reply.state != ReplyState.PENDING and decided_line(
        reply.reviewer, reply.decided_at, zone
    )
    if decided:
        _say(console, decided)
    if case.post_text:
        _say(console, f"En la publicación: «{shortened(case.post_text, 140)}»")
    for earlier in reversed(case.earlier):
        _say(
            console,
            f"Antes ({earlier.written_at.astimezone(zone):%m-%d %H:%M}): «{shortened(earlier.text, 120)}»",
            "dim",
        )
    print_message(console, interaction)
    names = protocol_names(app)
    suggestion = (
        f"{_named(names, reply.protocol)} (confianza {percent(reply.confidence, 0)})"
        if reply.protocol
        else "ninguno"
    )
    _say(console, f"Protocolo sugerido: {suggestion}")
    if reply.review_note:
        _say(console, f"Por qué está aquí: {reply.review_note}")
    if reply.last_error:
        _say(console, f"Último error: {reply.last_error}", "red")
    console.print(Text("Borrador:" if reply.state == ReplyState.PENDING else "Texto:"))
    console.print(Panel(Text(reply.text or "(vacío: escriba la respuesta)")))
    for other in case.others:
        _say(
            console,
            f"Otra respuesta para este mensaje: {other.id} "
            f"({_named(names, other.protocol) if other.protocol else 'sin protocolo'}, "
            f"{STATE_NAMES[other.state]}): «{shortened(other.text, 200)}»",
            "dim",
        )


def _say(console: Console, text: str, style: str = "") -> None:
    """One line of the case wrapped to the window, «confianza 39 %» never split."""
    for line in wrap_text(console, text, console.width, style):
        console.print(line, soft_wrap=True)


def _named(names: dict[str, str], protocol: str) -> str:
    """ "Reclamo por facturación (reclamo_facturacion)": the name people read, then the id."""
    name = names.get(protocol)
    return f"{name} ({protocol})" if name else protocol
