"""Messages as `conectados inbox` lists them: the query behind it, without the responder, and
the words that say what was done with each message (the CLI and the web office both use them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from responders.models import Interaction, InteractionState, Reply, ReplyState

if TYPE_CHECKING:
    from conectados.db import Database
    from notices.sectors import Sector

ON_ITS_WAY = (ReplyState.PENDING, ReplyState.APPROVED, ReplyState.SENDING)
"""A reply in one of these states has not gone out yet, but may still."""

STATE_NAMES = {
    InteractionState.RECEIVED: "recibido",
    InteractionState.ANSWERED: "respondido",
    InteractionState.TICKETED: "radicado",
    InteractionState.IN_REVIEW: "en revisión",
    InteractionState.IGNORED: "dejado",
}
NOT_YET_SENT = "respuesta por enviar"
"""An answered message whose reply has not gone out yet (approved, or its network paused)."""
HIDDEN = "ocultado"
"""A comment the network hid because it carried personal data."""
NOT_SENT = "respuesta no enviada"
"""An answered message whose replies all failed or were rejected."""
KIND_NAMES = {"comment": "comentario", "mention": "mención", "message": "privado"}
"""How the inbox names the kind of a message."""


@dataclass(frozen=True)
class ListedInteraction:
    """A message and how far its replies got, as the inbox says it."""

    interaction: Interaction
    reply_sent: bool
    """One of its replies reached the network."""
    reply_on_its_way: bool
    """One of its replies waits for a person, for the send job, or is being sent."""


def inbox_state(listed: ListedInteraction) -> str:
    """What was done with a message, as the inbox says it: «respondido» only once a reply
    went out; «ocultado» after it when the network hid the comment (it carried personal
    data)."""
    state = listed.interaction.state
    if state == InteractionState.ANSWERED and not listed.reply_sent:
        shown = NOT_YET_SENT if listed.reply_on_its_way else NOT_SENT
    else:
        shown = STATE_NAMES.get(state, state.value)
    return f"{shown}, {HIDDEN}" if listed.interaction.hidden_at is not None else shown


def _any_reply(*conditions) -> sa.Exists:
    return sa.exists().where(Reply.interaction_id == Interaction.id, *conditions)


def _state_condition(word: str) -> sa.ColumnElement[bool]:
    """The messages `inbox_state` gives the word `word` (one of `STATE_WORDS`)."""
    sent = _any_reply(Reply.state == ReplyState.SENT)
    on_its_way = _any_reply(Reply.state.in_(ON_ITS_WAY))
    answered = Interaction.state == InteractionState.ANSWERED
    if word == HIDDEN:
        return Interaction.hidden_at.is_not(None)
    if word == NOT_YET_SENT:
        return sa.and_(answered, ~sent, on_its_way)
    if word == NOT_SENT:
        return sa.and_(answered, ~sent, ~on_its_way)
    for state, name in STATE_NAMES.items():
        if name == word:
            return (
                sa.and_(answered, sent)
                if state == InteractionState.ANSWERED
                else (Interaction.state == state)
            )
    raise ValueError(f"not a state of the inbox: {word!r}")


def sector_condition(sector: Sector) -> sa.ColumnElement[bool]:
    """The messages of a sector: their text names it (its name or an alias, as written;
    upper and lower case are the same for unaccented letters, as the database's `lower`
    knows them: «PEÑÓN» and «Peñón» differ), or their author is subscribed to its notices. Messages carry no sector of
    their own; a name inside a longer one («Centro» in «centro de salud») also counts, so
    this is a filter to look through, not a count."""
    from notices.models import Consent, Subscriber

    spellings = [sector.name, *sector.aliases]
    text = sa.func.lower(Interaction.text)
    named = [text.contains(spelling.lower(), autoescape=True) for spelling in spellings]
    subscribed = (
        sa.exists()
        .where(Consent.subscriber_id == Subscriber.id)
        .where(Consent.sector.in_(spellings), Consent.withdrawn_at.is_(None))
        .where(Subscriber.network == Interaction.network)
        .where(
            sa.or_(
                Subscriber.address == Interaction.author_id,
                Subscriber.alias == Interaction.author_id,
            )
        )
    )
    return sa.or_(*named, subscribed)


STATE_WORDS = (*STATE_NAMES.values(), NOT_YET_SENT, NOT_SENT, HIDDEN)
"""The words `inbox_state` says, each one a filter of the inbox (a hidden message is also
listed under the state it had: «respondido, ocultado» is under both)."""


def written_since(
    database: Database,
    since: datetime | None,
    limit: int,
    *,
    network: str | None = None,
    state: str | None = None,
    protocol: str | None = None,
    sector: Sector | None = None,
    before: int | None = None,
) -> list[ListedInteraction]:
    """Messages written from `since` on (any time when None), newest first, at most `limit`;
    one query, how far their replies got included.

    Filters, all optional: the `network`, the `state` word (one of `STATE_WORDS`), the
    `protocol` id matched, the `sector` (`sector_condition`); `before`, the id of a listed
    message, gives the ones listed after it (the next page, in the same order)."""
    query = sa.select(
        Interaction,
        _any_reply(Reply.state == ReplyState.SENT).label("sent"),
        _any_reply(Reply.state.in_(ON_ITS_WAY)).label("on_its_way"),
    )
    if since is not None:
        query = query.where(Interaction.written_at >= since)
    if network is not None:
        query = query.where(Interaction.network == network)
    if state is not None:
        query = query.where(_state_condition(state))
    if protocol is not None:
        query = query.where(Interaction.protocol == protocol)
    if sector is not None:
        query = query.where(sector_condition(sector))
    if before is not None:
        written = (
            sa.select(Interaction.written_at).where(Interaction.id == before).scalar_subquery()
        )
        query = query.where(
            sa.or_(
                Interaction.written_at < written,
                sa.and_(Interaction.written_at == written, Interaction.id < before),
            )
        )
    query = query.order_by(Interaction.written_at.desc(), Interaction.id.desc()).limit(limit)
    with database.session() as session:
        rows = session.execute(query).all()
    return [ListedInteraction(row[0], bool(row.sent), bool(row.on_its_way)) for row in rows]
