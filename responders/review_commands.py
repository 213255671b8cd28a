"""`conectados replies ...`: the team reads, approves, edits or rejects the drafted replies.

Thin: each command parses, calls `responders.review` (or the filing) and prints. `list` is
typed all day, so it reads through `responders.reply_listing` alone (Core over light tables,
no models, no ORM): the review domain (the protocols' templates, the channels' rules), its
printing (`review_view`) and the interactive loop (`review_session`) are imported by the
commands that use them.
"""

from __future__ import annotations

import click

from conectados.app import App
from conectados.spanish import percent
from conectados.tables import Field, Listing, print_listing, short_moment
from conectados.terminal import Group, RowId
from responders.cli_shared import catalogue_for, protocol_names, reviewer_name, shortened
from responders.light_tables import REPLY_REJECTED, TICKET_ANSWER
from responders.reply_listing import STATE_NAMES, STATES_BY_NAME, list_replies

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
            reply.state == REPLY_REJECTED
            and reply.ticket_id in radicados  # the filing `reject_replaced` settled it with
        ):
            # A draft settled by a filing: its acknowledgement went instead.
            state = f"reemplazada por el radicado {radicados[reply.ticket_id]}"
        ticket_answer = reply.kind == TICKET_ANSWER
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
            shortened(reply.last_error or reply.review_note or "", 200),
        )
    print_listing(listing, app.environ)
    if estado == "pendiente":
        click.echo("Para decidirlas una a una: «conectados replies review».")


@replies.command()
@click.argument("reply_id", type=REPLY_ID, metavar="ID")
@click.pass_obj
def show(app: App, reply_id: int) -> None:
    """Muestra una respuesta con su contexto: la publicación, mensajes anteriores, el borrador."""
    from conectados.tables import screen_console
    from responders.review import load_case
    from responders.review_view import print_case

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
    from responders.models import ReplyVisibility
    from responders.pipeline import privacy_notice
    from responders.public_text import company_texts
    from responders.review import decide_reply, window_templates_of

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
        window_templates=window_templates_of(app.settings.channels),
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
@click.option(
    "--ajeno",
    is_flag=True,
    help="El mensaje no es asunto de la empresa: el servicio aprende a dejar mensajes así.",
)
@click.pass_obj
def reject(app: App, reply_id: int, motivo: str | None, ajeno: bool) -> None:
    """Rechaza una respuesta pendiente: no se enviará.

    Con --ajeno el servicio aprende que mensajes así no son asunto de la empresa. Sin --ajeno
    no aprende nada del mensaje: el borrador estaba mal por otra razón (para enseñarle otro
    protocolo, cámbielo con [p] en «conectados replies review» y apruebe).
    """
    from responders.review import NOT_OURS_NOTE, decide_reply

    reply = decide_reply(
        app.ready_database(),
        reply_id,
        False,
        reviewer_name(app),
        app.clock.now(),
        note=motivo or (NOT_OURS_NOTE if ajeno else None),
        not_ours=ajeno,
    )
    learned = "; se aprende que mensajes así no son asunto de la empresa" if ajeno else ""
    click.echo(f"Respuesta {reply.id} rechazada; no se enviará{learned}.")


@replies.command()
@click.pass_obj
def review(app: App) -> None:
    """Revisa una a una las respuestas pendientes, con su contexto, y decide con una tecla."""
    from responders.review_session import run_review

    run_review(app)
