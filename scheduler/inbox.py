"""The poll job: what citizens wrote, stored once, and where each channel's poll left off.

What arrives is stored through `responders.intake` (once per network and remote id), in the
same transaction as the cursor that goes past it, so an unreadable item set aside never blocks
a later round.

After a channel's round, a channel that can name authors (`NamesAuthors`: Instagram, whose
messaging webhook says only the sender's number) is asked the names of a few authors of
private messages still stored by number; each author is asked a few times at most.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

import sqlalchemy as sa

from channels.base import AuthFailed, Channel, ChannelError, Polls, capable
from conectados.clock import Clock
from conectados.db import Database, upsert_statement
from responders.intake import (
    fill_author_names,
    record_set_aside,
    store_interactions,
    unnamed_authors,
)
from scheduler.models import Cursor
from scheduler.paused import paused_channels
from scheduler.pauses import pause_channel

log = logging.getLogger("conectados.leer")

AUTH_PAUSE = timedelta(minutes=30)
STREAM = "all"
"""One cursor per channel: the adapters keep their streams inside it."""
NAMES_STREAM = "author_names"
"""The row (per channel) that counts how often each unnamed author was asked."""
NAMES_PER_ROUND = 10
"""At most this many authors asked per round (one call each: the poll stays cheap)."""
NAME_TRIES = 3
"""An author the network refused to name this many times keeps their number."""
NAMES_WITHIN = timedelta(days=7)
"""Only messages received this recently (conversations the team still answers)."""


@runtime_checkable
class NamesAuthors(Protocol):
    """Can say who wrote private messages that arrived with the author's number only."""

    name: str

    def author_names(self, author_ids: Sequence[str]) -> dict[str, str]:
        """The display name of each id it could ask about ("" when the network refused
        it); ids left out were not asked (the network stopped answering)."""
        ...


@dataclass
class PollRound:
    stored: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    set_aside: dict[str, int] = field(default_factory=dict)
    """Items each channel sent that could not be read (newly recorded this round)."""
    named: dict[str, int] = field(default_factory=dict)
    """Interactions that got their author's name this round (stored by number before)."""


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
            if isinstance(channel, NamesAuthors):
                outcome.named[name] = self.name_authors(channel)
        return outcome

    def name_authors(self, channel: NamesAuthors) -> int:
        """Ask the channel the names of up to NAMES_PER_ROUND authors of recent private
        messages stored by number only, each at most NAME_TRIES times (a refused one keeps
        its number: tried again next round until then); return how many interactions were
        named. Names are never logged: only how many."""
        now = self.clock.now()
        with self.database.session() as session:
            connection = session.connection()
            unnamed = unnamed_authors(connection, channel.name, now - NAMES_WITHIN)
            tries = _tries(connection, channel.name)
        wanted = [author for author in unnamed if tries.get(author, 0) < NAME_TRIES]
        if not wanted:
            return 0
        answers = channel.author_names(wanted[:NAMES_PER_ROUND])
        if not answers:
            return 0
        for author, found in answers.items():
            if not found:
                tries[author] = tries.get(author, 0) + 1
        still = set(unnamed) - {author for author, found in answers.items() if found}
        with self.database.session(write=True) as session:
            connection = session.connection()
            named = fill_author_names(connection, channel.name, answers)
            kept = {author: count for author, count in tries.items() if author in still}
            save_cursor(connection, channel.name, json.dumps(kept), now, NAMES_STREAM)
        if named:
            log.info("%s: %d mensajes con el nombre de su autor", channel.name, named)
        return named


def _tries(connection: sa.Connection, channel: str) -> dict[str, int]:
    """How often each unnamed author was asked (NAMES_STREAM's row; {} if none or unreadable)."""
    position = connection.execute(
        sa.select(Cursor.position).where(Cursor.channel == channel, Cursor.stream == NAMES_STREAM)
    ).scalar()
    try:
        found = json.loads(position or "{}")
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(key): value for key, value in found.items() if isinstance(value, int)}


def save_cursor(
    connection: sa.Connection,
    channel: str,
    position: str | None,
    now: datetime,
    stream: str = STREAM,
) -> None:
    statement = upsert_statement(connection, Cursor).values(
        channel=channel, stream=stream, position=position, updated_at=now
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[Cursor.channel, Cursor.stream],
            set_={"position": position, "updated_at": now},
        )
    )
