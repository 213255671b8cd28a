"""The send job's claim and moves, and a person's decision, one guard at a time.

Guards of `make mutants` (bench/mutants.toml): what the send job may claim and when, when
it gives up, what it does with a reply another daemon is sending, and what a reviewer may
decide. The sandbox's list of replies is the witness of what reached the network.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sandbox_channels import channels_for

from conectados.clock import FixedClock
from conectados.db import Database
from conectados.errors import ConectadosError
from responders.models import (
    Interaction,
    InteractionKind,
    InteractionState,
    Reply,
    ReplyState,
    ReplyVisibility,
)
from responders.review import decide_reply
from scheduler.inbox import Inbox
from scheduler.outbox import Outbox, _claim


def _mention(database, sandbox, clock, state=InteractionState.ANSWERED) -> int:
    sandbox.control("POST", "citizen", {"network": "x", "kind": "mention", "author": "Ana",
                                        "text": "@acueducto ¿a qué hora abren?"})  # fmt: skip
    Inbox(database, {"x": channels_for(sandbox)["x"]}, clock).run_once()
    with database.session(write=True) as session:
        session.execute(sa.update(Interaction).values(state=state))
        return session.execute(sa.select(Interaction.id)).scalar_one()


def _reply(database, interaction_id: int, state=ReplyState.APPROVED, **values) -> int:
    with database.session(write=True) as session:
        reply = Reply(
            interaction_id=interaction_id,
            text="Abrimos a las 7:00 a. m.",
            state=state,
            **({"visibility": ReplyVisibility.PUBLIC} | values),
        )
        session.add(reply)
        session.flush()
        return reply.id


def _get(database, reply_id: int) -> Reply:
    with database.session() as session:
        reply = session.get(Reply, reply_id)
        session.expunge(reply)
        return reply


def _sent(sandbox, network: str = "x") -> list[dict]:
    return sandbox.control("GET", "state")[network]["replies"]


def _outbox(database, sandbox, clock, **options) -> Outbox:
    return Outbox(database, {"x": channels_for(sandbox)["x"]}, clock, "d", **options)


def test_a_retry_goes_out_at_its_time_not_before(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    interaction_id = _mention(database, sandbox, clock)
    _reply(database, interaction_id, next_attempt_at=clock.now() + timedelta(minutes=1))
    outbox = _outbox(database, sandbox, clock)

    assert outbox.run_once()["sent"] == 0 and _sent(sandbox) == []
    clock.advance(timedelta(minutes=1))
    assert outbox.run_once()["sent"] == 1 and len(_sent(sandbox)) == 1


def test_only_approved_replies_are_sent(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    interaction_id = _mention(database, sandbox, clock)
    for state in (ReplyState.PENDING, ReplyState.REJECTED, ReplyState.FAILED, ReplyState.SENT):
        _reply(database, interaction_id, state=state)

    assert _outbox(database, sandbox, clock).run_once() == {
        "sent": 0, "retried": 0, "failed": 0, "review": 0,
    }  # fmt: skip
    assert _sent(sandbox) == []


@pytest.mark.parametrize(("tried", "state"), [(3, ReplyState.APPROVED), (4, ReplyState.FAILED)])
def test_the_last_allowed_attempt_gives_up_for_good(database, sandbox, tried, state):
    clock = FixedClock(datetime.now(UTC))
    interaction_id = _mention(database, sandbox, clock)
    reply_id = _reply(database, interaction_id, attempts=tried)
    sandbox.control("POST", "faults", {"network": "x", "status": 429, "count": 1})

    _outbox(database, sandbox, clock, max_attempts=5).run_once()

    reply = _get(database, reply_id)
    assert (reply.state, reply.attempts) == (state, tried + 1)
    assert _sent(sandbox) == []


def test_a_reply_another_daemon_is_sending_is_failed_only_once_its_lease_ran_out(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    interaction_id = _mention(database, sandbox, clock)
    reply_id = _reply(
        database,
        interaction_id,
        state=ReplyState.SENDING,
        lease_owner="otro",
        lease_expires_at=clock.now() + timedelta(minutes=1),
        attempts=1,
    )
    outbox = _outbox(database, sandbox, clock)

    assert outbox.run_once()["failed"] == 0
    assert (_get(database, reply_id).state, _get(database, reply_id).lease_owner) == (
        ReplyState.SENDING,
        "otro",
    )
    clock.advance(timedelta(minutes=2))
    assert outbox.run_once()["failed"] == 1

    reply = _get(database, reply_id)
    assert reply.state == ReplyState.FAILED and "se detuvo" in reply.last_error
    assert reply.outcome_unknown  # it may have reached the citizen
    assert _sent(sandbox) == []  # never resent blind


# --- a person's decision ---------------------------------------------------------------------


def test_a_decided_reply_cannot_be_decided_again(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    interaction_id = _mention(database, sandbox, clock, InteractionState.IN_REVIEW)
    reply_id = _reply(database, interaction_id, state=ReplyState.PENDING)
    decide_reply(database, reply_id, False, "ana", clock.now())

    with pytest.raises(ConectadosError) as refused:
        decide_reply(database, reply_id, True, "luis", clock.now())

    assert "solo se deciden las pendientes" in str(refused.value)
    assert (_get(database, reply_id).state, _get(database, reply_id).reviewer) == (
        ReplyState.REJECTED,
        "ana",
    )


def test_approving_the_second_draft_of_a_filed_complaint_leaves_it_filed(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    interaction_id = _mention(database, sandbox, clock, InteractionState.TICKETED)
    reply_id = _reply(database, interaction_id, state=ReplyState.PENDING)

    decide_reply(database, reply_id, True, "ana", clock.now())

    assert _get(database, reply_id).state == ReplyState.APPROVED
    with database.session() as session:
        assert session.get(Interaction, interaction_id).state == InteractionState.TICKETED


def _whatsapp_message(database, author_id: str, written_at: datetime) -> int:
    with database.session(write=True) as session:
        interaction = Interaction(
            network="whatsapp",
            kind=InteractionKind.MESSAGE,
            remote_id=f"wamid.{author_id}.{written_at.timestamp()}",
            author_id=author_id,
            author_name="",
            text="¿Dónde pago?",
            written_at=written_at,
            state=InteractionState.IN_REVIEW,
        )
        session.add(interaction)
        session.flush()
        return interaction.id


def test_another_citizens_recent_message_does_not_let_a_late_whatsapp_reply_be_approved(
    database,
):
    now = datetime(2030, 5, 6, 12, 0, tzinfo=UTC)
    old = _whatsapp_message(database, "573001112233", now - timedelta(hours=30))
    _whatsapp_message(database, "573009998877", now - timedelta(hours=1))
    reply_id = _reply(database, old, state=ReplyState.PENDING, visibility=ReplyVisibility.PRIVATE)

    with pytest.raises(ConectadosError) as refused:
        decide_reply(database, reply_id, True, "ana", now)

    assert "WhatsApp ya no acepta texto libre" in str(refused.value)
    assert _get(database, reply_id).state == ReplyState.PENDING


def test_replies_waiting_for_a_person_do_not_hold_up_an_approved_one(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    interaction_id = _mention(database, sandbox, clock)
    for _ in range(3):
        _reply(database, interaction_id, state=ReplyState.PENDING)
    approved = _reply(database, interaction_id)

    counts = _outbox(database, sandbox, clock, batch=2).run_once()

    assert counts["sent"] == 1 and _get(database, approved).state == ReplyState.SENT


def test_on_postgresql_a_second_send_job_skips_the_replies_the_first_holds(
    postgres_url: str, sandbox
):
    """The second job neither waits for the first one's replies nor takes them (the
    lock_timeout turns a wait into an error the test sees)."""
    database = Database(postgres_url)
    database.upgrade()
    clock = FixedClock(datetime.now(UTC))
    try:
        interaction_id = _mention(database, sandbox, clock)
        ids = {_reply(database, interaction_id) for _ in range(4)}
        second: list = []
        errors: list[BaseException] = []
        with database.engine.connect() as first_connection, first_connection.begin():
            held = _claim(first_connection, clock.now(), "d1", timedelta(minutes=5), 2, ["x"])

            def other_job() -> None:
                try:
                    with database.engine.connect() as connection, connection.begin():
                        connection.exec_driver_sql("SET LOCAL lock_timeout = '3s'")
                        second.extend(
                            _claim(connection, clock.now(), "d2", timedelta(minutes=5), 10, ["x"])
                        )
                except BaseException as error:  # reported below, in the test's thread
                    errors.append(error)

            thread = threading.Thread(target=other_job)
            thread.start()
            thread.join()  # the first transaction is still open and holds its replies
    finally:
        database.dispose()

    assert errors == []
    first_ids = {reply.id for reply, _incoming in held}
    assert len(first_ids) == 2
    assert {reply.id for reply, _incoming in second} == ids - first_ids


class _PublishesOnly:
    """A network Conectados can post on but not answer on."""

    name = "x"

    def publish(self, post):
        raise AssertionError("the send job never publishes")

    def find_published(self, post, since):
        return None


def test_a_reply_of_a_network_that_cannot_answer_is_left_approved_and_unclaimed(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    reply_id = _reply(database, _mention(database, sandbox, clock))

    outbox = Outbox(database, {"x": _PublishesOnly()}, clock, "d")

    assert outbox.channels == {}
    assert outbox.run_once() == {"sent": 0, "retried": 0, "failed": 0, "review": 0}
    reply = _get(database, reply_id)
    assert (reply.state, reply.attempts, reply.lease_owner) == (ReplyState.APPROVED, 0, None)
