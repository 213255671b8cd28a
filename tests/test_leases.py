"""Claiming rows under a lease: one compare-and-set UPDATE, whoever else is claiming."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from conectados import leases

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class _Base(DeclarativeBase):
    pass


class Job(_Base):
    __tablename__ = "job"
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(10))
    lease_owner: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(), nullable=True)


def _database(states: list[str]) -> sa.Engine:
    engine = sa.create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.insert(Job), [{"state": state} for state in states])
    return engine


def _claim(connection: sa.Connection, owner: str, still=None) -> list[int]:
    waiting = (Job.state == "waiting",)
    candidates = sa.select(Job.id).where(*waiting).order_by(Job.id).limit(2)
    lease = leases.Lease(owner, NOW, timedelta(minutes=10))
    return leases.claim(connection, Job, candidates, still or waiting, lease, state="working")


def test_a_claim_leases_at_most_the_rows_asked_for_to_their_owner():
    engine = _database(["waiting", "done", "waiting", "waiting"])
    with engine.begin() as connection:
        assert _claim(connection, "a") == [1, 3]
        held = connection.execute(
            sa.select(Job.id, Job.state, Job.lease_expires_at).where(leases.held_by(Job, "a"))
        ).all()
    assert [(row.id, row.state) for row in held] == [(1, "working"), (3, "working")]
    assert all(
        row.lease_expires_at == NOW.replace(tzinfo=None) + timedelta(minutes=10) for row in held
    )


def test_a_row_no_longer_as_seen_is_not_taken():
    engine = _database(["waiting"])
    with engine.begin() as connection:
        # Another daemon moved it between the select and the update: the guard says no.
        assert _claim(connection, "b", still=(Job.state == "elsewhere",)) == [1]
        assert connection.execute(sa.select(Job.lease_owner)).scalar_one() is None


def test_an_expired_lease_is_told_apart_and_a_renewal_needs_the_row_still_held():
    engine = _database(["waiting"])
    with engine.begin() as connection:
        _claim(connection, "a")
        later = leases.Lease("a", NOW + timedelta(minutes=30), timedelta(minutes=10))
        expired = connection.execute(
            sa.select(Job.id).where(leases.expired(Job, later.now.replace(tzinfo=None)))
        ).all()
        assert len(expired) == 1
        assert leases.renew(connection, Job, (Job.id == 1, leases.held_by(Job, "a")), later)
        assert not leases.renew(connection, Job, (Job.id == 1, leases.held_by(Job, "b")), later)
        connection.execute(sa.update(Job).values(**leases.RELEASED))
        assert connection.execute(sa.select(Job.lease_owner)).scalar_one() is None
