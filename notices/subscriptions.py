"""Every write of a subscription: consent given, withdrawn, and a person's data erased.

A subscription is a `Consent` not withdrawn. Each write is a named function whose update or
insert says in its WHERE clause when it applies (compare-and-set), so writing the same
thing twice changes nothing: a second «AVISOS Centro» adds no second consent, a second
«SALIR» withdraws nothing more. `answer` turns a citizen's command into those writes and the
one sentence that confirms them, in the caller's transaction (the responder's, with the
reply it queues).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from conectados.db import upsert_statement
from conectados.spanish import spanish_list
from notices.models import Consent, Delivery, DeliveryState, Purpose, Subscriber
from notices.sectors import Sectors
from notices.subscription_words import Ask, Command

WITHDRAWN_HOW = ("mensaje", "borrado", "equipo")
UNSENT = (DeliveryState.QUEUED, DeliveryState.SENDING)
"""What a withdrawal stops."""
MAX_WORDS = 300
"""A consent keeps at most this much of what the citizen wrote."""

# The responders' tables, as far as an erasure touches them (notices does not import
# responders: the plan's dependencies point the other way).
_interaction = sa.table(
    "interaction",
    sa.column("id"),
    sa.column("network"),
    sa.column("remote_id"),
    sa.column("parent_id"),
    sa.column("author_id"),
    sa.column("author_alias"),
    sa.column("author_name"),
    sa.column("thread_id"),
    sa.column("text"),
    sa.column("attachments"),
    sa.column("decision"),
)
_ticket = sa.table(
    "ticket",
    sa.column("id"),
    sa.column("interaction_id"),
    sa.column("radicado"),
    sa.column("status"),
)
_reply = sa.table(
    "reply",
    sa.column("id"),
    sa.column("interaction_id"),
    sa.column("text"),
    sa.column("remote_id"),
    sa.column("state"),
    sa.column("review_note"),
    sa.column("decided_at"),
)
_learned = sa.table("learnedexample", sa.column("interaction_id"))
"""What the responder learned from a message (`responders.learning.forget_interactions`)."""
_UNANSWERED = ("pending", "approved")
"""Reply states still waiting for a person or for the send job (responders.models.ReplyState)."""
ERASURE_REASON = "datos borrados a pedido del ciudadano (Ley 1581)"
_undelivered = sa.table(
    "undelivered_reply", sa.column("network"), sa.column("remote_id"), sa.column("reason")
)
ERASED_MARK = "borrado-"
"""What stands for a removed id where a column needs a value («borrado-<row id>»)."""
SUBSCRIPTION_REASON = "suscripción"
"""How the responder's decision on a subscription command starts (an erasure finds them)."""


@dataclass(frozen=True)
class Citizen:
    """Where a subscriber is reached: the address answers go to, and their other id."""

    network: str
    address: str
    alias: str | None = None
    name: str | None = None

    @property
    def ids(self) -> list[str]:
        return [found for found in (self.address, self.alias) if found]


def citizen_of(interaction: Any) -> Citizen:
    """The person who wrote `interaction`, reached where answers to it go (the conversation's
    id: phone number or business-scoped user id, as channels/meta/whatsapp.address does)."""
    address = interaction.thread_id or interaction.author_id
    alias = next(
        (
            found
            for found in (interaction.author_alias, interaction.author_id)
            if found and found != address
        ),
        None,
    )
    return Citizen(interaction.network, address, alias, (interaction.author_name or None))


def find_subscriber(connection: sa.Connection, network: str, ids: Sequence[str]) -> int | None:
    """The subscriber (not erased) known by any of `ids` on `network`."""
    if not ids:
        return None
    return connection.execute(
        sa.select(Subscriber.id)
        .where(
            Subscriber.network == network,
            Subscriber.erased_at.is_(None),
            sa.or_(Subscriber.address.in_(list(ids)), Subscriber.alias.in_(list(ids))),
        )
        .order_by(Subscriber.id)
        .limit(1)
    ).scalar()


def _subscriber_for(connection: sa.Connection, citizen: Citizen, now: datetime) -> int:
    found = find_subscriber(connection, citizen.network, citizen.ids)
    if found is not None:
        if citizen.alias:  # the other id, learnt later (a phone number next to the BSUID)
            connection.execute(
                sa.update(Subscriber)
                .where(
                    Subscriber.id == found,
                    Subscriber.alias.is_(None),
                    Subscriber.address != citizen.alias,
                )
                .values(alias=citizen.alias)
            )
        return found
    insert = upsert_statement(connection, Subscriber.__table__).values(
        network=citizen.network,
        address=citizen.address,
        alias=citizen.alias,
        name=(citizen.name or "")[:200] or None,
        created_at=now,
    )
    connection.execute(insert.on_conflict_do_nothing(index_elements=["network", "address"]))
    return connection.execute(
        sa.select(Subscriber.id).where(
            Subscriber.network == citizen.network, Subscriber.address == citizen.address
        )
    ).scalar_one()


