"""Replies a person decides: load a case with its context, approve or reject it once, and
the rules that say whether a network will take one more private reply.

Approving moves a reply `pending -> approved` through `responders.replies.decide`, a
compare-and-set update; the daemon's send job delivers it once. Two people reviewing at once
cannot both decide the same reply. The `conectados replies` commands live in
`responders.review_commands`; the lists they read, in `responders.reply_listing`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from channels.specs import reply_place, spec
from conectados.db import Database
from conectados.errors import BadInput, ConectadosError
from content_calendar.models import Post, Publication
from responders import interactions, learning
from responders import replies as reply_moves
from responders.errors import AlreadyDecided, ChangedMeanwhile
from responders.examples import ExampleAction
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
    scrub,
)
from responders.policy import too_long
from responders.protocols import Catalogue, ProtocolAction
from responders.public_text import public_text_for
from responders.reply_listing import STATE_NAMES
from responders.template_values import company_values
from responders.tickets import due_text

NOT_OURS_NOTE = "no es asunto de la empresa"
"""Why a reply rejected with --ajeno (or [n]) was rejected, when the person gives no reason."""


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
    window_templates: Mapping[str, str] | None = None,
    own_texts: list[str] | None = None,
    private: bool = False,
    private_hint: str | None = None,
    notice: str = "",
    catalogue: Catalogue | None = None,
    filing_hint: str | None = None,
    not_ours: bool = False,
) -> Reply:
    """pending -> approved | rejected, once; the interaction follows, and the decision is
    learned in the same transaction (`_learn`).

    A private message whose network's message window has closed is not approved without the
    approved template of that network (`window_templates`: network -> template) to carry it:
    it would only come back. A public reply with personal data is not approved at all
    (`own_texts`: what the company publishes itself); `private` sends it by private message
    instead, where the network allows it, with the data-treatment `notice` when it is the
    first private message to this person. `not_ours`: a rejection because the message is none
    of the company's business (learned as a message to leave alone).
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
            template = (window_templates or {}).get(interaction.network, "")
            if spec(interaction.network).template_outside_window and not template:
                _check_message_window(session, interaction, now)
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
        _learn(
            session.connection(),
            reply,
            interaction,
            approve,
            protocol or reply.protocol,
            not_ours,
            catalogue,
            reviewer,
            now,
        )
        _settle_interaction(session, interaction.id, reviewer, approve, note)
    return load_case(database, reply_id).reply


def _learn(
    connection: sa.Connection,
    reply: Reply,
    interaction: Interaction,
    approve: bool,
    protocol_id: str | None,
    not_ours: bool,
    catalogue: Catalogue | None,
    reviewer: str,
    now: datetime,
) -> None:
    """The decision as an example the responder learns from: an approval under the protocol
    it went out with (to file, when that protocol files or the draft is an acknowledgement),
    a rejection as none of the company's business as a message to leave alone. A plain
    rejection teaches nothing: the draft was wrong for some other reason."""
    if approve:
        found = catalogue.get(protocol_id) if catalogue is not None and protocol_id else None
        files = (
            found.action == ProtocolAction.TICKET
            if found is not None
            else reply.kind == ReplyKind.ACKNOWLEDGEMENT
        )
        if protocol_id is None and not files:
            return  # a person's own answer: it says nothing of which protocol fits
        action = ExampleAction.TICKET if files else ExampleAction.ANSWER
    elif not_ours:
        protocol_id, action = None, ExampleAction.IGNORE
    else:
        return
    learning.record(
        connection,
        interaction_id=interaction.id,
        text=interaction.text,
        protocol=protocol_id,
        action=action,
        reviewer=reviewer,
        now=now,
    )


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
    window_templates: Mapping[str, str] | None = None,
) -> str | None:
    """Why the network will not deliver one more private reply of `kind` to this message, if
    it will not: the rules the channels apply when the send job calls them (channels/
    meta/*.py, read from their specs), known before anything is queued. `window_templates`:
    each network's approved template for after its message window (settings)."""
    network = spec(interaction.network)
    if interaction.kind == InteractionKind.MESSAGE:
        if network.message_window is None:
            return None
        if network.template_outside_window and (window_templates or {}).get(network.name):
            return None  # outside the window, the approved template carries it
        last = _last_heard(session, interaction)
        if last is None or network.window_open(last, now):
            return None
        hours = (now - last).total_seconds() // 3600
        return (
            f"{network.messages_name()} solo acepta mensajes hasta "
            f"{_hours(network.message_window)} horas después del último mensaje del "
            f"ciudadano, y el suyo fue hace {hours:.0f} horas"
        )
    window = network.private_reply_window
    if window is not None and now - interaction.written_at > window:
        return (
            f"{network.display_name} solo permite responder en privado un "
            f"comentario de los últimos {window.days} días"
        )
    other = session.execute(
        sa.select(Reply.id)
        .where(
            Reply.interaction_id == interaction.id,
            Reply.id != (other_than or 0),
            Reply.visibility == ReplyVisibility.PRIVATE,
            Reply.state.not_in([ReplyState.REJECTED, ReplyState.FAILED]),
            # Facebook takes one private reply per comment; elsewhere, one of each kind.
            sa.true() if network.one_private_reply_per_comment else Reply.kind == kind,
        )
        .limit(1)
    ).scalar()
    if other is None:
        return None
    also = (
        f" y {network.display_name} permite una sola por comentario"
        if network.one_private_reply_per_comment
        else ""
    )
    return f"ya hay otra respuesta privada a este mensaje (la {other}){also}"


