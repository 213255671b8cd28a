"""`conectados replies ...`: the team reads, approves, edits or rejects the drafted replies.

Approving moves a reply `pending -> approved` in one compare-and-set update; the daemon's
send job delivers it once. Two people reviewing at once cannot both decide the same reply.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime

import click
import sqlalchemy as sa
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from channels.facebook import PRIVATE_REPLY_WINDOW
from channels.whatsapp import window_open
from conectados.app import App
from conectados.db import Database
from conectados.errors import BadInput, ConectadosError
from conectados.spanish import percent
from conectados.tables import Field, Listing, print_listing, screen_console, short_moment
from conectados.terminal import Group, RowId
from content_calendar.models import Post, Publication
from responders import interactions
from responders import replies as reply_moves
from responders.commands import _short, catalogue_for, protocol_names
from responders.errors import AlreadyDecided, ChangedMeanwhile
from responders.models import (
    Interaction,
    InteractionKind,
    Reply,
    ReplyKind,
    ReplyState,
    ReplyVisibility,
    Ticket,
)
from responders.pipeline import (
    active_notices,
    check_public,
    context_for,
    first_private,
    privacy_notice,
    scrub,
)
from responders.policy import company_values, too_long
from responders.protocols import Catalogue, ProtocolAction, RenderError
from responders.public_text import company_texts, public_text_for
from responders.service import AUTOMATIC
from responders.tickets import due_text

STATE_NAMES = {
    ReplyState.PENDING: "pendiente",
    ReplyState.APPROVED: "aprobada",
    ReplyState.SENDING: "enviando",
    ReplyState.SENT: "enviada",
    ReplyState.REJECTED: "rechazada",
    ReplyState.FAILED: "fallida",
}
STATES_BY_NAME = {name: state for state, name in STATE_NAMES.items()}


USER_VARIABLE = "CONECTADOS_USUARIO"
MAX_NAME = 100
"""The columns that record who decided (`reply.reviewer`, `ticket.answered_by`...)."""


def reviewer_name(app: App) -> str:
    """Who is deciding: `CONECTADOS_USUARIO`, else the person behind sudo, else the login."""
    named = " ".join(app.environ.get(USER_VARIABLE, "").split())
    if named:
        if len(named) > MAX_NAME or not named.isprintable():
            raise BadInput(
                f"el nombre de quien decide debe ser texto de hasta {MAX_NAME} caracteres",
                USER_VARIABLE,
            )
        return named
    # Under sudo the login is root: the person is the one who typed sudo.
    behind_sudo = app.environ.get("SUDO_USER", "").strip()
    if behind_sudo and behind_sudo != "root":
        return behind_sudo[:MAX_NAME]
    return _login()[:MAX_NAME] or "equipo"


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


@dataclass(frozen=True)
class Case:
    """A reply and what a person needs to decide on it."""

    reply: Reply
    interaction: Interaction
    post_text: str | None
    earlier: list[Interaction]
    others: list[Reply] = field(default_factory=list)
    """Other drafts for the same message (a question's answer and a complaint's acknowledgement)."""


def load_case(database: Database, reply_id: int) -> Case:
    with database.session() as session:
        reply = session.get(Reply, reply_id)
        if reply is None:
            raise BadInput(
                f"no hay ninguna respuesta con id {reply_id}; vea «conectados replies list»", "ID"
            )
        interaction = session.get(Interaction, reply.interaction_id)
        post_text = None
        if interaction.publication_id is not None:
            post_text = session.execute(
                sa.select(Post.text)
                .join(Publication, Publication.post_id == Post.id)
                .where(Publication.id == interaction.publication_id)
            ).scalar()
        earlier = list(
            session.execute(
                sa.select(Interaction)
                .where(
                    Interaction.network == interaction.network,
                    Interaction.author_id == interaction.author_id,
                    Interaction.id != interaction.id,
                    Interaction.written_at <= interaction.written_at,
                )
                .order_by(Interaction.written_at.desc())
                .limit(3)
            ).scalars()
        )
        others = list(
            session.execute(
                sa.select(Reply)
                .where(Reply.interaction_id == interaction.id, Reply.id != reply.id)
                .order_by(Reply.id)
            ).scalars()
        )
        session.expunge_all()
    return Case(reply, interaction, post_text, earlier, others)


def decide_reply(
    database: Database,
    reply_id: int,
    approve: bool,
    reviewer: str,
    now: datetime,
    text: str | None = None,
    protocol: str | None = None,
    note: str | None = None,
    whatsapp_template: str = "",
    own_texts: list[str] | None = None,
    private: bool = False,
    private_hint: str | None = None,
    notice: str = "",
    catalogue: Catalogue | None = None,
    filing_hint: str | None = None,
) -> Reply:
    """pending -> approved | rejected, once; the interaction follows.

    A WhatsApp answer whose 24-hour window has closed is not approved without the approved
    template to carry it: it would only come back. A public reply with personal data is not
    approved at all (`own_texts`: what the company publishes itself); `private` sends it by
    private message instead, where the network allows it, with the data-treatment `notice`
    when it is the first private message to this person.
    """
    with database.session(write=True) as session:
        reply = session.get(Reply, reply_id)
        if reply is None:
            raise BadInput(f"no hay ninguna respuesta con id {reply_id}", "ID")
        if reply.state != ReplyState.PENDING:
            raise AlreadyDecided(
                f"la respuesta {reply_id} ya está {STATE_NAMES[reply.state]}; solo se deciden las "
                "pendientes",
                "ID",
            )
        interaction = session.get(Interaction, reply.interaction_id)
        final_text = (text if text is not None else reply.text).strip()
        visibility = ReplyVisibility.PRIVATE if private else reply.visibility
        if approve:
            if not final_text:
                raise BadInput(
                    "la respuesta está vacía: escríbala (con --texto, o con [e] en «replies review»)",
                    "ID",
                    str(reply_id),
                )
            if catalogue is not None and _promises_filing(
                session, reply, protocol or reply.protocol, catalogue
            ):
                raise BadInput(
                    "promete radicar una PQR («una persona de nuestro equipo lo radicará») y "
                    "aprobarla no la radica: radíquela "
                    + (filing_hint or f"con «conectados pqr radicar --respuesta {reply_id}»")
                    + ", que envía en su lugar el acuse con el radicado, o recházela",
                    f"respuesta {reply_id}",
                )
            if interaction.network == "whatsapp" and not whatsapp_template:
                _check_whatsapp_window(session, interaction, now)
            if visibility != reply.visibility:
                cannot = _no_private_way(session, reply, interaction, now)
                if cannot:
                    raise BadInput(
                        f"no se puede enviar en privado: {cannot}", f"respuesta {reply_id}"
                    )
            if visibility == ReplyVisibility.PUBLIC:
                check = public_text_for(session.connection(), own_texts or [])
                if check.exposure(final_text) is not None:
                    cannot = _no_private_way(session, reply, interaction, now)
                    way_out = (
                        f"{cannot}: quite esos datos del texto y apruébela de nuevo"
                        if cannot
                        else "quite esos datos del texto, o envíela por mensaje privado "
                        + (private_hint or f"con «conectados replies approve {reply_id} --privado»")
                    )
                    check_public(check, final_text, way_out, f"respuesta {reply_id}")
        values = {
            "text": final_text,
            "reviewer": reviewer,
            "decided_at": now,
        }
        if approve and visibility != reply.visibility:
            values["visibility"] = visibility
            if notice and first_private(session.connection(), interaction):
                values["text"] = f"{final_text}\n\n{notice}"
        if approve:  # the text as it goes out, the privacy notice included
            problem = too_long(
                interaction.network,
                values["text"],
                private=visibility == ReplyVisibility.PRIVATE,
            )
            if problem:
                raise BadInput(f"{problem}; acórtela", f"respuesta {reply_id}")
        if protocol is not None:
            values["protocol"] = protocol
        if note:
            values["review_note"] = note
        if not reply_moves.decide(session.connection(), reply_id, approve, **values):
            raise ChangedMeanwhile(f"otra persona decidió la respuesta {reply_id} al mismo tiempo")
        _settle_interaction(session, interaction.id, reviewer, approve, note)
    return load_case(database, reply_id).reply


def _promises_filing(session, reply: Reply, protocol_id: str | None, catalogue) -> bool:
    """A draft that tells the citizen a person will file the request, for a message not
    filed yet: its protocol's action is to file, or it is an acknowledgement with no ticket."""
    if reply.ticket_id is not None:
        return False
    found = catalogue.get(protocol_id) if protocol_id else None
    promised = (
        found.action == ProtocolAction.TICKET
        if found is not None
        else reply.kind == ReplyKind.ACKNOWLEDGEMENT
    )
    if not promised:
        return False
    filed = session.execute(
        sa.select(Ticket.id).where(Ticket.interaction_id == reply.interaction_id)
    ).scalar()
    return filed is None


