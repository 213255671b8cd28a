"""`conectados replies review`: the pending replies one by one, each decided with one key
(approve, approve in private, edit, change protocol, reject, reject as none of the company's
business, file as PQR, skip, quit). Each decision but a plain rejection is learned."""

from __future__ import annotations

import os
import sys

import click
from rich.panel import Panel
from rich.text import Text

from conectados.app import App
from conectados.db import Database
from conectados.errors import BadInput, ConectadosError
from conectados.tables import screen_console
from responders.cli_shared import catalogue_for, reviewer_name, ticket_types
from responders.errors import AlreadyDecided, ChangedMeanwhile
from responders.models import ReplyState
from responders.pipeline import privacy_notice
from responders.protocols import RenderError
from responders.public_text import company_texts
from responders.reply_listing import pending_reply_ids
from responders.review import (
    NOT_OURS_NOTE,
    Case,
    decide_reply,
    load_case,
    redraft,
    window_templates_of,
)
from responders.review_view import print_case

EDITOR_MARK = "------ Escriba la respuesta arriba de esta línea; lo de abajo se ignora ------"
KEYS = (
    "[a] aprobar",
    "[v] aprobar en privado",
    "[e] editar",
    "[p] cambiar protocolo",
    "[r] rechazar",
    "[n] no es de la empresa",
    "[d] radicar PQR",
    "[s] saltar",
    "[q] salir",
)


def key_lines(width: int) -> list[str]:
    """The keys, two spaces apart, on as many lines of at most `width` columns as they
    need; a key and its words are never split."""
    lines = [KEYS[0]]
    for key in KEYS[1:]:
        if len(lines[-1]) + 2 + len(key) <= width:
            lines[-1] += f"  {key}"
        else:
            lines.append(key)
    return lines


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


def run_review(app: App) -> None:
    """`replies review`: each pending reply shown, decided with one key."""
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
            for line in key_lines(console.width):
                click.echo(line)
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
                        window_templates=window_templates_of(app.settings.channels),
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
                    click.echo(
                        "Motivo (Enter para ninguno; no se aprende nada de este mensaje: si no "
                        "es asunto de la empresa, use [n]):"
                    )
                    note = (
                        sys.stdin.readline().strip() if not sys.stdin.isatty() else input().strip()
                    )
                    decide_reply(
                        database, reply_id, False, reviewer, app.clock.now(), note=note or None
                    )
                    done["rechazadas"] += 1
                    click.echo("Rechazada.")
                    break
                if key == "n":
                    decide_reply(
                        database,
                        reply_id,
                        False,
                        reviewer,
                        app.clock.now(),
                        note=NOT_OURS_NOTE,
                        not_ours=True,
                    )
                    done["rechazadas"] += 1
                    click.echo(
                        "Rechazada: se aprende que mensajes así no son asunto de la empresa."
                    )
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
                try:
                    text = redraft(database, app.settings, app.clock.now(), case, found)
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
    responder = Responder.from_settings(database, app.settings, app.clock, catalogue)
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
