"""Reading what citizens write (stored once) and collecting figures of what went out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sandbox_channels import channels_for

from channels.meta.facebook import FacebookChannel
from channels.sandbox.graph_world import PAGE_ID
from conectados.clock import FixedClock
from conectados.db import Database
from content_calendar.models import Post, Publication
from responders.models import Interaction, InteractionState, SetAsideItem
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
    assert "no se sabe si salió" in reply.last_error and reply.outcome_unknown


# --- one unreadable item never holds back the others ---------------------------------------


def comment_on(sandbox, post: str, text: str, author: str) -> str:
    body = {"network": "facebook", "kind": "comment", "text": text, "author": author, "on": post}
    return sandbox.control("POST", "citizen", body)["id"]


def spoil_comment(sandbox, comment_id: str, **fields) -> None:
    """What a network may send one day: a comment with a field of the wrong type or value."""
    world = sandbox.sandbox
    with world.lock:
        comment = world.facebook.comments[comment_id]
        for name, value in fields.items():
            setattr(comment, name, value)


def set_aside(database: Database) -> list[SetAsideItem]:
    with database.session() as session:
        rows = session.execute(sa.select(SetAsideItem).order_by(SetAsideItem.id)).scalars().all()
        session.expunge_all()
    return list(rows)


def texts(database: Database) -> list[str]:
    with database.session() as session:
        return sorted(session.execute(sa.select(Interaction.text)).scalars())


@pytest.fixture
def both_databases(database_url: str):
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


def test_a_comment_whose_text_is_not_text_is_set_aside_and_the_others_are_stored(
    both_databases, sandbox, cli
):
    database = both_databases
    clock = FixedClock(datetime.now(UTC))
    publish_one(database, sandbox, clock)
    post = remote_id(database, "facebook")
    bad = comment_on(sandbox, post, "se cambia abajo", "Rosa")
    spoil_comment(sandbox, bad, message={"cuenta": 12345678})
    comment_on(sandbox, post, "¿Cuándo vuelve el agua?", "Ana")
    comment_on(sandbox, post, "Gracias por avisar", "Luis")
    inbox = Inbox(database, channels_for(sandbox), clock)

    first = inbox.run_once()
    comment_on(sandbox, post, "¿Y en el barrio Centro?", "Marta")
    second = inbox.run_once()

    assert first.failed == {} and first.stored["facebook"] == 2
    assert first.set_aside == {"facebook": 1}
    assert second.failed == {} and second.stored["facebook"] == 1
    assert second.set_aside == {}  # seen again in the overlap, recorded once
    assert texts(database) == [
        "Gracias por avisar",
        "¿Cuándo vuelve el agua?",
        "¿Y en el barrio Centro?",
    ]
    [row] = set_aside(database)
    assert (row.network, row.kind, row.remote_id, row.source) == (
        "facebook",
        "comment",
        bad,
        "poll",
    )
    assert "message no es texto" in row.reason
    assert "12345678" not in row.excerpt
    url = database.url.render_as_string(hide_password=False)
    shown = cli("--db", url, "status", clock=clock).stdout
    data = json.loads(cli("--db", url, "status", "--json", clock=clock).stdout)
    assert (data["set_aside_today"], data["set_aside_total"]) == (1, 1)
    assert "message no es texto" in data["latest_set_aside"]
    assert "Ilegibles apartados:              1 hoy, 1 en total; el último:" in shown


def test_a_comment_dated_in_the_future_is_set_aside_and_does_not_hide_later_ones(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    publish_one(database, sandbox, clock)
    post = remote_id(database, "facebook")
    odd = comment_on(sandbox, post, "Mi cuenta 12345678 sigue sin agua", "Rosa")
    spoil_comment(sandbox, odd, created=clock.now() + timedelta(days=2))
    inbox = Inbox(database, channels_for(sandbox), clock)

    first = inbox.run_once()
    comment_on(sandbox, post, "¿Cuándo vuelve el agua?", "Ana")
    clock.advance(timedelta(minutes=1))
    second = inbox.run_once()

    assert (first.stored["facebook"], second.stored["facebook"]) == (0, 1)
    assert texts(database) == ["¿Cuándo vuelve el agua?"]
    [row] = set_aside(database)
    assert row.remote_id == odd and "created_time está en el futuro" in row.reason
    assert "sigue sin agua" in row.excerpt and "12345678" not in row.excerpt


def test_a_text_longer_than_the_network_allows_is_stored_cut_with_its_length(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    publish_one(database, sandbox, clock)
    post = remote_id(database, "facebook")
    comment_on(sandbox, post, "agua " * 1_800, "Ana")  # 9,000 characters; Facebook allows 8,000
    comment_on(sandbox, post, "gracias", "Luis")

    Inbox(database, channels_for(sandbox), clock).run_once()

    with database.session() as session:
        rows = {
            len(text): length
            for text, length in session.execute(
                sa.select(Interaction.text, Interaction.original_length)
            ).all()
        }
    assert rows == {8_000: 9_000, len("gracias"): None}