def subscribe(
    connection: sa.Connection,
    network: str,
    address: str,
    alias: str | None,
    name: str | None,
    purpose: Purpose,
    sector: str | None,
    interaction_id: int | None,
    words: str | None,
    now: datetime,
) -> bool:
    """A consent for `purpose` (and `sector`) from this person; False when they already had
    one not withdrawn (nothing is written: the trail keeps the first)."""
    subscriber_id = _subscriber_for(connection, Citizen(network, address, alias, name), now)
    same = sa.select(Consent.id).where(
        Consent.subscriber_id == subscriber_id,
        Consent.purpose == purpose,
        Consent.sector.is_(None) if sector is None else Consent.sector == sector,
        Consent.withdrawn_at.is_(None),
    )
    granted = connection.execute(
        sa.insert(Consent)
        .from_select(
            ["subscriber_id", "purpose", "sector", "granted_at", "granted_by", "granted_words"],
            sa.select(
                sa.literal(subscriber_id),
                sa.literal(purpose.value),
                sa.literal(sector, type_=sa.String()),
                sa.literal(now, type_=Consent.__table__.c.granted_at.type),
                sa.literal(interaction_id, type_=sa.Integer()),
                sa.literal((words or "")[:MAX_WORDS] or None, type_=sa.String()),
            ).where(~sa.exists(same)),
        )
        .returning(Consent.id)  # rowcount of an INSERT is not reliable on PostgreSQL (-1)
    ).first()
    return granted is not None


def withdraw_all(
    connection: sa.Connection,
    subscriber_id: int,
    how: str,
    interaction_id: int | None,
    now: datetime,
) -> int:
    """Every consent of the subscriber not yet withdrawn -> withdrawn (`how`: mensaje, borrado,
    equipo), and every delivery not yet sent to them (queued, or claimed by a sender and not
    yet called) -> withdrawn, at once: nothing more is sent. The number of consents withdrawn."""
    if how not in WITHDRAWN_HOW:
        raise ValueError(f"a consent is not withdrawn by {how!r}")
    withdrawn = connection.execute(
        sa.update(Consent)
        .where(Consent.subscriber_id == subscriber_id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now, withdrawn_by=interaction_id, withdrawn_how=how)
    ).rowcount
    # A delivery claimed already (sending) stops too: the sender checks «still sending and
    # mine» right before its call. Its lease stays, so a call already in flight is recorded.
    connection.execute(
        sa.update(Delivery)
        .where(Delivery.subscriber_id == subscriber_id, Delivery.state.in_(UNSENT))
        .values(state=DeliveryState.WITHDRAWN)
    )
    return withdrawn


@dataclass
class Current:
    """What a person is subscribed to now."""

    subscriber_id: int | None = None
    sectors: list[str] = field(default_factory=list)
    content: bool = False
    since: datetime | None = None

    @property
    def anything(self) -> bool:
        return bool(self.sectors) or self.content


def current(connection: sa.Connection, network: str, address: str | Iterable[str]) -> Current:
    """The consents not withdrawn of the person at `address` (or any of several ids)."""
    ids = [address] if isinstance(address, str) else list(address)
    subscriber_id = find_subscriber(connection, network, ids)
    if subscriber_id is None:
        return Current()
    rows = connection.execute(
        sa.select(Consent.purpose, Consent.sector, Consent.granted_at)
        .where(Consent.subscriber_id == subscriber_id, Consent.withdrawn_at.is_(None))
        .order_by(Consent.id)
    ).all()
    found = Current(subscriber_id)
    for row in rows:
        if row.purpose == Purpose.CONTENT:
            found.content = True
        elif row.sector and row.sector not in found.sectors:
            found.sectors.append(row.sector)
        found.since = row.granted_at if found.since is None else min(found.since, row.granted_at)
    return found


# --- erasure (Ley 1581: the person's data goes, the counts stay) ---------------------------


