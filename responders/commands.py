"""`conectados protocols ...` and `conectados inbox`: the protocols, and what came in."""

from __future__ import annotations

import json
import sys
import textwrap
from datetime import datetime, time, timedelta
from pathlib import Path

import click

from conectados.app import App
from conectados.dates import DAY, parse_moment
from conectados.errors import BadInput, ExitStatus
from conectados.spanish import percent
from conectados.tables import Field, Listing, listing_console, print_listing, short_moment
from conectados.terminal import Command, Group, message_kinds
from responders.cli_shared import catalogue_for, protocol_names, shortened
from responders.evaluate import evaluate, read_labelled, report
from responders.examples import example_text
from responders.interaction_listing import KIND_NAMES, inbox_state, written_since
from responders.matcher import Matcher, explain
from responders.pipeline import active_notices
from responders.policy import ACTION_NAMES, Action, Thresholds, decide
from responders.protocol_files import SHIPPED
from responders.template_values import company_values, template_context


def thresholds_for(app: App) -> Thresholds:
    rules = app.settings.responder
    return Thresholds(rules.auto_threshold, rules.review_threshold, rules.min_margin)


@click.group(cls=Group)
def protocols() -> None:
    """Protocolos de respuesta: ver, probar con un texto y evaluar con mensajes etiquetados."""


@protocols.command(name="list")
@click.pass_obj
def list_(app: App) -> None:
    """Lista los protocolos (los incluidos y los de la carpeta de la empresa)."""
    catalogue = catalogue_for(app)
    listing = Listing(
        "Protocolos de respuesta",
        (
            Field("nombre", "text", min_width=20, max_width=70),
            Field("id", priority=1),
            Field("acción", priority=2),
            Field("claves", priority=3),
            Field("ejemplos", priority=3),
            Field("archivo", "link", priority=4),
        ),
        heading=("nombre",),
    )
    for protocol in catalogue:
        source = Path(protocol.source)
        listing.add(
            protocol.name,
            protocol.id,
            f"{protocol.action.value} (y consultas)"
            if protocol.consultation is not None
            else protocol.action.value,
            str(len(protocol.keys)),
            str(len(protocol.examples)),
            f"{source.name} (incluido)"
            if source.parent == SHIPPED
            else _shown_path(source, app.cwd),
        )
    print_listing(listing, app.environ)


def _shown_path(path: Path, cwd: Path) -> str:
    """The company's file as the team typed its folder: relative to here when it is below."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


@protocols.command()
@click.argument("text", required=False, metavar="[TEXTO]")
@click.option("--json", "as_json", is_flag=True, help="Un objeto JSON por mensaje.")
@click.option(
    "--canal",
    type=message_kinds(),
    default="comentario",
    help="Cómo llegó: comentario público, mención o mensaje privado (por omisión, comentario).",
)
@click.option("--autor", default="", help="Nombre del ciudadano para la respuesta.")
@click.pass_obj
def match(app: App, text: str | None, as_json: bool, canal: str, autor: str) -> None:
    """Clasifica TEXTO (o cada línea de la entrada estándar) y muestra la respuesta.

    No escribe en la base de datos ni en las redes: sirve para probar los protocolos. Usa
    lo aprendido y los umbrales de la base de datos (--db o la configuración), y la
    respuesta cita sus avisos vigentes, como la del servicio. Con -v (conectados -v
    protocols match ...) explica de dónde sale la confianza.
    """
    from responders.learning_commands import learned_for, version_line

    catalogue = catalogue_for(app)
    learned, exists = learned_for(app, catalogue)
    matcher = Matcher(catalogue, learned.examples)
    thresholds = learned.thresholds
    company = company_values(app.settings)
    private = canal == "message"
    notices = notices_for(app)
    _, width = listing_console(app.environ)
    # JSON keeps one object per line on stdout: the version goes to stderr there.
    click.echo(wrapped(version_line(learned, exists), width, 0), err=as_json)
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        if text is None and not line.strip():
            continue
        found = matcher.match(line)
        decision = decide(found, thresholds, private)
        reply = None
        if decision.protocol is not None and decision.action != Action.IGNORE:
            context = template_context(company, autor, notices, line, "facebook", canal)
            reply = decision.protocol.render(context, private)
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "protocol": decision.protocol.id if decision.protocol else None,
                        "confidence": round(decision.confidence, 3),
                        "action": decision.action.value,
                        "reply": reply,
                    },
                    ensure_ascii=False,
                )
            )
            continue
        name = (
            f"{decision.protocol.name} ({decision.protocol.id}, confianza "
            f"{percent(decision.confidence, 0)})"
            if decision.protocol
            else "ninguno"
        )
        shown = [(f"«{line}»", 0)]
        shown.append(
            (f"protocolo: {name}; acción: {ACTION_NAMES[decision.action]}: {decision.reason}", 2)
        )
        if app.verbose:
            shown.extend((explanation, 4) for explanation in explain(found))
        if reply:
            shown.append(("respuesta:", 2))
            shown.extend((reply_line, 4, 4) for reply_line in reply.splitlines())
        for shown_line, *indents in shown:
            click.echo(wrapped(shown_line, width, *indents))


def notices_for(app: App) -> list[dict]:
    """The notices in force in the database this folder points at, built as the daemon
    builds them; none while the database does not exist yet (a folder still being set up)."""
    if not app.database.exists():
        return []
    with app.ready_database().session() as session:
        return active_notices(session.connection(), app.clock.now(), app.settings.zone)


_KEEP_TOGETHER = ((" %", "\xa0%"), (" a. m.", "\xa0a.\xa0m."), (" p. m.", "\xa0p.\xa0m."))


def wrapped(text: str, width: int, indent: int, hanging: int | None = None) -> str:
    """One output line at the window's width; its continuation lines are indented two more
    (or `hanging`), and «39 %» or «2:00 p. m.» are never split."""
    if not text:
        return ""
    for plain, joined in _KEEP_TOGETHER:
        text = text.replace(plain, joined)
    return textwrap.fill(
        text,
        width=max(width - 1, 40),
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + 2 if hanging is None else hanging),
        break_on_hyphens=False,
        break_long_words=True,
    ).replace("\xa0", " ")


@protocols.command(name="evaluate")
@click.argument("file", type=click.Path(path_type=Path), metavar="[ARCHIVO.jsonl]", required=False)
@click.option(
    "--canal",
    type=message_kinds(),
    default="comentario",
    help="Evalúa como si los mensajes llegaran por este canal (por omisión, comentario).",
)
@click.pass_obj
def evaluate_(app: App, file: Path | None, canal: str) -> None:
    """Mide los protocolos con mensajes etiquetados, o calcula los umbrales con lo aprendido.

    Con ARCHIVO (JSON por línea: {"text": ..., "protocols": [...], "actions": [...]})
    muestra la precisión de las respuestas automáticas, la cobertura, las quejas que van a
    radicar o revisión, los mensajes ajenos que se dejan y las confusiones entre
    protocolos, con lo aprendido y los umbrales de la base de datos; termina con código 1
    si alguna cifra queda por debajo de su meta. Con -v lista los casos fallidos.

    Sin ARCHIVO calcula los umbrales de cada protocolo con la historia de la base de datos
    (se entrena con las semanas anteriores y se mide con las últimas), los deja en uso y
    muestra la precisión y la cobertura antes y después. Vuelva a ejecutarlo después de
    cambiar los protocolos o los datos de la empresa.
    """
    from responders.learning_commands import evaluate_history, learned_for, version_line

    catalogue = catalogue_for(app)
    if file is None:
        evaluate_history(app, catalogue)
        return
    messages = read_labelled(app.cwd / file, set(catalogue.protocols))
    if not messages:
        raise BadInput("no tiene mensajes", str(file))
    learned, exists = learned_for(app, catalogue)
    click.echo(version_line(learned, exists))
    known = {example.text for example in learned.examples}
    seen = sum(1 for message in messages if example_text(message.text) in known)
    if seen:
        click.echo(
            f"Aviso: {seen} de los {len(messages)} mensajes ya están entre lo aprendido: con "
            "ellos la medición sale mejor de lo que saldrá con mensajes nuevos."
        )
    result = evaluate(
        messages, Matcher(catalogue, learned.examples), learned.thresholds, canal == "message"
    )
    for line in report(result, verbose=bool(app.verbose)):
        click.echo(line)
    if not result.passed():
        click.echo("Alguna cifra está por debajo de su meta: revise los protocolos o los umbrales.")
        raise click.exceptions.Exit(ExitStatus.FAILURE)


def parse_since(value: str, zone) -> datetime:
    """ "2026-11-28" or "2026-11-28 14:00" in the company's zone."""
    return parse_moment(value, zone, "opción --desde", formats=("%Y-%m-%d %H:%M", DAY))


