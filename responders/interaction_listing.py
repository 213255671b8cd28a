"""Messages as `conectados inbox` lists them: the query behind it, without the responder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from responders.models import Interaction, Reply, ReplyState

if TYPE_CHECKING:
    from conectados.db import Database

ON_ITS_WAY = (ReplyState.PENDING, ReplyState.APPROVED, ReplyState.SENDING)
"""A reply in one of these states has not gone out yet, but may still."""


@dataclass(frozen=True)
class ListedInteraction:
    """A message and how far its replies got, as the inbox says it."""

    interaction: Interaction
    reply_sent: bool
    """One of its replies reached the network."""
    reply_on_its_way: bool
    """One of its replies waits for a person, for the send job, or is being sent."""


def _any_reply(*conditions) -> sa.Exists:
    return sa.exists().where(Reply.interaction_id == Interaction.id, *conditions)


def written_since(database: Database, since: datetime, limit: int) -> list[ListedInteraction]:
    """Messages written from `since` on, newest first, at most `limit`; one query, how far
    their replies got included."""
    with database.session() as session:
        rows = session.execute(
            sa.select(
                Interaction,
                _any_reply(Reply.state == ReplyState.SENT).label("sent"),
                _any_reply(Reply.state.in_(ON_ITS_WAY)).label("on_its_way"),
            )
            .where(Interaction.written_at >= since)
            .order_by(Interaction.written_at.desc(), Interaction.id.desc())
            .limit(limit)
        ).all()
    return [ListedInteraction(row[0], bool(row.sent), bool(row.on_its_way)) for row in rows]
