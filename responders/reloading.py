"""The running responder keeps up with the team: protocols, learned examples and thresholds.

Each round starts with one cheap look (`Reloading.look`): a `stat` of the protocol files,
the count and newest id of the learned examples, the newest thresholds' run and the company's
data. Only when one of them moved is anything loaded again. A protocol folder that no longer
loads is logged once (per change of its files) and the last good catalogue stays in use, as
`notices.sectors.SectorFile` does with the sectors: a bad edit must not stop the answers.

The thresholds are computed again by the service itself (trigger «servicio») when no run
matches the protocols and company data in use, or when enough examples were learned since the
run in use; at most once every `RECALIBRATE_EVERY`, since calibration reads every example.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from conectados.db import Database
from conectados.errors import ConectadosError
from responders.calibration import calibrate
from responders.examples import Example
from responders.learning import (
    Learned,
    examples_state,
    figures_json,
    fingerprint,
    load_examples,
    run_in_use,
    save_run,
    thresholds_of,
)
from responders.learning_version import files_state
from responders.matcher import Matcher
from responders.models import LearnedExample, LearningRun
from responders.policy import Thresholds
from responders.protocol_files import load_catalogue
from responders.protocols import Catalogue

RECALIBRATE_EVERY = timedelta(minutes=10)
"""The service computes the thresholds at most this often."""
RECALIBRATE_AFTER = 50
"""Examples learned since the run in use that make the service compute the thresholds again."""
REBUILD_EVERY = timedelta(minutes=2)
"""Newly learned examples are taken up at most this often: a model over thousands of examples
takes seconds to build, and a reviewer approving one reply after another must not stall the
answers each time (protocol edits and thresholds are taken up at once)."""
SERVICE_TRIGGER = "servicio"

log = logging.getLogger("conectados.responder")


@dataclass(frozen=True)
class InUse:
    """What the responder answers with from now on."""

    catalogue: Catalogue
    matcher: Matcher | None
    """None: the matcher in use stays (only the thresholds or the company's data moved)."""
    thresholds: Thresholds
    learned: Learned


@dataclass(frozen=True)
class _Seen:
    company: str
    examples: tuple
    newest_run: int | None


class Reloading:
    """One responder's view of what changed since its last look."""

    def __init__(
        self,
        database: Database,
        catalogue: Catalogue,
        base: Thresholds,
        folder: Path | None,
        watch_files: bool,
        every: timedelta = RECALIBRATE_EVERY,
        after: int = RECALIBRATE_AFTER,
        rebuild_every: timedelta = REBUILD_EVERY,
    ) -> None:
        self.database = database
        self.catalogue = catalogue
        self.base = base
        self.folder = folder
        self.watch_files = watch_files
        """Whether the catalogue is the settings' folder's (from_settings) or was given."""
        self.every = every
        self.after = after
        self._files = files_state(folder) if watch_files else None
        self._seen: _Seen | None = None
        self._examples: list[Example] = []
        self._calibrated_at: datetime | None = None
        self._recalibrate = False
        self.rebuild_every = rebuild_every
        self._built_at: datetime | None = None

    def look(self, company: dict, now: datetime) -> InUse | None:
        """What to answer with when anything changed since the last look (None: nothing did,
        keep going). The first look always loads."""
        protocols = self._protocols_changed()
        with self.database.session() as session:
            connection = session.connection()
            seen = _Seen(
                json.dumps(company, sort_keys=True, default=str),
                examples_state(connection),
                _newest_run(connection),
            )
        previous = self._seen
        due = self._recalibrate and self._may_calibrate(now)
        if not protocols and seen == previous and not due:
            return None
        if (
            not protocols
            and not due
            and previous is not None
            and seen.examples != previous.examples
            and (seen.company, seen.newest_run) == (previous.company, previous.newest_run)
            and self._built_at is not None
            and now - self._built_at < self.rebuild_every
        ):
            return None  # seen again at a later look, once `rebuild_every` has passed
        self._seen = seen
        examples = previous is None or seen.examples != previous.examples
        with self.database.session() as session:
            connection = session.connection()
            if examples:
                self._examples = load_examples(connection)
            learned = self._learned_now(connection, company)
            self._recalibrate = self._wants_calibration(connection, learned)
        # The responder starts with a matcher built without examples: with none learned yet,
        # the first look keeps it.
        rebuilt = protocols or (examples and (previous is not None or bool(self._examples)))
        matcher = Matcher(self.catalogue, self._examples) if rebuilt else None
        if rebuilt and examples:
            self._built_at = now
        if self._recalibrate and self._may_calibrate(now):
            learned = self._calibrate(learned, now)
        return InUse(self.catalogue, matcher, learned.thresholds, learned)

    def _protocols_changed(self) -> bool:
        if not self.watch_files:
            return False
        files = files_state(self.folder)
        if files == self._files:
            return False
        self._files = files  # a folder that does not load is logged once per change
        try:
            self.catalogue = load_catalogue(self.folder)
        except ConectadosError as error:
            log.error(
                "los protocolos no se pudieron leer; se sigue respondiendo con la versión "
                "anterior hasta que se corrijan: %s",
                error,
            )
            return False
        return True

    def _learned_now(self, connection: sa.Connection, company: dict) -> Learned:
        current = fingerprint(self.catalogue, company)
        run = run_in_use(connection, current)
        last_id = self._seen.examples[1] if self._seen else None
        return Learned(self._examples, thresholds_of(run, self.base), run, current, last_id)

    def _wants_calibration(self, connection: sa.Connection, learned: Learned) -> bool:
        """No run for these protocols and company data, or enough learned since the run in
        use; never without a learned example (the factory thresholds are what there is)."""
        if not learned.examples:
            return False
        if learned.run is None:
            return True
        table = LearnedExample.__table__
        since = sa.select(sa.func.count()).select_from(table)
        if learned.run.last_example_id is not None:
            since = since.where(table.c.id > learned.run.last_example_id)
        return connection.execute(since).scalar_one() >= self.after

    def _may_calibrate(self, now: datetime) -> bool:
        return self._calibrated_at is None or now - self._calibrated_at >= self.every

    def _calibrate(self, learned: Learned, now: datetime) -> Learned:
        self._calibrated_at = now
        try:
            calibration = calibrate(self.catalogue, learned.examples, self.base)
        except Exception:
            # The answers must not stop over the thresholds: the ones in use stay, and the
            # computation is tried again after `every`.
            log.exception(
                "los umbrales no se pudieron recalcular; se sigue con los que había y se "
                "intenta de nuevo en %d minutos",
                self.every.total_seconds() // 60,
            )
            return learned
        self._recalibrate = False
        with self.database.session(write=True) as session:
            connection = session.connection()
            run_id = save_run(
                connection,
                learned.fingerprint,
                calibration.thresholds,
                figures_json(calibration),
                len(learned.examples),
                learned.last_example_id,
                now,
                SERVICE_TRIGGER,
            )
        with self.database.session() as session:
            connection = session.connection()
            run = run_in_use(connection, learned.fingerprint)
            newest = _newest_run(connection)
        if self._seen is not None:
            self._seen = _Seen(self._seen.company, self._seen.examples, newest)
        log.info(
            "umbrales recalculados por el servicio: n.º %s, con %d ejemplos aprendidos",
            run_id,
            len(learned.examples),
        )
        return Learned(
            learned.examples,
            thresholds_of(run, self.base),
            run,
            learned.fingerprint,
            learned.last_example_id,
        )


def _newest_run(connection: sa.Connection) -> int | None:
    return connection.execute(sa.select(sa.func.max(LearningRun.__table__.c.id))).scalar_one()