@dataclass
class Erased:
    subscriber_id: int
    consents: int = 0
    """Consents in the trail (kept, without the citizen's words)."""
    withdrawn: int = 0
    """Of them, withdrawn now."""
    deliveries_withdrawn: int = 0
    messages_blanked: int = 0
    """Messages of the person not part of a PQR: text, author and ids removed."""
    replies_settled: int = 0
    """Our replies to them still waiting (review or send), rejected: there is no one to send to."""
    replies_blanked: int = 0
    """Our answers to those messages: text removed (they may quote the person)."""
    network_ids_removed: int = 0
    """The network's message ids of sends to the person (a WhatsApp id holds the number)."""
    tickets_kept: int = 0
    """PQR of this person: kept with their messages (the company must keep them)."""


def erase(connection: sa.Connection, who: int | str, now: datetime) -> Erased | None:
    """Remove the person behind `who` (a subscriber id, or their number as text): address,
    alias and name gone, consents withdrawn («borrado») and their words gone, sends not yet
    made withdrawn; every message of theirs that is not part of a PQR loses its text, author
    and ids, our answers to them their text, and the network's ids of what we sent them go
    (a WhatsApp message id holds the phone number). Rows, states and dates stay, for the
    counts. None when there is no such subscriber or it was erased already."""
    subscriber_id = who if isinstance(who, int) else subscriber_by_number(connection, who)
    if subscriber_id is None:
        return None
    row = connection.execute(
        sa.select(Subscriber).where(Subscriber.id == subscriber_id, Subscriber.erased_at.is_(None))
    ).first()
    if row is None:
        return None
    ids = [found for found in (row.address, row.alias) if found]
    erased = Erased(subscriber_id)
    unsent = sa.select(sa.func.count()).where(
        Delivery.subscriber_id == subscriber_id, Delivery.state.in_(UNSENT)
    )
    erased.deliveries_withdrawn = connection.execute(unsent).scalar_one()
    erased.withdrawn = withdraw_all(connection, subscriber_id, "borrado", None, now)
    consents = connection.execute(
        sa.select(Consent.granted_by, Consent.withdrawn_by).where(
            Consent.subscriber_id == subscriber_id
        )
    ).all()
    erased.consents = len(consents)
    given = {found for pair in consents for found in pair if found is not None}
    connection.execute(
        sa.update(Consent).where(Consent.subscriber_id == subscriber_id).values(granted_words=None)
    )
    mine = _theirs(row.network, ids)
    written = sa.or_(mine, _interaction.c.id.in_(given)) if given else mine
    connection.execute(  # masked, but learned from their words: theirs, PQR or not
        sa.delete(_learned).where(
            _learned.c.interaction_id.in_(sa.select(_interaction.c.id).where(written))
        )
    )
    filed = sa.exists().where(_ticket.c.interaction_id == _interaction.c.id)
    theirs = [
        found
        for (found,) in connection.execute(
            sa.select(_interaction.c.id)
            .where(sa.or_(mine, _interaction.c.id.in_(given)) if given else mine)
            .where(~filed)
            .order_by(_interaction.c.id)
        ).all()
    ]
    erased.tickets_kept = connection.execute(
        sa.select(sa.func.count())
        .select_from(_ticket.join(_interaction, _interaction.c.id == _ticket.c.interaction_id))
        .where(mine)
    ).scalar_one()
    sent_ids: list[tuple[str, str]] = []  # (network id, the marker that replaces it)
    for start in range(0, len(theirs), _CHUNK):
        chunk = theirs[start : start + _CHUNK]
        answers = connection.execute(
            sa.select(_reply.c.id, _reply.c.remote_id).where(_reply.c.interaction_id.in_(chunk))
        ).all()
        sent_ids += [(a.remote_id, f"{ERASED_MARK}r{a.id}") for a in answers if a.remote_id]
        erased.replies_settled += connection.execute(
            sa.update(_reply)  # pending|approved -> rejected: the address is gone with the text
            .where(_reply.c.interaction_id.in_(chunk), _reply.c.state.in_(_UNANSWERED))
            .values(state="rejected", review_note=ERASURE_REASON, decided_at=now)
        ).rowcount
        erased.replies_blanked += connection.execute(
            sa.update(_reply)
            .where(_reply.c.interaction_id.in_(chunk))
            .values(text="", remote_id=None)
        ).rowcount
        erased.messages_blanked += connection.execute(
            sa.update(_interaction)
            .where(_interaction.c.id.in_(chunk))
            .values(
                text="",
                author_id="",
                author_alias=None,
                author_name="",
                thread_id=None,
                parent_id=None,
                attachments=None,
                remote_id=sa.literal(ERASED_MARK) + sa.cast(_interaction.c.id, sa.String),
            )
        ).rowcount
    sends = connection.execute(
        sa.select(Delivery.id, Delivery.remote_id).where(
            Delivery.subscriber_id == subscriber_id, Delivery.remote_id.is_not(None)
        )
    ).all()
    sent_ids += [(send.remote_id, f"{ERASED_MARK}e{send.id}") for send in sends]
    erased.network_ids_removed = len(sent_ids)
    connection.execute(
        sa.update(Delivery)
        .where(Delivery.subscriber_id == subscriber_id, Delivery.remote_id.is_not(None))
        .values(remote_id=None)
    )
    for remote_id, mark in sent_ids:  # a failed send's report keeps its code, not the id
        connection.execute(
            sa.update(_undelivered)
            .where(_undelivered.c.network == row.network, _undelivered.c.remote_id == remote_id)
            .values(remote_id=mark, reason="")
        )
    connection.execute(
        sa.update(Subscriber)
        .where(Subscriber.id == subscriber_id, Subscriber.erased_at.is_(None))
        .values(address=None, alias=None, name=None, erased_at=now)
    )
    return erased


