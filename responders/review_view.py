"""How `replies show` and `replies review` print one case: the message, its context, the
draft, where it will go and who decided it."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from conectados.app import App
from conectados.spanish import percent
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
    header = Text(
        f"Respuesta {reply.id} · {interaction.network} · {kinds.get(interaction.kind.value, '')} · "
        f"{interaction.written_at.astimezone(zone):%Y-%m-%d %H:%M} · {STATE_NAMES[reply.state]}"
    )
    console.print(header, style="bold")
    console.print(Text(_where_line(case)), style="bold")
    decided = reply.state != ReplyState.PENDING and decided_line(
        reply.reviewer, reply.decided_at, zone
    )
    if decided:
        console.print(Text(decided))
    if case.post_text:
        console.print(Text(f"En la publicación: «{shortened(case.post_text, 140)}»"))
    for earlier in reversed(case.earlier):
        console.print(
            Text(
                f"Antes ({earlier.written_at.astimezone(zone):%m-%d %H:%M}): «{shortened(earlier.text, 120)}»"
            ),
            style="dim",
        )
    print_message(console, interaction)
    names = protocol_names(app)
    suggestion = (
        f"{_named(names, reply.protocol)} (confianza {percent(reply.confidence, 0)})"
        if reply.protocol
        else "ninguno"
    )
    console.print(Text(f"Protocolo sugerido: {suggestion}"))
    if reply.review_note:
        console.print(Text(f"Por qué está aquí: {reply.review_note}"))
    if reply.last_error:
        console.print(Text(f"Último error: {reply.last_error}"), style="red")
    console.print(Text("Borrador:" if reply.state == ReplyState.PENDING else "Texto:"))
    console.print(Panel(Text(reply.text or "(vacío: escriba la respuesta)")))
    for other in case.others:
        console.print(
            Text(
                f"Otra respuesta para este mensaje: {other.id} "
                f"({_named(names, other.protocol) if other.protocol else 'sin protocolo'}, "
                f"{STATE_NAMES[other.state]}): «{shortened(other.text, 200)}»"
            ),
            style="dim",
        )


def _named(names: dict[str, str], protocol: str) -> str:
    """ "Reclamo por facturación (reclamo_facturacion)": the name people read, then the id."""
    name = names.get(protocol)
    return f"{name} ({protocol})" if name else protocol
