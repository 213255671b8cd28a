"""Claiming rows under a lease: the one way a daemon takes work that others may want too.

A row that can be leased has `id`, `lease_owner` and `lease_expires_at` (publications and
replies). A claim picks candidates, locked FOR UPDATE SKIP LOCKED on PostgreSQL so several
daemons share the work (on SQLite the caller's write transaction serialises the claim), then
leases them with one compare-and-set UPDATE ... WHERE that changes a row only if it is still
as the caller saw it. The caller reads back the rows it now holds.

It is in the ground floor because both the publications (scheduler) and the replies
(responders) claim their rows with it; it knows tables, not the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

RELEASED = {"lease_owner": None, "lease_expires_at": None}
"""The values that let a row go: no holder, no lease."""


@dataclass(frozen=True)
class Lease:
    """Who takes rows, from when, for how long."""

    owner: str
    now: datetime
    length: timedelta

    @property
    def until(self) -> datetime:
        return self.now + self.length


def claim(
    connection: sa.Connection,
    model: Any,
    candidates: sa.Select,
    still: tuple[sa.ColumnElement[bool], ...],
    lease: Lease,
    **values: Any,
) -> list[int]:
    """Lease to `lease.owner` the rows whose ids `candidates` selects and that still meet
    `still`, setting `values` too; the ids tried (read back with `held_by`: some may be lost)."""
    ids = list(connection.execute(candidates.with_for_update(skip_locked=True, of=model)).scalars())
    if not ids:
        return []
    connection.execute(
        sa.update(model)
        .where(model.id.in_(ids), *still)
        .values(lease_owner=lease.owner, lease_expires_at=lease.until, **values)
    )
    return ids


def held_by(model: Any, owner: str) -> sa.ColumnElement[bool]:
    return model.lease_owner == owner


def expired(model: Any, now: datetime) -> sa.ColumnElement[bool]:
    """The holder's lease ran out: it died mid-call, or stopped without letting go."""
    return model.lease_expires_at < now


def renew(
    connection: sa.Connection, model: Any, still: tuple[sa.ColumnElement[bool], ...], lease: Lease
) -> bool:
    """Extend the lease of the row that still meets `still`; False means it is no longer ours."""
    return bool(
        connection.execute(
            sa.update(model).where(*still).values(lease_expires_at=lease.until)
        ).rowcount
    )
