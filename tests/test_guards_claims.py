"""The claim, the lease and each compare-and-set move of a publication, one by one.

These are the guards `make mutants` plants defects in (bench/mutants.toml): each test here
turns red when one of them is removed or flipped.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from channels.base import Receipt
from conectados.db import Database
from content_calendar.models import Post, Publication, PublicationState
from content_calendar.publications import (
    cancel,
    claim_due,
    claim_expired,
    mark_failed,
    mark_published,
    renew_lease,
    reschedule,
    reschedule_waiting,
)

NOW = datetime(2030, 3, 4, 15, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)
NETWORKS = ("facebook", "x")


@pytest.fixture
def db(database_url: str):
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


def schedule(database: Database, post_id: str, at: datetime, networks=NETWORKS) -> None:
    with database.session() as session:
        session.add(Post(id=post_id, text=f"Aviso {post_id}", scheduled_at=at))
        for network in networks:
            session.add(Publication(post_id=post_id, network=network, next_attempt_at=at))


def rows(database: Database) -> dict[tuple[str, str], Publication]:
    with database.session() as session:
        found = session.execute(sa.select(Publication)).scalars().all()
        return {(row.post_id, row.network): row for row in found}


def claim(database: Database, owner: str, now: datetime = NOW, limit: int = 10, networks=NETWORKS):
    with database.session(write=True) as session:
        return claim_due(session.connection(), now, owner, LEASE, limit, networks)


def take_over(database: Database, owner: str, now: datetime, limit: int = 10):
    with database.session(write=True) as session:
        return claim_expired(session.connection(), now, owner, LEASE, limit, NETWORKS)


def test_a_publication_due_this_very_second_is_claimed(db):
    schedule(db, "justo", NOW)

    claimed = claim(db, "d1")

    assert sorted(item.network for item in claimed) == ["facebook", "x"]


def test_the_claim_takes_only_due_scheduled_publications_of_its_networks(db):
    schedule(db, "debida", NOW - timedelta(minutes=1))
    schedule(db, "futura", NOW + timedelta(seconds=1))
    schedule(db, "fallida", NOW - timedelta(minutes=1), networks=("x",))
    with db.session() as session:
        session.execute(
            sa.update(Publication)
            .where(Publication.post_id == "fallida")
            .values(state=PublicationState.FAILED)
        )

    claimed = claim(db, "d1", networks=("x",))

    assert [(item.post_id, item.network) for item in claimed] == [("debida", "x")]
    states = {key: row.state for key, row in rows(db).items()}
    assert states[("debida", "facebook")] == PublicationState.SCHEDULED
    assert states[("futura", "x")] == PublicationState.SCHEDULED
    assert states[("fallida", "x")] == PublicationState.FAILED


def test_the_claim_takes_at_most_its_limit_the_oldest_first(db):
    for minutes in (3, 1, 2):
        schedule(db, f"p{minutes}", NOW - timedelta(minutes=minutes), networks=("x",))

    claimed = claim(db, "d1", limit=2)

    assert [item.post_id for item in claimed] == ["p3", "p2"]
    assert rows(db)[("p1", "x")].state == PublicationState.SCHEDULED


def test_the_claim_counts_the_attempt_and_leases_for_the_given_time(db):
    schedule(db, "contada", NOW, networks=("x",))

    [claimed] = claim(db, "d1")

    row = rows(db)[("contada", "x")]
    assert (row.state, row.lease_owner, row.attempts) == (PublicationState.PUBLISHING, "d1", 1)
    assert row.lease_expires_at == NOW + LEASE
    assert claimed.leased_until == NOW + LEASE and not claimed.recovering


def test_a_live_lease_is_not_taken_over_and_an_expired_one_is_recovered(db):
    schedule(db, "en-curso", NOW, networks=("x",))
    claim(db, "d1")

    assert take_over(db, "d2", NOW + LEASE - timedelta(seconds=1)) == []
    assert take_over(db, "d2", NOW + LEASE) == []  # expires at that instant: not yet past
    [recovered] = take_over(db, "d2", NOW + LEASE + timedelta(seconds=1))

    assert recovered.recovering  # the dead holder may have published: look first
    row = rows(db)[("en-curso", "x")]
    assert (row.lease_owner, row.attempts) == ("d2", 1)


def test_a_holder_whose_lease_was_taken_over_can_no_longer_move_the_publication(db):
    schedule(db, "disputada", NOW, networks=("x",))
    [slow] = claim(db, "lento")
    later = NOW + LEASE + timedelta(seconds=1)
    [fast] = take_over(db, "rapido", later)
    receipt = Receipt("remote-1", "https://x.test/1", later)

    with db.session(write=True) as session:
        connection = session.connection()
        assert not renew_lease(connection, slow, "lento", later, LEASE)
        assert not mark_published(connection, slow, "lento", receipt, later)
        assert not mark_failed(connection, slow, "lento", "no")
        assert not reschedule(connection, slow, "lento", later, "no")

    row = rows(db)[("disputada", "x")]
    assert (row.state, row.lease_owner, row.remote_id) == (
        PublicationState.PUBLISHING,
        "rapido",
        None,
    )
    with db.session(write=True) as session:
        assert mark_published(session.connection(), fast, "rapido", receipt, later)
    assert rows(db)[("disputada", "x")].state == PublicationState.PUBLISHED


def test_a_published_publication_cannot_be_published_or_renewed_again(db):
    schedule(db, "hecha", NOW, networks=("x",))
    [claimed] = claim(db, "d1")
    receipt = Receipt("remote-1", "https://x.test/1", NOW)
    with db.session(write=True) as session:
        assert mark_published(session.connection(), claimed, "d1", receipt, NOW)

    with db.session(write=True) as session:
        connection = session.connection()
        assert not mark_published(connection, claimed, "d1", Receipt("remote-2"), NOW)
        assert not renew_lease(connection, claimed, "d1", NOW, LEASE)

    assert rows(db)[("hecha", "x")].remote_id == "remote-1"


def test_giving_back_an_untouched_claim_returns_its_attempt_and_keeps_the_reason(db):
    schedule(db, "devuelta", NOW, networks=("x",))
    [first] = claim(db, "d1")
    with db.session(write=True) as session:
        reschedule(session.connection(), first, "d1", NOW + timedelta(minutes=1), "límite")
    [second] = claim(db, "d1", NOW + timedelta(minutes=1))

    with db.session(write=True) as session:
        assert reschedule(
            session.connection(), second, "d1", NOW + timedelta(minutes=2), None, False
        )

    row = rows(db)[("devuelta", "x")]
    assert (row.state, row.attempts, row.last_error) == (PublicationState.SCHEDULED, 1, "límite")
    assert row.next_attempt_at == NOW + timedelta(minutes=2)


@pytest.mark.parametrize("claim_kind", ["due", "expired"])
def test_on_postgresql_a_second_daemon_skips_what_the_first_holds(postgres_url: str, claim_kind):
    """Two daemons claim at the same moment: the second neither waits for the first's rows
    nor takes them (the lock_timeout turns a wait into an error the test sees)."""
    database = Database(postgres_url)
    database.upgrade()
    for number in range(4):
        schedule(database, f"p{number}", NOW - timedelta(minutes=4 - number), networks=("x",))
    if claim_kind == "expired":
        claim(database, "muerto")
    later = NOW + LEASE + timedelta(seconds=1)

    def claim_in(connection, owner: str, limit: int):
        if claim_kind == "due":
            return claim_due(connection, NOW, owner, LEASE, limit, NETWORKS)
        return claim_expired(connection, later, owner, LEASE, limit, NETWORKS)

    second: list = []
    errors: list[BaseException] = []
    try:
        with database.engine.connect() as first_connection, first_connection.begin():
            held = claim_in(first_connection, "d1", 2)

            def other_daemon() -> None:
                try:
                    with database.engine.connect() as connection, connection.begin():
                        connection.exec_driver_sql("SET LOCAL lock_timeout = '3s'")
                        second.extend(claim_in(connection, "d2", 10))
                except BaseException as error:  # reported below, in the test's thread
                    errors.append(error)

            thread = threading.Thread(target=other_daemon)
            thread.start()
            thread.join()  # the first transaction is still open and holds its rows
    finally:
        database.dispose()

    assert errors == []
    first_ids = {item.post_id for item in held}
    assert len(first_ids) == 2
    assert sorted(item.post_id for item in second) == sorted({"p0", "p1", "p2", "p3"} - first_ids)


def test_cancel_is_refused_once_a_daemon_claimed_the_publication(db):
    schedule(db, "reclamada", NOW, networks=("facebook",))
    schedule(db, "quieta", NOW + timedelta(days=1), networks=("facebook",))
    claim(db, "d1")
    ids = {key[0]: row.id for key, row in rows(db).items()}

    with db.session(write=True) as session:
        assert not cancel(session.connection(), ids["reclamada"])
        assert cancel(session.connection(), ids["quieta"])
        assert not cancel(session.connection(), ids["quieta"])  # once

    states = {key[0]: row.state for key, row in rows(db).items()}
    assert states == {
        "reclamada": PublicationState.PUBLISHING,
        "quieta": PublicationState.CANCELLED,
    }


def test_reschedule_waiting_moves_only_a_publication_still_scheduled(db):
    schedule(db, "reclamada", NOW, networks=("facebook",))
    schedule(db, "quieta", NOW + timedelta(days=1), networks=("facebook",))
    claim(db, "d1")
    ids = {key[0]: row.id for key, row in rows(db).items()}
    later = NOW + timedelta(days=2)

    with db.session(write=True) as session:
        assert not reschedule_waiting(session.connection(), ids["reclamada"], later)
        assert reschedule_waiting(session.connection(), ids["quieta"], later)

    after = {key[0]: row for key, row in rows(db).items()}
    assert after["reclamada"].state == PublicationState.PUBLISHING
    assert after["reclamada"].next_attempt_at != later
    assert after["quieta"].state == PublicationState.SCHEDULED
    assert after["quieta"].next_attempt_at == later
    assert after["quieta"].attempts == 0
