"""`conectados replies ...`: the team reads, approves, edits or rejects the drafted replies.

Thin: each command parses, calls `responders.review` (or the filing) and prints.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

import click
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from conectados.app import App
from conectados.db import Database
from conectados.errors import BadInput, ConectadosError
from conectados.spanish import percent
from conectados.tables import Field, Listing, print_listing, screen_console, short_moment
from conectados.terminal import Group, RowId
from responders.cli_shared import print_message, reviewer_name, ticket_types
from responders.commands import _short, catalogue_for, protocol_names
from responders.errors import AlreadyDecided, ChangedMeanwhile
from responders.models import ReplyKind, ReplyState, ReplyVisibility
from responders.pipeline import privacy_notice, scrub
from responders.protocols import RenderError
from responders.public_text import company_texts
from responders.review import (
    STATE_NAMES,
    STATES_BY_NAME,
    Case,
    decide_reply,
    destination,
    draft_context,
    list_replies,
    load_case,
    pending_reply_ids,
)
from responders.service import AUTOMATIC

REPLY_ID = RowId("no hay ninguna respuesta con id {id}; vea «conectados replies list»")


@click.group(cls=Group)
def replies() -> None:
    """Respuestas a los ciudadanos: revisar, aprobar, corregir o rechazar."""


@replies.command(name="list")
@click.option(
    "--estado",
    type=click.Choice([*STATES_BY_NAME, "todas"]),
    default="pendiente",
    help="Cuáles mostrar (por omisión, las pendientes).",
)
@click.option(
    "--limite",
    type=click.IntRange(1, 10_000),
    default=50,
    metavar="N",
    help="Cuántas mostrar como máximo (por omisión, 50).",
)
@click.pass_obj
def list_(app: App, estado: str, limite: int) -> None:
    """Lista las respuestas (por omisión, las que esperan a una persona)."""
    state = None if estado == "todas" else STATES_BY_NAME[estado]
    rows, radicados = list_replies(app.ready_database(), state, limite)
    if not rows:
        plural = {"pendiente": "pendientes", "aprobada": "aprobadas", "enviando": "enviándose",
                  "enviada": "enviadas", "rechazada": "rechazadas", "fallida": "fallidas"}  # fmt: skip
        click.echo(
            "No hay respuestas." if estado == "todas" else f"No hay respuestas {plural[estado]}."
        )
        return
    zone = app.settings.zone
    today = app.clock.now().astimezone(zone).date()
    names = protocol_names(app)
    listing = Listing(
        f"Respuestas ({estado})",
        (
            Field("id"),
            Field("llegó", priority=3),
            Field("red", priority=2),
            Field("autor", "text", priority=1, max_width=20),
            Field("mensaje", "preview", min_width=20, max_width=60),
            Field("protocolo", "text", priority=2, min_width=14, max_width=30),
            Field("conf.", priority=4, card_label="confianza"),
            Field("estado", "text", min_width=9, max_width=40),
            Field("por qué", "text", priority=3, min_width=14, max_width=40),
        ),
        heading=("id", "estado"),
        hidden_hint="conectados replies show ID",
    )
    for reply, interaction in rows:
        state = STATE_NAMES[reply.state]
        if (
            reply.state == ReplyState.REJECTED
            and reply.ticket_id in radicados
            and (reply.review_note or "").startswith("reemplazada")
        ):
            # A draft settled by a filing: its acknowledgement went instead.
            state = f"reemplazada por el radicado {radicados[reply.ticket_id]}"
        ticket_answer = reply.kind == ReplyKind.TICKET_ANSWER
        listing.add(
            str(reply.id),
            short_moment(interaction.written_at.astimezone(zone), today),
            interaction.network,
            interaction.author_name or interaction.author_id,
            interaction.text,
            "respuesta de PQR"
            if ticket_answer
            else names.get(reply.protocol, reply.protocol)
            if reply.protocol
            else "",
            "" if ticket_answer or not reply.protocol else percent(reply.confidence, 0),
            state,
            _short(reply.last_error or reply.review_note or "", 200),
        )
    print_listing(listing, app.environ)
    if estado == "pendiente":
        click.echo("Para decidirlas una a una: «conectados replies review».")


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
        console.print(Text(f"En la publicación: «{_short(case.post_text, 140)}»"))
    for earlier in reversed(case.earlier):
        console.print(
            Text(
                f"Antes ({earlier.written_at.astimezone(zone):%m-%d %H:%M}): «{_short(earlier.text, 120)}»"
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
                f"{STATE_NAMES[other.state]}): «{_short(other.text, 200)}»"
            ),
            style="dim",
        )


def _named(names: dict[str, str], protocol: str) -> str:
    """ "Reclamo por facturación (reclamo_facturacion)": the name people read, then the id."""
    name = names.get(protocol)
    return f"{name} ({protocol})" if name else protocol


@replies.command()
@click.argument("reply_id", type=REPLY_ID, metavar="ID")
@click.pass_obj
def show(app: App, reply_id: int) -> None:
    """Muestra una respuesta con su contexto: la publicación, mensajes anteriores, el borrador."""
    case = load_case(app.ready_database(), reply_id)
    print_case(app, case, screen_console(app.environ))


@replies.command()
@click.argument("reply_id", type=REPLY_ID, metavar="ID")
@click.option("--texto", help="Reemplaza el borrador por este texto antes de aprobar.")
@click.option(
    "--privado",
    is_flag=True,
    help="La envía por mensaje privado al ciudadano en vez de en público (si la red lo permite).",
)
@click.pass_obj
def approve(app: App, reply_id: int, texto: str | None, privado: bool) -> None:
    """Aprueba una respuesta pendiente; el servicio la envía una sola vez.

    Una respuesta pública con datos personales (cédula, cuenta, teléfono, dirección, correo)
    no se aprueba: quite los datos o envíela en privado con --privado.
    """
    hint = f"con «conectados replies approve {reply_id} --privado" + (
        " --texto …»" if texto is not None else "»"
    )
    reply = decide_reply(
        app.ready_database(),
        reply_id,
        True,
        reviewer_name(app),
        app.clock.now(),
        text=texto,
        whatsapp_template=app.settings.channels.whatsapp.template,
        own_texts=company_texts(app.settings.company),
        private=privado,
        private_hint=hint,
        notice=privacy_notice(app.settings),
        catalogue=catalogue_for(app),
    )
    where = " en privado" if reply.visibility == ReplyVisibility.PRIVATE else ""
    click.echo(f"Respuesta {reply.id} aprobada; el servicio la enviará{where} en su próxima ronda.")


@replies.command()
@click.argument("reply_id", type=REPLY_ID, metavar="ID")
@click.option("--motivo", help="Por qué no se responde (queda registrado).")
@click.pass_obj
def reject(app: App, reply_id: int, motivo: str | None) -> None:
    """Rechaza una respuesta pendiente: no se enviará."""
    reply = decide_reply(
        app.ready_database(), reply_id, False, reviewer_name(app), app.clock.now(), note=motivo
    )
    click.echo(f"Respuesta {reply.id} rechazada; no se enviará.")


EDITOR_MARK = "------ Escriba la respuesta arriba de esta línea; lo de abajo se ignora ------"
KEYS = (
    "[a] aprobar  [v] aprobar en privado  [e] editar  [p] cambiar protocolo  [r] rechazar  "
    "[d] radicar PQR  [s] saltar  [q] salir"
)


def _key() -> str:
    """One key from the terminal, or one line when the input is not a terminal (scripts, tests)."""
    if sys.stdin.isatty():
        return click.getchar().lower()
    line = sys.stdin.readline()
    if not line:
        return "q"
    return line.strip().lower()[:1]


def _edit(draft: str) -> str | None:
    """The edited text: in $EDITOR when there is one and a terminal, else typed in one line."""
    if os.environ.get("EDITOR") and sys.stdin.isatty():
        edited = click.edit(f"{draft}\n{EDITOR_MARK}\n")
        if edited is None:
            return None
        return edited.split(EDITOR_MARK)[0].strip()
    click.echo("Escriba la respuesta en una línea (Enter vacío: dejar el borrador):")
    typed = sys.stdin.readline().strip() if not sys.stdin.isatty() else input().strip()
    return typed or None


@replies.command()
@click.pass_obj
def review(app: App) -> None:
    """Revisa una a una las respuestas pendientes, con su contexto, y decide con una tecla."""
    database = app.ready_database()
    catalogue = catalogue_for(app)
    console = screen_console(app.environ)
    reviewer = reviewer_name(app)
    own_texts = company_texts(app.settings.company)
    notice = privacy_notice(app.settings)
    ids = pending_reply_ids(database)
    if not ids:
        click.echo("No hay respuestas pendientes.")
        return
    done = {"aprobadas": 0, "rechazadas": 0, "radicadas": 0, "saltadas": 0}
    for number, reply_id in enumerate(ids, start=1):
        case = load_case(database, reply_id)
        if case.reply.state != ReplyState.PENDING:
            continue  # someone else decided it meanwhile
        text, protocol = case.reply.text, case.reply.protocol
        while True:
            console.rule(f"{number} de {len(ids)}")
            print_case(app, case, console)
            if text != case.reply.text:
                console.print(Text("Nuevo texto:"))
                console.print(Panel(Text(text)))
            click.echo(KEYS)
            key = _key()
            try:
                if key in ("a", "v"):
                    decide_reply(
                        database,
                        reply_id,
                        True,
                        reviewer,
                        app.clock.now(),
                        text,
                        protocol,
                        whatsapp_template=app.settings.channels.whatsapp.template,
                        own_texts=own_texts,
                        private=key == "v",
                        private_hint="con la tecla [v]",
                        notice=notice,
                        catalogue=catalogue,
                        filing_hint="con la tecla [d]",
                    )
                    done["aprobadas"] += 1
                    where = " por mensaje privado" if key == "v" else ""
                    click.echo(f"Aprobada: se enviará{where} una sola vez.")
                    break
                if key == "d":
                    if _file_as_pqr(app, database, case, protocol, reviewer):
                        done["radicadas"] += 1
                        break
                    continue
                if key == "r":
                    click.echo("Motivo (Enter para ninguno):")
                    note = (
                        sys.stdin.readline().strip() if not sys.stdin.isatty() else input().strip()
                    )
                    decide_reply(
                        database, reply_id, False, reviewer, app.clock.now(), note=note or None
                    )
                    done["rechazadas"] += 1
                    click.echo("Rechazada.")
                    break
            except (AlreadyDecided, ChangedMeanwhile) as error:
                click.echo(f"No se pudo: {error}")
                break  # decided elsewhere: on to the next one
            except (BadInput, ConectadosError) as error:
                click.echo(f"No se pudo: {error}")
                continue
            if key == "e":
                edited = _edit(text)
                if edited:
                    text = edited
            elif key == "p":
                found = _choose_protocol(catalogue)
                if found is None:
                    continue
                protocol = found.id
                context = draft_context(database, app.settings, app.clock.now(), case)
                try:
                    private = case.reply.visibility == ReplyVisibility.PRIVATE
                    text = found.render(context, private=private)
                    if not private:  # what the citizen wrote of their own data stays out
                        text = scrub(text, case.interaction)
                except RenderError as error:
                    click.echo(f"No se pudo: {error}")
                    continue
                click.echo(f"Protocolo cambiado a {found.name}; nuevo borrador abajo.")
            elif key == "s":
                done["saltadas"] += 1
                break
            elif key == "q":
                click.echo(_summary(done))
                return
            else:
                click.echo("Tecla no válida.")
    click.echo(_summary(done))


def _line() -> str:
    return (sys.stdin.readline() if not sys.stdin.isatty() else input()).strip()


def _choose_protocol(catalogue):
    """[p]: the protocols by name, numbered; a number (or an id) picks one, Enter cancels."""
    protocols = list(catalogue)
    click.echo("Protocolos:")
    for number, protocol in enumerate(protocols, start=1):
        click.echo(f"  {number:>2}. {protocol.name}")
    click.echo("Escriba el número del protocolo (Enter: volver sin cambiarlo):")
    chosen = _line()
    if not chosen:
        click.echo("Sin cambios.")
        return None
    if chosen.isdigit() and 1 <= int(chosen) <= len(protocols):
        return protocols[int(chosen) - 1]
    found = catalogue.get(chosen)
    if found is None:
        click.echo(f"«{chosen[:40]}» no es un número de la lista (1 a {len(protocols)}).")
    return found


def _file_as_pqr(app: App, database: Database, case: Case, protocol, reviewer: str) -> bool:
    """[d]: the type (and causal) asked, then the same filing as «pqr radicar --respuesta»."""
    from responders.filing import file_from_interaction, filing_lines
    from responders.service import Responder
    from responders.sspd import CAUSALES
    from responders.terms import TicketType
    from responders.tickets import TYPE_NAMES

    catalogue = catalogue_for(app)
    found = catalogue.get(protocol) if protocol else None
    suggested = TicketType(found.pqr_type) if found is not None and found.pqr_type else None
    names = ", ".join(TYPE_NAMES[kind] for kind in TicketType)
    click.echo(
        f"Tipo de PQR ({names})" + (f"; Enter: {TYPE_NAMES[suggested]}:" if suggested else ":")
    )
    typed = _line()
    value = suggested.value if suggested and not typed else None
    if typed:
        try:
            value = ticket_types().convert(typed, None, None)
        except click.BadParameter:
            value = None
    if not value:
        click.echo(
            f"No se radicó: «{typed[:40]}» no es un tipo de PQR." if typed else "No se radicó."
        )
        return False
    causal = None
    while True:
        click.echo(
            "Causal SSPD (código; «?» para ver la lista; Enter: la que corresponda al mensaje):"
        )
        typed = _line()
        if typed != "?":
            causal = typed or None
            break
        for listed in CAUSALES.values():
            click.echo(f"  {listed.code}  {listed.name}")
    responder = Responder(database, catalogue, app.settings, app.clock)
    filing = file_from_interaction(
        database,
        responder,
        case.interaction.id,
        reviewer,
        app.clock.now(),
        TicketType(value),
        causal,
        reply_id=case.reply.id,
        protocol_id=protocol,
    )
    for line in filing_lines(filing, app.settings.zone):
        click.echo(line)
    return True


def _summary(done: dict[str, int]) -> str:
    words = {
        "aprobadas": "aprobada",
        "rechazadas": "rechazada",
        "radicadas": "radicada",
        "saltadas": "saltada",
    }
    parts = [f"{count} {name if count != 1 else words[name]}" for name, count in done.items()]
    return "Revisión terminada: " + ", ".join(parts) + "."
