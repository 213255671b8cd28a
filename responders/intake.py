"""Intake: what arrives from the networks (a poll or a webhook), stored once.

An interaction is unique per network and remote id, so a second daemon, a repeated poll or
Meta's retried webhook stores nothing twice; it waits in state `received` for the responder.
A text longer than the network allows is cut at its maximum, and the length it had is kept.
An item the adapter could not read is set aside (`set_aside_item`) in the caller's
transaction, with the others, so it never blocks a later round. The poll job and the webhook
receiver both write through here (and `responders.replies.record_undelivered`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa

from channels.base import Incoming, SetAside, readable_text
from channels.specs import authors_filled_by_poll, incoming_text_limit
from conectados.db import upsert_statement
from content_calendar.models import Publication
from responders.interactions import decide
from responders.models import Interaction, InteractionKind, InteractionState, SetAsideItem

log = logging.getLogger("conectados.webhooks")  # the receiver's log: the team reads it there


def printable(text: str) -> str:
    """What is stored is readable: the channels clean what they read where it enters
    (`readable_text`); this applies the same cleaning once more to whatever reaches the
    database by another way (a set-aside reason, an adapter that forgot), since one lone
    surrogate or NUL would fail the whole batch (it is idempotent: clean text is kept as is)."""
    return readable_text(text or "")


def store_interactions(
    connection: sa.Connection,
    items: list[Incoming],
    now: datetime,
    renamed: Sequence[tuple[str, str, str]] = (),
) -> int:
    """Store each interaction once (unique per network and remote id); return how many were new.

    `renamed` (network, an id a citizen had, their new id) links each new id to the author
    the old one names, before the items are stored (`link_renamed`)."""
    _lock_ids(
        connection,
        {(item.network, found) for item in items for found in (item.author_id, item.author_alias)}
        | {(network, found) for network, *ids in renamed for found in ids},
    )
    link_renamed(connection, renamed)
    if not items:
        return 0
    threads = {item.thread_id for item in items if item.kind != "message" and item.thread_id}
    publications = (
        dict(
            connection.execute(
                sa.select(Publication.remote_id, Publication.id).where(
                    Publication.remote_id.in_(threads)
                )
            ).all()
        )
        if threads
        else {}
    )
    authors = _same_authors(connection, items)
    rows = [
        {
            **_capped_text(item),
            "network": item.network,
            "kind": InteractionKind(item.kind),
            "remote_id": item.remote_id,
            "thread_id": item.thread_id,
            "parent_id": item.parent_id,
            "author_id": authors[index][0],
            "author_alias": authors[index][1],
            "author_name": printable(item.author_name)[:200],
            "attachments": [
                {key: printable(value)[:1000] for key, value in asdict(attachment).items()}
                for attachment in item.attachments
            ]
            or None,
            "written_at": item.written_at,
            "received_at": now,
            "publication_id": publications.get(item.thread_id),
            "state": InteractionState.RECEIVED,
        }
        for index, item in enumerate(items)
    ]
    # Rows as parameters, not in the statement: it is compiled once and cached, whatever the
    # number of rows (the webhook receiver writes many small batches). RETURNING says which
    # rows were new.
    statement = (
        upsert_statement(connection, Interaction)
        .on_conflict_do_nothing(index_elements=[Interaction.network, Interaction.remote_id])
        .returning(Interaction.id, Interaction.network, Interaction.remote_id)
    )
    stored = connection.execute(statement, rows).all()
    new = len(stored)
    _leave_alone(connection, [item for item in items if item.left_alone], now)
    named = [
        {
            "n": item.network,
            "r": item.remote_id,
            "name": printable(item.author_name)[:200],
            "who": item.author_id,
        }
        for item in items
        if authors_filled_by_poll(item.network) and item.author_name and item.author_id
    ]
    if named:
        # Meta's webhooks leave the name out of Messenger messages (and the author out of some
        # comments); the poll that reads the same item later brings them: fill them in.
        connection.execute(
            sa.update(Interaction)
            .where(
                Interaction.network == sa.bindparam("n"),
                Interaction.remote_id == sa.bindparam("r"),
                sa.or_(Interaction.author_name == "", Interaction.author_id == ""),
            )
            .values(author_name=sa.bindparam("name"), author_id=sa.bindparam("who")),
            named,
        )
    return new


def unnamed_authors(connection: sa.Connection, network: str, since: datetime) -> list[str]:
    """The authors of the network's private messages received since `since` that are stored
    by number only (no name), the latest first."""
    return list(
        connection.execute(
            sa.select(Interaction.author_id)
            .where(
                Interaction.network == network,
                Interaction.kind == InteractionKind.MESSAGE,
                Interaction.author_name == "",
                Interaction.author_id != "",
                Interaction.received_at >= since,
            )
            .group_by(Interaction.author_id)
            .order_by(sa.func.max(Interaction.id).desc())
        ).scalars()
    )


def fill_author_names(connection: sa.Connection, network: str, names: dict[str, str]) -> int:
    """Give each author's interactions stored without a name the name found later (by
    author id: a webhook said only the number); a name already stored is kept. Returns
    how many interactions were named."""
    named = 0
    for author, name in names.items():
        if not name or not author:
            continue
        named += connection.execute(
            sa.update(Interaction)
            .where(
                Interaction.network == network,
                Interaction.author_id == author,
                Interaction.author_name == "",
            )
            .values(author_name=printable(name)[:200])
        ).rowcount
    return named


def _leave_alone(connection: sa.Connection, items: list[Incoming], now: datetime) -> None:
    """Items to be stored and shown, never answered (a Messenger thread another app owns):
    decided at once, in the same transaction, so no responder sees them received. One the
    poll stored first is decided too while no responder has taken it (`decide` is a
    compare-and-set on `received`)."""
    for item in items:
        found = connection.execute(
            sa.select(Interaction.id).where(
                Interaction.network == item.network, Interaction.remote_id == item.remote_id
            )
        ).scalar()
        if found is not None:
            decide(connection, found, InteractionState.IGNORED, None, None, item.left_alone, now)


def _lock_ids(connection: sa.Connection, keys: set[tuple[str, str | None]]) -> None:
    """On PostgreSQL, hold each id of these citizens until the transaction ends: two
    receivers storing one citizen's first message by phone and first by BSUID at once would
    each find no earlier author and split the citizen in two. Taken in one order (no
    deadlock). SQLite needs none: its writers take turns."""
    if connection.dialect.name != "postgresql":
        return
    wanted = sorted({f"{network}:{found}" for network, found in keys if found})
    if wanted:
        connection.execute(
            sa.text(
                "SELECT pg_advisory_xact_lock(hashtext(k)) FROM "
                "(SELECT k FROM unnest(CAST(:keys AS text[])) AS k ORDER BY hashtext(k), k) AS ids"
            ),
            {"keys": wanted},
        )


def link_renamed(connection: sa.Connection, renamed: Sequence[tuple[str, str, str]]) -> None:
    """WhatsApp gave a citizen a new BSUID (network, old id, new id): the new id becomes the
    alias of the author's latest interaction that has no other alias (or had the old id as
    it), so `_same_authors` puts the next message with the new id under the same author. An
    old id we never heard from links nothing: that citizen is new to us."""
    for network, old, new in renamed:
        names = sa.or_(Interaction.author_id == old, Interaction.author_alias == old)
        author = connection.execute(
            sa.select(Interaction.author_id)
            .where(Interaction.network == network, names)
            .order_by(Interaction.id)
            .limit(1)
        ).scalar()
        if author is None or author == new:
            continue
        latest = connection.execute(
            sa.select(Interaction.id)
            .where(
                Interaction.network == network,
                Interaction.author_id == author,
                sa.or_(Interaction.author_alias.is_(None), Interaction.author_alias == old),
            )
            .order_by(Interaction.id.desc())
            .limit(1)
        ).scalar()
        if latest is None:
            log.warning("webhooks: no se pudo enlazar el nuevo identificador de un ciudadano")
            continue
        connection.execute(
            sa.update(Interaction).where(Interaction.id == latest).values(author_alias=new)
        )


def _same_authors(connection: sa.Connection, items: list[Incoming]) -> list[tuple[str, str | None]]:
    """Each item's (author_id, author_alias) as stored: one citizen is one author whatever id
    they wrote with. When an earlier interaction of the network (or an earlier item of this
    batch) has one of the item's ids as its author or alias, the item goes under that earlier
    author_id, and the item's other id becomes the alias."""
    wanted: dict[str, set[str]] = {}
    for item in items:
        if item.author_id:
            wanted.setdefault(item.network, set()).update(
                filter(None, (item.author_id, item.author_alias))
            )
    known: dict[tuple[str, str], str] = {}
    for network, ids in wanted.items():
        earlier = connection.execute(
            sa.select(Interaction.author_id, Interaction.author_alias)
            .where(
                Interaction.network == network,
                sa.or_(Interaction.author_id.in_(ids), Interaction.author_alias.in_(ids)),
            )
            .order_by(Interaction.id)
        ).all()
        for row in earlier:  # the earliest row that names an id says who it is
            for found in (row.author_id, row.author_alias):
                if found:
                    known.setdefault((network, found), row.author_id)
    authors: list[tuple[str, str | None]] = []
    for item in items:
        ids = [found for found in (item.author_id, item.author_alias) if found]
        author = next(
            (known[(item.network, found)] for found in ids if (item.network, found) in known),
            item.author_id,
        )
        alias = next((found for found in reversed(ids) if found != author), None)
        for found in ids:
            known.setdefault((item.network, found), author)
        authors.append((author, alias))
    return authors