def window_templates_of(channels) -> dict[str, str]:
    """Network -> its approved template for after the message window, from the [channels]
    settings ("" where a network has none)."""
    return {name: section.window_template() for name, section in channels.by_name().items()}


def _hours(window: timedelta) -> str:
    return f"{window.total_seconds() / 3600:.0f}"


def _last_heard(session, interaction: Interaction) -> datetime | None:
    """The citizen's latest message on this network: the message windows count from it."""
    return session.execute(
        sa.select(sa.func.max(Interaction.written_at)).where(
            Interaction.network == interaction.network,
            Interaction.author_id == interaction.author_id,
        )
    ).scalar()


def _check_message_window(session, interaction: Interaction, now: datetime) -> None:
    """For a network whose approved template could carry the reply, but none is set."""
    last = _last_heard(session, interaction)
    network = spec(interaction.network)
    if last is None or network.window_open(last, now):
        return
    hours = (now - last).total_seconds() // 3600
    raise ConectadosError(
        f"{network.display_name} ya no acepta texto libre para este ciudadano: su último "
        f"mensaje fue hace {hours:.0f} horas (más de {_hours(network.message_window)}). "
        "Comuníquese por otro medio y rechace "
        f"esta respuesta, o configure una plantilla aprobada en [channels.{network.name}] "
        "plantilla_fuera_de_ventana"
    )


def destination(network: str, kind: InteractionKind, visibility: ReplyVisibility) -> str:
    """Where the send job delivers a reply, in the team's words (the network's spec says what
    its adapter's `reply` does with the citizen's item, private or not)."""
    return reply_place(network, kind.value, visibility == ReplyVisibility.PRIVATE)


def draft_context(database: Database, settings, now: datetime, case: Case) -> dict:
    """The template values for a new draft of this reply: the responder's own (`context_for`),
    with the radicado and due date of the ticket it acknowledges, if any."""
    extra = {}
    with database.session() as session:
        notices = active_notices(session.connection(), now, settings.zone)
        if case.reply.ticket_id is not None:
            ticket = session.get(Ticket, case.reply.ticket_id)
            extra = {
                "radicado": ticket.radicado,
                "fecha_limite": due_text(ticket.due_date, ticket.due_at, settings.zone),
            }
    return context_for(company_values(settings), case.interaction, notices, extra)


def redraft(database: Database, settings, now: datetime, case: Case, protocol) -> str:
    """The draft `protocol` writes for this case (a reviewer changed the protocol): private
    when the reply is, and a public one without what the citizen wrote of their own data.
    Raises `responders.protocols.RenderError` when the template cannot be written."""
    context = draft_context(database, settings, now, case)
    private = case.reply.visibility == ReplyVisibility.PRIVATE
    text = protocol.render(context, private=private)
    if not private:
        text = scrub(text, case.interaction)
    return text