def _theirs(network: str, ids: list[str]):
    """Messages written by (or in the thread of) the person with these ids on `network`."""
    return sa.and_(
        _interaction.c.network == network,
        sa.or_(
            _interaction.c.author_id.in_(ids),
            _interaction.c.author_alias.in_(ids),
            _interaction.c.thread_id.in_(ids),
        ),
    )


@dataclass
class Outstanding:
    """What of a person is still in the office's hands, said before erasing them."""

    replies: int = 0
    """Our replies to their messages waiting for review or for the send job."""
    open_tickets: list[str] = field(default_factory=list)
    """Radicados of their PQR not closed."""


def outstanding(connection: sa.Connection, subscriber_id: int) -> Outstanding:
    """Replies waiting and PQR open of a subscriber not yet erased (nothing otherwise)."""
    row = connection.execute(
        sa.select(Subscriber.network, Subscriber.address, Subscriber.alias).where(
            Subscriber.id == subscriber_id, Subscriber.erased_at.is_(None)
        )
    ).first()
    found = Outstanding()
    ids = [one for one in (row.address, row.alias) if one] if row is not None else []
    if not ids:
        return found
    mine = _theirs(row.network, ids)
    filed = sa.exists().where(_ticket.c.interaction_id == _interaction.c.id)
    found.replies = connection.execute(
        sa.select(sa.func.count())
        .select_from(_reply.join(_interaction, _interaction.c.id == _reply.c.interaction_id))
        .where(mine, ~filed, _reply.c.state.in_(_UNANSWERED))
    ).scalar_one()
    found.open_tickets = [
        radicado
        for (radicado,) in connection.execute(
            sa.select(_ticket.c.radicado)
            .select_from(_ticket.join(_interaction, _interaction.c.id == _ticket.c.interaction_id))
            .where(mine, _ticket.c.status != "cerrado")
            .order_by(_ticket.c.id)
        ).all()
    ]
    return found


_CHUNK = 500
"""Rows per statement in an erasure (SQLite's limit of bound values)."""


def subscriber_by_number(connection: sa.Connection, number: str) -> int | None:
    """The subscriber whose address or alias is `number` («+57 300 123 4567», «3001234567»)."""
    digits = "".join(char for char in number if char.isdigit())
    if not digits:
        return None
    candidates = [digits] + ([f"57{digits}"] if len(digits) == 10 else [])
    return connection.execute(
        sa.select(Subscriber.id)
        .where(
            Subscriber.erased_at.is_(None),
            sa.or_(Subscriber.address.in_(candidates), Subscriber.alias.in_(candidates)),
        )
        .order_by(Subscriber.id)
        .limit(1)
    ).scalar()


# --- a citizen's command: the writes and the one answer -----------------------------------


def reason_for(command: Command) -> str:
    """Why, for the team: the interaction's decision, starting with «suscripción»."""
    ask = command.ask
    if ask == Ask.SUBSCRIBE:
        names = spanish_list(sector.name for sector in command.sectors)
        return f"{SUBSCRIPTION_REASON}: avisos de {names}"
    what = {
        Ask.CONTENT: "contenidos",
        Ask.WITHDRAW: "baja de todo",
        Ask.STATUS: "consulta",
        Ask.UNKNOWN_SECTOR: "sector desconocido, se le preguntó",
        Ask.WHICH_SECTOR: "se le preguntó el sector",
    }[ask]
    return f"{SUBSCRIPTION_REASON}: {what}"


