"""Networks the daemons stopped using (a revoked token): shared through the database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from scheduler.models import ChannelState


def pause_channel(
    connection: sa.Connection, channel: str, until: datetime, reason: str, now: datetime
) -> None:
    """Record that `channel` is paused until `until` (every daemon reads it)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    values = {"channel": channel, "paused_until": until, "reason": reason, "updated_at": now}
    statement = dialect.insert(ChannelState).values(**values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[ChannelState.channel],
            set_={"paused_until": until, "reason": reason, "updated_at": now},
        )
    )


_TABLE = ChannelState.__table__
# Built once: it runs after every post that went out.
_CLEAR_PAUSE = (
    sa.update(_TABLE)
    .where(_TABLE.c.channel == sa.bindparam("paused_channel"), _TABLE.c.paused_until.is_not(None))
    .values(
        paused_until=None,
        reason=None,
        updated_at=sa.bindparam("cleared_at", type_=_TABLE.c.updated_at.type),
    )
)


def clear_pause(connection: sa.Connection, channel: str, now: datetime) -> None:
    """The network works again: forget the pause."""
    connection.execute(_CLEAR_PAUSE, {"paused_channel": channel, "cleared_at": now})