@click.command(cls=Command)
@click.option(
    "--desde", help="Desde esta fecha (AAAA-MM-DD [HH:MM]); por omisión, los últimos 7 días."
)
@click.option(
    "--limite",
    type=click.IntRange(1, 10_000),
    default=100,
    metavar="N",
    help="Cuántos mensajes mostrar como máximo (por omisión, 100).",
)
@click.pass_obj
def inbox(app: App, desde: str | None, limite: int) -> None:
    """Lo que escribieron los ciudadanos y qué se hizo con cada mensaje."""
    zone = app.settings.zone
    since = (
        parse_since(desde, zone)
        if desde
        else datetime.combine(
            app.clock.now().astimezone(zone).date() - timedelta(days=7), time(), zone
        )
    )
    rows = written_since(app.ready_database(), since, limite)
    if not rows:
        click.echo(f"No llegaron mensajes desde el {since:%Y-%m-%d %H:%M}.")
        return
    today = app.clock.now().astimezone(zone).date()
    names = protocol_names(app)
    listing = Listing(
        f"Mensajes desde el {short_moment(since, today)}",
        (
            Field("id"),
            Field("fecha", priority=3),
            Field("red", priority=2),
            Field("tipo", priority=4),
            Field("autor", "text", priority=1, max_width=20),
            Field("mensaje", "preview", min_width=20, max_width=60),
            Field("estado"),
            Field("protocolo", "text", priority=2, min_width=14, max_width=30),
            Field("por qué", "text", priority=3, min_width=14, max_width=40),
        ),
        heading=("id", "estado"),
    )
    for listed in rows:
        row = listed.interaction
        listing.add(
            str(row.id),
            short_moment(row.written_at.astimezone(zone), today),
            row.network,
            KIND_NAMES.get(row.kind.value, row.kind.value),
            row.author_name or row.author_id,
            ("[adjunto] " if row.attachments else "") + row.text,
            inbox_state(listed),
            names.get(row.protocol, row.protocol) if row.protocol else "",
            shortened(row.decision or "", 200),
        )
    print_listing(listing, app.environ)


def _learning_commands() -> None:
    """`protocols aprender` and `protocols aprendizaje` live in `responders.learning_commands`."""
    from responders.learning_commands import aprender, aprendizaje

    protocols.add_command(aprender)
    protocols.add_command(aprendizaje)


_learning_commands()