def _settle_interaction(
    session, interaction_id: int, reviewer: str, approve: bool, note: str | None
) -> None:
    """The message leaves review once none of its drafts is pending: answered if any draft
    was approved (a question and a complaint in one message have two)."""
    states = set(
        session.execute(
            sa.select(Reply.state).where(Reply.interaction_id == interaction_id)
        ).scalars()
    )
    if ReplyState.PENDING in states:
        return
    answered = approve or bool(states & {ReplyState.APPROVED, ReplyState.SENDING, ReplyState.SENT})
    interactions.settle_review(
        session.connection(),
        interaction_id,
        answered,
        f"aprobada por {reviewer}"
        if approve
        else f"rechazada por {reviewer}" + (f": {note}" if note else ""),
    )


MEDIA_NAMES = {
    "image": ("una foto", "véala"),
    "video": ("un video", "véalo"),
    "audio": ("una nota de voz", "escúchela"),
    "document": ("un documento", "véalo"),
    "sticker": ("un sticker", "véalo"),
}
FORMAT_NAMES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WebP", "mp4": "MP4",
                "pdf": "PDF", "ogg": "OGG", "mpeg": "MP3"}  # fmt: skip


def attachment_lines(interaction: Interaction) -> list[str]:
    """What the citizen attached, in words («una foto JPEG»), with the id the network keeps
    it under."""
    lines = []
    for attachment in interaction.attachments or []:
        what, see = MEDIA_NAMES.get(attachment.get("kind", ""), ("un archivo", "véalo"))
        media_id = attachment.get("media_id", "")
        subtype = attachment.get("mime_type", "").partition("/")[2].partition(";")[0]
        if subtype in FORMAT_NAMES:
            what = f"{what} {FORMAT_NAMES[subtype]}"
        lines.append(
            f"Adjuntó {what}"
            + (f" (id de medio {media_id})" if media_id else "")
            + f": {see} en la conversación de {interaction.network}."
        )
    return lines