def _capped_text(item: Incoming) -> dict[str, object]:
    """The text as stored: cut at the network's maximum, with the length it had if cut."""
    limit = incoming_text_limit(item.network, item.kind)
    if len(item.text) <= limit:
        return {"text": printable(item.text), "original_length": None}
    return {"text": printable(item.text[:limit]), "original_length": len(item.text)}


def record_set_aside(
    connection: sa.Connection, items: list[SetAside], source: str, now: datetime
) -> int:
    """Keep each unreadable item once (the next poll or Meta's retry brings it again);
    return how many were new."""
    if not items:
        return 0
    rows = {}
    for item in items:
        key = (
            f"{item.kind}\0{item.remote_id}"
            if item.remote_id
            else f"{item.kind}\0{item.reason}\0{item.excerpt}"
        )
        fingerprint = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
        rows[(item.network, fingerprint)] = {
            "network": item.network[:20],
            "kind": item.kind[:20],
            "source": source,
            "remote_id": item.remote_id,
            "fingerprint": fingerprint,
            "reason": printable(item.reason)[:1000],
            "excerpt": printable(item.excerpt)[:200],
            "set_aside_at": now,
        }
    statement = (
        upsert_statement(connection, SetAsideItem)
        .on_conflict_do_nothing(index_elements=[SetAsideItem.network, SetAsideItem.fingerprint])
        .returning(SetAsideItem.id)
    )
    return len(connection.execute(statement, list(rows.values())).all())
