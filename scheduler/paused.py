"""Which channels are paused now, read through a light Core table: the jobs ask it, and so does
`conectados status`, which must not import the daemon's models (tests/test_light_tables.py
checks the table against them)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from conectados.db import UTCDateTime

channel_state = sa.table(
    "channel_state",
    sa.column("channel", sa.String),
    sa.column("paused_until", UTCDateTime),
    sa.column("reason", sa.Text),
)


def paused_channels(
    connection: sa.Connection, now: datetime
) -> dict[str, tuple[datetime, str | None]]:
    """Channel -> (paused until, why), for the pauses still running."""
    rows = connection.execute(
        sa.select(
            channel_state.c.channel, channel_state.c.paused_until, channel_state.c.reason
        ).where(channel_state.c.paused_until > now)
    )
    return {row.channel: (row.paused_until, row.reason) for row in rows}
