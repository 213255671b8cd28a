"""The poll job: what citizens wrote, stored once, and where each channel's poll left off.

What arrives is stored through `responders.intake` (once per network and remote id), in the
same transaction as the cursor that goes past it, so an unreadable item set aside never blocks
a later round.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from channels.base import AuthFailed, Channel, ChannelError, Polls, capable
from conectados.clock import Clock
from conectados.db import Database, upsert_statement
from responders.intake import record_set_aside, store_interactions
from scheduler.models import Cursor
from scheduler.paused import paused_channels
from scheduler.pauses import pause_channel

log = logging.getLogger("conectados.leer")

AUTH_PAUSE = timedelta(minutes=30)
STREAM = "all"
"""One cursor per channel: the adapters keep their streams inside it."""


@dataclass
class PollRound:
    stored: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    set_aside: dict[str, int] = field(default_factory=dict)
    """Items each channel sent that could not be read (newly recorded this round)."""


class Inbox:
    """Polls every channel and stores what is new."""

    def __init__(self, database: Database, channels: Mapping[str, Channel], clock: Clock) -> None:
        self.database = database
        self.channels = capable(channels, Polls)  # a network that only pushes is not polled
        self.clock = clock

    def run_once(self) -> PollRound:
        outcome = PollRound()
        now = self.clock.now()
        with self.database.session() as session:
            paused = paused_channels(session.connection(), now)
            cursors = dict(
                session.execute(
                    sa.select(Cursor.channel, Cursor.position).where(Cursor.stream == STREAM)
                ).all()
            )
        for name, channel in self.channels.items():
            if name in paused:
                continue
            try:
                batch = channel.poll(cursors.get(name))
            except AuthFailed as error:
                with self.database.session(write=True) as session:
                    pause_channel(session.connection(), name, now + AUTH_PAUSE, error.reason, now)
                outcome.failed[name] = error.reason
                log.error("%s en pausa: %s", name, error.reason)
                continue
            except ChannelError as error:
                outcome.failed[name] = str(error)
                log.warning("no se pudo leer %s: %s", name, error)
                continue
            # The items and the cursor that follows them are saved together, or neither.
            with self.database.session(write=True) as session:
                connection = session.connection()
                stored = store_interactions(connection, batch.items, self.clock.now())
                aside = record_set_aside(connection, batch.set_aside, "poll", self.clock.now())
                save_cursor(connection, name, batch.cursor, self.clock.now())
            outcome.stored[name] = stored
            outcome.calls[name] = batch.calls
            if aside:
                outcome.set_aside[name] = aside
                log.warning(
                    "%s: %d elementos ilegibles apartados (vea «conectados status»)", name, aside
                )
            if stored:
                log.info("%s: %d mensajes nuevos de ciudadanos", name, stored)
        return outcome


def save_cursor(
    connection: sa.Connection, channel: str, position: str | None, now: datetime
) -> None:
    statement = upsert_statement(connection, Cursor).values(
        channel=channel, stream=STREAM, position=position, updated_at=now
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[Cursor.channel, Cursor.stream],
            set_={"position": position, "updated_at": now},
        )
    )