def print_message(console: Console, interaction: Interaction) -> None:
    """Who wrote, what they wrote (never as markup) and what they attached."""
    console.print(Text(f"{interaction.author_name or interaction.author_id} escribió:"))
    console.print(Panel(Text(interaction.text or "(sin texto)")))
    if interaction.original_length:
        console.print(
            Text(
                f"Mensaje recortado: tenía {interaction.original_length} caracteres y se guardaron "
                f"{len(interaction.text)} (el máximo de {interaction.network}); léalo completo en "
                "la red."
            ),
            style="bold",
        )
    for line in attachment_lines(interaction):
        console.print(Text(line), style="bold")


def _no_private_way(session, reply: Reply, interaction: Interaction, now: datetime) -> str | None:
    """Why this public reply cannot go by private message instead, if it cannot."""
    if interaction.kind == InteractionKind.MESSAGE or reply.visibility == ReplyVisibility.PRIVATE:
        return None
    return private_reply_refused(session, interaction, reply.kind, now, other_than=reply.id)


def private_reply_refused(
    session,
    interaction: Interaction,
    kind: ReplyKind,
    now: datetime,
    other_than: int | None = None,
    whatsapp_template: str = "",
) -> str | None:
    """Why the network will not deliver one more private reply of `kind` to this message, if
    it will not: the rules the channels apply when the send job calls them (channels/
    facebook.py, channels/whatsapp.py), known before anything is queued."""
    if interaction.kind == InteractionKind.MESSAGE:
        if interaction.network not in ("whatsapp", "facebook"):
            return None
        if interaction.network == "whatsapp" and whatsapp_template:
            return None  # outside the window, the approved template carries it
        last = _last_heard(session, interaction)
        if last is None or window_open(last, now):
            return None
        hours = (now - last).total_seconds() // 3600
        where = "WhatsApp" if interaction.network == "whatsapp" else "Messenger"
        return (
            f"{where} solo acepta mensajes hasta 24 horas después del último mensaje del "
            f"ciudadano, y el suyo fue hace {hours:.0f} horas"
        )
    if interaction.network == "facebook" and now - interaction.written_at > PRIVATE_REPLY_WINDOW:
        return (
            f"Facebook solo permite responder en privado un comentario de los últimos "
            f"{PRIVATE_REPLY_WINDOW.days} días"
        )
    other = session.execute(
        sa.select(Reply.id)
        .where(
            Reply.interaction_id == interaction.id,
            Reply.id != (other_than or 0),
            Reply.visibility == ReplyVisibility.PRIVATE,
            Reply.state.not_in([ReplyState.REJECTED, ReplyState.FAILED]),
            # Facebook takes one private reply per comment; elsewhere, one of each kind.
            sa.true() if interaction.network == "facebook" else Reply.kind == kind,
        )
        .limit(1)
    ).scalar()
    if other is None:
        return None
    also = (
        " y Facebook permite una sola por comentario" if interaction.network == "facebook" else ""
    )
    return f"ya hay otra respuesta privada a este mensaje (la {other}){also}"


