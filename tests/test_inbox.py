"""Reading what citizens write (stored once) and collecting figures of what went out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sandbox_channels import channels_for

from channels.facebook import FacebookChannel
from channels.sandbox.graph_world import PAGE_ID
from conectados.clock import FixedClock
from conectados.db import Database
from content_calendar.models import Post, Publication
from responders.models import Interaction, InteractionState
from scheduler.figures import MetricsCollector
from scheduler.inbox import Inbox
from scheduler.models import Cursor, MetricSample
from scheduler.publisher import Publisher


def publish_one(database: Database, sandbox, clock) -> None:
    with database.session() as session:
        session.add(Post(id="corte", text="Corte programado el martes", scheduled_at=clock.now()))
        for network in ("facebook", "x"):
            session.add(Publication(post_id="corte", network=network, next_attempt_at=clock.now()))
    Publisher(
        database, channels_for(sandbox), clock, Path("."), "d", ZoneInfo("America/Bogota")
    ).run_once()


def remote_id(database: Database, network: str) -> str:
    with database.session() as session:
        return session.execute(
            sa.select(Publication.remote_id).where(Publication.network == network)
        ).scalar_one()


def test_what_citizens_write_is_stored_once_and_linked_to_our_post(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    publish_one(database, sandbox, clock)
    facebook_post = remote_id(database, "facebook")
    sandbox.control(
        "POST",
        "citizen",
        {
            "network": "facebook",
            "kind": "comment",
            "text": "¿A qué hora vuelve el agua?",
            "author": "Ana",
            "on": facebook_post,
        },
    )
    sandbox.control(
        "POST",
        "citizen",
        {"network": "x", "kind": "message", "text": "No me llegó la factura", "author": "Luis"},
    )
    inbox = Inbox(database, channels_for(sandbox), clock)

    first = inbox.run_once()
    second = inbox.run_once()

    assert first.stored == {"facebook": 1, "x": 1}
    assert second.stored == {"facebook": 0, "x": 0}
    with database.session() as session:
        stored = {row.network: row for row in session.execute(sa.select(Interaction)).scalars()}
        cursors = set(session.execute(sa.select(Cursor.channel)).scalars())
    assert stored["facebook"].text == "¿A qué hora vuelve el agua?"
    assert stored["facebook"].publication_id is not None
    assert stored["facebook"].state == InteractionState.RECEIVED
    assert stored["x"].kind == "message" and stored["x"].author_name == "Luis"
    assert cursors == {"facebook", "x"}


def test_a_second_daemon_polling_from_scratch_stores_nothing_twice(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    sandbox.control(
        "POST", "citizen", {"network": "x", "kind": "mention", "text": "gracias", "author": "Marta"}
    )
    Inbox(database, channels_for(sandbox), clock).run_once()
    with database.session() as session:
        session.execute(sa.delete(Cursor))  # as if another daemon had never polled

    again = Inbox(database, channels_for(sandbox), clock).run_once()

    assert again.stored["x"] == 0
    with database.session() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Interaction)).scalar() == 1


def test_figures_are_collected_for_what_went_out(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    publish_one(database, sandbox, clock)

    stored = MetricsCollector(database, channels_for(sandbox), clock).run_once()
    clock.advance(timedelta(hours=6))
    MetricsCollector(database, channels_for(sandbox), clock).run_once()

    assert stored == {"facebook": 1, "x": 1}
    with database.session() as session:
        samples = session.execute(sa.select(MetricSample)).scalars().all()
    assert len(samples) == 4  # a time series: two moments for each publication
    assert all(sample.views for sample in samples)


def test_an_approved_reply_goes_out_once_and_an_interrupted_one_is_left_to_a_person(
    database, sandbox
):
    from responders.models import Reply, ReplyState, ReplyVisibility
    from scheduler.outbox import Outbox

    clock = FixedClock(datetime.now(UTC))
    publish_one(database, sandbox, clock)
    sandbox.control(
        "POST",
        "citizen",
        {
            "network": "x",
            "kind": "mention",
            "text": "¿Y el agua?",
            "author": "Ana",
            "on": remote_id(database, "x"),
        },
    )
    Inbox(database, channels_for(sandbox), clock).run_once()
    with database.session() as session:
        interaction = session.execute(sa.select(Interaction)).scalars().one()
        session.add(
            Reply(
                interaction_id=interaction.id,
                text="Vuelve a las 2:00 p. m.",
                state=ReplyState.APPROVED,
                visibility=ReplyVisibility.PUBLIC,
            )
        )
        session.add(
            Reply(
                interaction_id=interaction.id,
                text="(interrumpida)",
                state=ReplyState.SENDING,
                lease_owner="muerto",
                lease_expires_at=clock.now() - timedelta(minutes=1),
            )
        )
    outbox = Outbox(database, channels_for(sandbox), clock, "daemon-1")

    first = outbox.run_once()
    second = outbox.run_once()

    assert first == {"sent": 1, "retried": 0, "failed": 1, "review": 0}
    assert second == {"sent": 0, "retried": 0, "failed": 0, "review": 0}
    replies = sandbox.control("GET", "state")["x"]["replies"]
    assert [reply["text"] for reply in replies] == ["Vuelve a las 2:00 p. m."]
    with database.session() as session:
        states = {r.text: r for r in session.execute(sa.select(Reply)).scalars()}
    assert states["Vuelve a las 2:00 p. m."].state == ReplyState.SENT
    assert "revise en la red si salió" in states["(interrumpida)"].last_error


def test_a_reply_that_timed_out_is_not_sent_again(database, sandbox):
    from responders.models import Reply, ReplyState
    from scheduler.outbox import Outbox

    clock = FixedClock(datetime.now(UTC))
    sandbox.control(
        "POST",
        "citizen",
        {"network": "facebook", "kind": "message", "text": "¿Y el agua?", "author": "Ana"},
    )
    Inbox(database, channels_for(sandbox), clock).run_once()
    with database.session() as session:
        interaction = session.execute(sa.select(Interaction)).scalars().one()
        session.add(
            Reply(interaction_id=interaction.id, text="Ya vuelve", state=ReplyState.APPROVED)
        )
    sandbox.control(
        "POST", "faults", {"network": "facebook", "status": "timeout", "count": 1, "delay": 3}
    )
    slow = {"facebook": FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=1)}

    first = Outbox(database, slow, clock, "d").run_once()
    second = Outbox(database, channels_for(sandbox), clock, "d").run_once()

    assert first["failed"] == 1 and second["sent"] == 0
    assert len(sandbox.control("GET", "state")["facebook"]["replies"]) == 1  # it did go out, once
    with database.session() as session:
        reply = session.execute(sa.select(Reply)).scalars().one()
    assert "no se sabe si salió" in reply.last_error