STOP = "Para dejar de recibirlos escriba SALIR."


def consent_notice(company: str, policy_url: str = "") -> str:
    """The short privacy notice a consent is given with (Ley 1581: informed): who treats the
    number, what for, how to withdraw and how to ask for erasure, and the company's policy."""
    notice = (
        f"Aviso de privacidad: {company or 'la empresa'} usa su número solo para enviarle los "
        "avisos o contenidos que pidió (Ley 1581 de 2012). Puede consultarlos con MIS AVISOS, "
        "retirarse cuando quiera con SALIR y, si quiere que borremos sus datos, pídalo por "
        "este chat o en la oficina."
    )
    if policy_url:
        notice += f" Política de datos: {policy_url}"
    return notice


def gives_consent(connection: sa.Connection, command: Command, citizen: Citizen) -> bool:
    """`command` is a consent and the person has none in force: their first, or the first
    since they left, which the privacy notice goes with (asked before `answer` writes it)."""
    if command.ask not in (Ask.SUBSCRIBE, Ask.CONTENT):
        return False
    return not current(connection, citizen.network, citizen.ids).anything


def answer(
    connection: sa.Connection,
    command: Command,
    citizen: Citizen,
    sectors: Sectors,
    interaction_id: int | None,
    words: str,
    now: datetime,
) -> str:
    """Carry out `command` for `citizen`: what the citizen reads, in plain Spanish."""
    ask = command.ask
    if ask == Ask.SUBSCRIBE:
        names = [sector.name for sector in command.sectors]
        new = [
            name
            for name in names
            if subscribe(
                connection, *_who(citizen), Purpose.NOTICES, name, interaction_id, words, now
            )
        ]
        where = spanish_list(names)
        if new:
            text = (
                f"Listo: le avisaremos por este medio de cortes y trabajos en {where}. "
                "Para dejar de recibir avisos escriba SALIR."
            )
        else:
            text = f"Ya recibe por este medio los avisos de {where}. {STOP}"
        return text
    if ask == Ask.CONTENT:
        new = subscribe(
            connection, *_who(citizen), Purpose.CONTENT, None, interaction_id, words, now
        )
        text = (
            "Listo: le enviaremos por este medio noticias y contenidos de la empresa. "
            if new
            else "Ya recibe por este medio las noticias y contenidos de la empresa. "
        ) + STOP
        return text
    if ask == Ask.WITHDRAW:
        subscriber_id = find_subscriber(connection, citizen.network, citizen.ids)
        left = (
            withdraw_all(connection, subscriber_id, "mensaje", interaction_id, now)
            if subscriber_id is not None
            else 0
        )
        text = (
            "Listo: ya no le enviaremos avisos ni contenidos por este medio. "
            if left
            else "No tenía suscripciones con nosotros: no le enviaremos avisos. "
        ) + "Si quiere volver a recibirlos, escriba AVISOS y el nombre de su barrio o vereda."
        return text
    if ask == Ask.STATUS:
        return _status_text(current(connection, citizen.network, citizen.ids))
    example = sectors.names()[0] if sectors.items else "Centro"
    if not sectors.items:
        text = (
            "Por ahora no enviamos avisos por barrio o vereda por este medio. Si tiene una "
            "pregunta sobre el servicio, escríbala y le respondemos."
        )
    elif ask == Ask.UNKNOWN_SECTOR:
        text = (
            f"No encontramos el sector «{command.spelled[:60]}». Escriba AVISOS y el nombre "
            f"de su barrio o vereda, por ejemplo «AVISOS {example}»; {sectors.known()}."
        )
    else:
        text = (
            "¿De qué barrio o vereda quiere recibir avisos? Escriba AVISOS y el nombre, por "
            f"ejemplo «AVISOS {example}»; {sectors.known()}."
        )
    return text


def _who(citizen: Citizen) -> tuple[str, str, str | None, str | None]:
    return citizen.network, citizen.address, citizen.alias, citizen.name


def _status_text(found: Current) -> str:
    if not found.anything:
        return (
            "No está inscrito para recibir avisos. Escriba AVISOS y el nombre de su barrio o "
            "vereda, por ejemplo «AVISOS Centro», o CONTENIDO para recibir noticias."
        )
    parts = []
    if found.sectors:
        parts.append(f"avisos de cortes y trabajos en {spanish_list(found.sectors)}")
    if found.content:
        parts.append("noticias y contenidos de la empresa")
    return f"Recibe por este medio: {'; '.join(parts)}. {STOP}"
