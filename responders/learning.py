"""The examples the responder learns from, in the database, and the thresholds set from them.

A review decision writes its example in the same transaction as the decision (`record`), so a
decision is never learned twice nor lost; a labelled file is imported line by line under one
origin per line (`import_labelled`), so importing it again adds nothing. The thresholds come
from `responders.calibration` and are stored as a `LearningRun` for one `fingerprint` of the
protocols and the company's data: after an edit of either, no stored run matches until the
thresholds are computed again (`protocols evaluate`, `protocols aprender` or the service).

`Learned` is what a matcher is built from: the examples, the thresholds in use and a version
that says which of them (`status` shows it; the daemon reloads when it changes).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from conectados.db import Database
from responders.calibration import Calibration, ProtocolFigures
from responders.examples import Example, ExampleAction, ExampleSource, example_text
from responders.models import LearnedExample, LearningRun
from responders.policy import Thresholds
from responders.protocols import Catalogue

INTERACTION_ORIGIN = "interaccion-{}"
FILE_ORIGIN = "archivo-{}-{}"
MAX_STORED_TEXT = 2_000
"""`LearnedExample.text`: masking can lengthen a text («a@b.co» -> «dato personal»)."""
LONGEST_LINE_ID = 80
"""A line id longer than this is stored by its digest (`LearnedExample.origin` holds 120)."""


def _stored(text: str) -> str:
    """An example's text as it fits its column: cut at the last whole word."""
    folded = example_text(text)
    if len(folded) <= MAX_STORED_TEXT:
        return folded
    return folded[: MAX_STORED_TEXT + 1].rsplit(" ", 1)[0][:MAX_STORED_TEXT]


def _line_origin(digest: str, line_id: str) -> str:
    """One imported line's origin: a long id by its digest, so two long ids never collide
    and the same line imported again is found."""
    if len(line_id) > LONGEST_LINE_ID:
        line_id = "sha-" + hashlib.sha256(line_id.encode()).hexdigest()[:32]
    return FILE_ORIGIN.format(digest, line_id)


def record(
    connection: sa.Connection,
    *,
    interaction_id: int,
    text: str,
    protocol: str | None,
    action: ExampleAction,
    reviewer: str | None,
    now: datetime,
) -> None:
    """What a person decided about one message, as an example (its latest decision wins,
    except that a message once filed stays a complaint).

    A second answer approved for the same message under another protocol (two questions in
    one message) becomes the example's `second` protocol instead of replacing the first."""
    table = LearnedExample.__table__
    origin = INTERACTION_ORIGIN.format(interaction_id)
    found = connection.execute(
        sa.select(table.c.id, table.c.protocol, table.c.action, table.c.second).where(
            table.c.origin == origin
        )
    ).first()
    values = {
        "text": _stored(text),
        "protocol": protocol,
        "action": ExampleAction(action).value,
        "decided_by": reviewer,
        "decided_at": now,
    }
    if found is None:
        connection.execute(
            sa.insert(table).values(
                origin=origin,
                interaction_id=interaction_id,
                source=ExampleSource.REVIEW.value,
                created_at=now,
                second=None,
                **values,
            )
        )
        return
    if found.action == ExampleAction.TICKET.value and action != ExampleAction.TICKET:
        # A complaint filed, then its question's draft approved: still a complaint (learned
        # as an answer it would teach the responder to answer complaints like it alone).
        return
    if (
        action == ExampleAction.ANSWER
        and found.action == ExampleAction.ANSWER.value
        and found.protocol not in (None, protocol)
    ):
        values = {"second": protocol, "decided_by": reviewer, "decided_at": now}
    connection.execute(sa.update(table).where(table.c.id == found.id).values(**values))


def forget_interactions(connection: sa.Connection, interaction_ids: Sequence[int]) -> int:
    """Remove the examples learned from these messages (a person's erasure)."""
    if not interaction_ids:
        return 0
    table = LearnedExample.__table__
    return connection.execute(
        sa.delete(table).where(table.c.interaction_id.in_(list(interaction_ids)))
    ).rowcount


def load_examples(connection: sa.Connection) -> list[Example]:
    """Every learned example, oldest decision first."""
    table = LearnedExample.__table__
    rows = connection.execute(
        sa.select(
            table.c.text,
            table.c.protocol,
            table.c.action,
            table.c.decided_at,
            table.c.source,
            table.c.second,
        ).order_by(table.c.decided_at, table.c.id)
    )
    return [
        Example(
            text=row.text,
            protocol=row.protocol,
            action=ExampleAction(row.action),
            at=row.decided_at,
            source=ExampleSource(row.source),
            second=row.second,
        )
        for row in rows
    ]


def examples_state(connection: sa.Connection) -> tuple[int, int | None, datetime | None]:
    """How many examples there are, the newest id and the newest decision: a cheap check of
    whether anything was learned since a matcher was built."""
    table = LearnedExample.__table__
    row = connection.execute(
        sa.select(sa.func.count(), sa.func.max(table.c.id), sa.func.max(table.c.decided_at))
    ).one()
    return int(row[0]), row[1], row[2]


@dataclass(frozen=True)
class Imported:
    added: int
    already: int
    """Lines imported before (same file content and line id)."""