def _last_heard(session, interaction: Interaction) -> datetime | None:
    """The citizen's latest message on this network: the 24-hour windows count from it."""
    return session.execute(
        sa.select(sa.func.max(Interaction.written_at)).where(
            Interaction.network == interaction.network,
            Interaction.author_id == interaction.author_id,
        )
    ).scalar()


def _check_whatsapp_window(session, interaction: Interaction, now: datetime) -> None:
    last = _last_heard(session, interaction)
    if last is None or window_open(last, now):
        return
    hours = (now - last).total_seconds() // 3600
    raise ConectadosError(
        f"WhatsApp ya no acepta texto libre para este ciudadano: su último mensaje fue hace "
        f"{hours:.0f} horas (más de 24). Comuníquese por otro medio y rechace esta respuesta, o "
        "configure una plantilla aprobada en [channels.whatsapp] plantilla_fuera_de_ventana"
    )


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
    database = app.ready_database()
    query = (
        sa.select(Reply, Interaction)
        .join(Interaction, Interaction.id == Reply.interaction_id)
        .order_by(Reply.id)
        .limit(limite)
    )
    if estado != "todas":
        query = query.where(Reply.state == STATES_BY_NAME[estado])
    with database.session() as session:
        rows = session.execute(query).all()
        radicados = dict(
            session.execute(
                sa.select(Ticket.id, Ticket.radicado).where(
                    Ticket.id.in_({reply.ticket_id for reply, _ in rows if reply.ticket_id})
                )
            ).all()
        )
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


NETWORK_TITLES = {"facebook": "Facebook", "x": "X", "whatsapp": "WhatsApp"}


def destination(network: str, kind: InteractionKind, visibility: ReplyVisibility) -> str:
    """Where the send job delivers a reply, in the team's words: what each network's `reply`
    does with (the citizen's item, private or not) in channels/*.py."""
    private = visibility == ReplyVisibility.PRIVATE
    if network == "whatsapp":
        return "mensaje de WhatsApp (privado)"
    if network == "facebook":
        if kind == InteractionKind.MESSAGE:
            return "mensaje privado por Messenger"
        if private:
            return "mensaje privado por Messenger (respuesta privada a su comentario)"
        return "comentario público en Facebook, bajo el del ciudadano"
    if network == "x":
        if private or kind == InteractionKind.MESSAGE:
            return "mensaje directo (privado) en X"
        if kind == InteractionKind.MENTION:
            return "respuesta pública a la mención en X"
        return "respuesta pública a su comentario en X"
    title = NETWORK_TITLES.get(network, network)
    return f"mensaje privado en {title}" if private else f"respuesta pública en {title}"


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
    with database.session() as session:
        ids = list(
            session.execute(
                sa.select(Reply.id).where(Reply.state == ReplyState.PENDING).order_by(Reply.id)
            ).scalars()
        )
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
                context = _draft_context(app, database, case)
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


def _draft_context(app: App, database: Database, case: Case) -> dict:
    """The template values for a new draft of this reply: the responder's own (`context_for`),
    with the radicado and due date of the ticket it acknowledges, if any."""
    extra = {}
    with database.session() as session:
        notices = active_notices(session.connection(), app.clock.now(), app.settings.zone)
        if case.reply.ticket_id is not None:
            ticket = session.get(Ticket, case.reply.ticket_id)
            extra = {
                "radicado": ticket.radicado,
                "fecha_limite": due_text(ticket.due_date, ticket.due_at, app.settings.zone),
            }
    return context_for(company_values(app.settings), case.interaction, notices, extra)


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
    from responders.pqr_commands import ticket_types
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