def import_examples(
    database: Database,
    path: Path,
    rows: Sequence[tuple[str, str, tuple[str, ...], tuple[str, ...]]],
    raw: bytes,
    who: str,
    now: datetime,
    dates: Sequence[datetime | None] = (),
) -> Imported:
    """Store labelled lines (id, text, protocols, actions) as examples, all or none.

    Each line's origin is the file's digest and the line's id, so the same file imported
    twice adds nothing. A line without a date of its own (`dates`) is dated by its place in
    the file, one second apart, ending `now`: time-ordered cross-validation trains on the
    file's first lines and measures on its last ones."""
    digest = hashlib.sha256(raw).hexdigest()[:16]
    table = LearnedExample.__table__
    added = already = 0
    with database.session(write=True) as session:
        connection = session.connection()
        known = set(
            connection.execute(
                sa.select(table.c.origin).where(table.c.origin.like(f"archivo-{digest}-%"))
            ).scalars()
        )
        batch = []
        for index, (line_id, text, protocols, actions) in enumerate(rows):
            origin = _line_origin(digest, line_id)
            if origin in known:
                already += 1
                continue
            known.add(origin)
            dated = dates[index] if index < len(dates) else None
            batch.append(
                {
                    "origin": origin,
                    "interaction_id": None,
                    "text": _stored(text),
                    "protocol": protocols[0] if protocols else None,
                    "second": protocols[1] if len(protocols) > 1 else None,
                    "action": ExampleAction(actions[0]).value,
                    "source": ExampleSource.IMPORTED.value,
                    "decided_by": who[:200],
                    "decided_at": dated or now - timedelta(seconds=len(rows) - index),
                    "created_at": now,
                }
            )
            added += 1
        for start in range(0, len(batch), 500):
            connection.execute(sa.insert(table), batch[start : start + 500])
    return Imported(added, already)


def fingerprint(catalogue: Catalogue, company: dict) -> str:
    """A digest of what the thresholds were measured for: every protocol's file as written
    (keys, examples, templates, action) and the company's data the templates cite."""
    digest = hashlib.sha256()
    for protocol in sorted(catalogue, key=lambda protocol: protocol.id):
        digest.update(protocol.id.encode())
        try:
            digest.update(Path(protocol.source).read_bytes())
        except OSError:
            digest.update(repr(protocol).encode())
    filters = getattr(catalogue.filters, "source", None)
    if filters:
        with contextlib.suppress(OSError):
            digest.update(Path(filters).read_bytes())
    digest.update(json.dumps(company, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def run_in_use(connection: sa.Connection, current: str) -> LearningRun | None:
    """The newest thresholds computed for this version of the protocols and company data."""
    table = LearningRun.__table__
    row = connection.execute(
        sa.select(table).where(table.c.fingerprint == current).order_by(table.c.id.desc()).limit(1)
    ).first()
    return LearningRun(**row._mapping) if row is not None else None


def latest_run(connection: sa.Connection) -> LearningRun | None:
    table = LearningRun.__table__
    row = connection.execute(sa.select(table).order_by(table.c.id.desc()).limit(1)).first()
    return LearningRun(**row._mapping) if row is not None else None


def thresholds_of(run: LearningRun | None, base: Thresholds) -> Thresholds:
    """The base thresholds with the run's per-protocol ones (none without a run)."""
    if run is None:
        return base
    return replace(base, per_protocol=json.loads(run.thresholds or "{}"))


def save_run(
    connection: sa.Connection,
    current: str,
    thresholds: Thresholds,
    figures: str,
    examples: int,
    last_example_id: int | None,
    now: datetime,
    trigger: str,
) -> int:
    table = LearningRun.__table__
    return connection.execute(
        sa.insert(table)
        .values(
            computed_at=now,
            fingerprint=current,
            examples=examples,
            last_example_id=last_example_id,
            thresholds=json.dumps(dict(thresholds.per_protocol), sort_keys=True),
            figures=figures,
            trigger=trigger,
        )
        .returning(table.c.id)
    ).scalar_one()


@dataclass(frozen=True)
class Learned:
    """What a matcher and the policy are built from, and which version that is."""

    examples: list[Example]
    thresholds: Thresholds
    run: LearningRun | None
    fingerprint: str
    last_example_id: int | None

    @property
    def version(self) -> str:
        """«protocolos 3f2a9c1b · 412 ejemplos aprendidos · umbrales n.º 7» (Spanish, for status)."""
        thresholds = (
            f"umbrales n.º {self.run.id}" if self.run is not None else "umbrales de fábrica"
        )
        return (
            f"protocolos {self.fingerprint[:8]} · {len(self.examples)} ejemplos aprendidos · "
            f"{thresholds}"
        )


def load_learned(
    connection: sa.Connection, catalogue: Catalogue, company: dict, base: Thresholds
) -> Learned:
    current = fingerprint(catalogue, company)
    run = run_in_use(connection, current)
    _, last_id, _ = examples_state(connection)
    return Learned(load_examples(connection), thresholds_of(run, base), run, current, last_id)


def figures_json(calibration: Calibration) -> str:
    """A run's `figures`: per protocol and in total, as `calibration.ProtocolFigures` fields."""
    return json.dumps(
        {
            "protocols": {key: asdict(value) for key, value in calibration.figures.items()},
            "total": asdict(calibration.totals),
        },
        sort_keys=True,
    )


def figures_from_json(text: str | None) -> tuple[dict[str, ProtocolFigures], ProtocolFigures]:
    """The per-protocol figures and the total stored by `figures_json` (empty when none)."""
    data = json.loads(text or "{}")
    fields = set(ProtocolFigures.__dataclass_fields__)

    def one(values: dict) -> ProtocolFigures:
        return ProtocolFigures(**{key: value for key, value in values.items() if key in fields})

    protocols = {key: one(value) for key, value in data.get("protocols", {}).items()}
    total = one(data["total"]) if "total" in data else ProtocolFigures("total")
    return protocols, total
