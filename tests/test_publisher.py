"""Publishing on time, exactly once: claims, retries, deadlines and crash recovery."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sandbox_channels import channels_for

from channels.base import Outgoing
from channels.meta.facebook import FacebookChannel
from channels.sandbox import Sandbox, SandboxServer
from channels.sandbox.graph_world import PAGE_ID
from conectados.clock import FixedClock
from conectados.db import Database
from content_calendar.models import Post, Publication, PublicationState
from content_calendar.publications import claim_due
from scheduler.publisher import Publisher, PublishPolicy

DUE = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # 08:00 in Bogotá
ZONE = ZoneInfo("America/Bogota")


@pytest.fixture
def sandbox():
    """The networks' clock stands at DUE (unless a test shares its clock with them)."""
    with SandboxServer(sandbox=Sandbox(FixedClock(DUE))) as server:
        yield server


def shared_clock(sandbox) -> FixedClock:
    """The networks' own clock: the publisher that uses it lives in the same moment."""
    return sandbox.sandbox.clock


def schedule(
    database: Database, post_id: str, at: datetime = DUE, networks=("facebook", "x"), text=None
) -> None:
    with database.session() as session:
        session.add(Post(id=post_id, text=text or f"Aviso {post_id}", scheduled_at=at))
        for network in networks:
            session.add(Publication(post_id=post_id, network=network, next_attempt_at=at))


def states(database: Database, post_id: str) -> dict[str, Publication]:
    with database.session() as session:
        rows = session.exec(sa.select(Publication).where(Publication.post_id == post_id)).scalars()
        return {row.network: row for row in rows}


def publisher(database, sandbox, clock, owner="daemon-1", workers=1, **policy) -> Publisher:
    return Publisher(
        database,
        channels_for(sandbox),
        clock,
        Path("."),
        owner,
        ZONE,
        PublishPolicy(**policy),
        random.Random(7),
        workers=workers,
        channel_factory=lambda: channels_for(sandbox),
    )


def posts_on(sandbox, network: str) -> list[dict]:
    return sandbox.control("GET", "state")[network]["posts"]


def test_a_due_post_goes_out_once_on_each_network(database, sandbox):
    schedule(database, "ahorro-01")
    clock = FixedClock(DUE + timedelta(seconds=1))
    job = publisher(database, sandbox, clock)

    first = job.run_once()
    second = job.run_once()

    assert len(first.published) == 2 and second.published == []
    assert len(posts_on(sandbox, "facebook")) == len(posts_on(sandbox, "x")) == 1
    published = states(database, "ahorro-01")
    assert {p.state for p in published.values()} == {PublicationState.PUBLISHED}
    assert published["x"].remote_url.startswith("https://x.com/")


def test_nothing_goes_out_before_its_time(database, sandbox):
    schedule(database, "mañana", at=DUE + timedelta(days=1))

    outcome = publisher(database, sandbox, FixedClock(DUE)).run_once()

    assert outcome.published == []
    assert posts_on(sandbox, "facebook") == []


def test_a_rate_limit_is_retried_no_sooner_than_the_network_asks(database, sandbox):
    schedule(database, "corte-01", networks=("x",))
    sandbox.control(
        "POST", "faults", {"network": "x", "status": 429, "count": 1, "retry_after": 120}
    )
    clock = shared_clock(sandbox)  # X's reset time and the publisher's "now" on one clock
    job = publisher(database, sandbox, clock)

    first = job.run_once()
    waiting = states(database, "corte-01")["x"]
    clock.advance(timedelta(seconds=60))
    too_soon = job.run_once()
    clock.advance(timedelta(seconds=90))
    later = job.run_once()

    assert len(first.retried) == 1
    assert waiting.state == PublicationState.SCHEDULED
    assert waiting.next_attempt_at >= DUE + timedelta(seconds=120)  # retry_after, by X's clock
    assert "límite de llamadas" in waiting.last_error
    assert too_soon.published == []
    assert len(later.published) == 1
    assert len(posts_on(sandbox, "x")) == 1


def test_server_errors_back_off_and_give_up_after_the_attempts(database, sandbox):
    schedule(database, "aviso", networks=("facebook",))
    sandbox.control("POST", "faults", {"network": "facebook", "status": 500, "count": 10})
    clock = FixedClock(DUE)
    job = publisher(database, sandbox, clock, max_attempts=3)

    for _ in range(6):
        job.run_once()
        clock.advance(timedelta(minutes=10))

    failed = states(database, "aviso")["facebook"]
    assert failed.state == PublicationState.FAILED
    assert failed.attempts == 3
    assert "no se pudo publicar en 3 intentos" in failed.last_error


def test_a_refused_post_fails_at_once_with_the_reason(database, sandbox, tmp_path: Path):
    with database.session() as session:
        session.add(Post(id="con-pdf", text="Factura", media=["factura.pdf"], scheduled_at=DUE))
        session.add(Publication(post_id="con-pdf", network="x", next_attempt_at=DUE))
    (tmp_path / "factura.pdf").write_bytes(b"%PDF-1.7")
    job = publisher(database, sandbox, FixedClock(DUE))
    job.media_dir = tmp_path

    outcome = job.run_once()

    failed = states(database, "con-pdf")["x"]
    assert [c.post_id for c in outcome.failed] == ["con-pdf"]
    assert failed.state == PublicationState.FAILED and failed.attempts == 1
    assert "no es una imagen ni un video" in failed.last_error


def test_a_post_found_too_late_fails_and_says_why(database, sandbox):
    schedule(database, "corte-ayer", networks=("facebook",))

    publisher(database, sandbox, FixedClock(DUE + timedelta(hours=7))).run_once()

    failed = states(database, "corte-ayer")["facebook"]
    assert failed.state == PublicationState.FAILED
    assert "pasaron más de 6 horas desde la hora prevista (2026-12-01 08:00)" in failed.last_error
    assert posts_on(sandbox, "facebook") == []


def test_a_missed_post_still_within_its_deadline_goes_out(database, sandbox):
    schedule(database, "corte-hoy", networks=("facebook",))

    outcome = publisher(database, sandbox, FixedClock(DUE + timedelta(hours=2))).run_once()

    assert len(outcome.published) == 1


def _crash_mid_call(database, sandbox, clock, published_before_crash: bool) -> None:
    """A daemon claims the publication and dies: with the post out, or before it went out."""
    with database.session(write=True) as session:
        [claimed] = claim_due(
            session.connection(), clock.now(), "muerto", timedelta(minutes=10), 10, ("x",)
        )
    if published_before_crash:
        channels_for(sandbox)["x"].publish(Outgoing(claimed.post_id, claimed.text))


@pytest.mark.parametrize("published_before_crash", [True, False])
def test_an_interrupted_publish_is_looked_up_before_it_is_retried(
    database, sandbox, published_before_crash
):
    # The publisher and the network share one clock: the story happens at DUE + 30 s.
    clock = shared_clock(sandbox)
    clock.advance(timedelta(seconds=30))
    schedule(database, "interrumpida", at=DUE, networks=("x",))
    _crash_mid_call(database, sandbox, clock, published_before_crash)
    job = publisher(database, sandbox, clock, owner="daemon-2")

    while_leased = job.run_once()
    clock.advance(timedelta(minutes=11))
    after_lease = job.run_once()

    assert while_leased.published == while_leased.recovered == []
    assert len(posts_on(sandbox, "x")) == 1  # exactly once, either way
    assert states(database, "interrumpida")["x"].state == PublicationState.PUBLISHED
    if published_before_crash:
        assert len(after_lease.recovered) == 1 and after_lease.published == []
    else:
        assert len(after_lease.published) == 1


def test_a_revoked_token_pauses_that_network_only(database, sandbox):
    schedule(database, "aviso")
    sandbox.control("POST", "faults", {"network": "facebook", "status": 401, "count": 1})
    clock = FixedClock(DUE)

    outcome = publisher(database, sandbox, clock).run_once()

    assert outcome.paused == ["facebook"]
    assert [c.network for c, _ in outcome.published] == ["x"]
    waiting = states(database, "aviso")["facebook"]
    assert waiting.state == PublicationState.SCHEDULED and waiting.attempts == 0
    assert "token" in waiting.last_error


def _race(make_database, sandbox, posts: int, workers: int = 1) -> tuple[int, list[int]]:
    setup = make_database()
    for n in range(posts):
        schedule(setup, f"aviso-{n:03d}", networks=("facebook",))
    setup.dispose()
    clock = FixedClock(DUE)
    counts: list[int] = []
    errors: list[BaseException] = []

    def daemon(name: str) -> None:
        database = make_database()
        try:
            job = publisher(database, sandbox, clock, owner=name, workers=workers, batch=5)
            counts.append(len(job.run_once().published))
        except BaseException as exc:
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=daemon, args=(f"daemon-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return len(posts_on(sandbox, "facebook")), counts


def test_two_daemons_on_one_sqlite_file_never_publish_twice(tmp_path: Path, sandbox):
    url = f"sqlite:///{tmp_path / 'compartida.db'}"
    Database(url).upgrade()

    published, counts = _race(lambda: Database(url), sandbox, 40)

    assert published == 40
    assert sum(counts) == 40


def test_two_daemons_on_postgresql_share_the_work(postgres_url: str, sandbox):
    Database(postgres_url).upgrade()

    published, counts = _race(lambda: Database(postgres_url), sandbox, 60)

    assert published == 60
    assert sum(counts) == 60


def test_a_pause_is_shared_with_other_daemons_and_shown_in_status(database, sandbox, cli):
    schedule(database, "aviso", networks=("facebook",))
    schedule(database, "otro", networks=("facebook",))
    sandbox.control("POST", "faults", {"network": "facebook", "status": 401, "count": 1})
    clock = shared_clock(sandbox)
    schedule(database, "ahora", at=clock.now(), networks=("facebook",))

    publisher(database, sandbox, clock, owner="daemon-1", batch=1).run_once()
    other = publisher(database, sandbox, clock, owner="daemon-2").run_once()
    shown = cli("--db", "c.db", "status", clock=clock)

    assert other.published == []  # the second daemon respects the pause too
    assert "facebook  EN PAUSA hasta" in shown.stdout
    assert "token" in shown.stdout


def test_publishing_in_parallel_threads_still_publishes_each_post_once(tmp_path: Path, sandbox):
    url = f"sqlite:///{tmp_path / 'paralelo.db'}"
    Database(url).upgrade()

    published, counts = _race(lambda: Database(url), sandbox, 60, workers=4)

    assert published == 60
    assert sum(counts) == 60


def _impatient_facebook_publisher(database, sandbox, clock) -> Publisher:
    """A publisher whose Facebook calls give up after a second: a slow answer is lost."""
    return Publisher(
        database,
        {"facebook": FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=1)},
        clock,
        Path("."),
        "daemon-1",
        ZONE,
        PublishPolicy(),
        random.Random(7),
    )


def test_a_post_whose_answer_was_lost_is_looked_up_not_published_again(database, sandbox):
    clock = shared_clock(sandbox)  # the publisher and the network share one clock
    clock.advance(timedelta(seconds=10))
    schedule(database, "sin-respuesta", at=DUE, networks=("facebook",))
    sandbox.control(
        "POST", "faults", {"network": "facebook", "status": "timeout", "count": 1, "delay": 3}
    )
    job = _impatient_facebook_publisher(database, sandbox, clock)

    first = job.run_once()
    clock.advance(timedelta(minutes=5))
    second = job.run_once()

    assert len(first.retried) == 1
    assert len(second.recovered) == 1 and second.published == []
    assert len(posts_on(sandbox, "facebook")) == 1
    assert states(database, "sin-respuesta")["facebook"].state == PublicationState.PUBLISHED


def test_a_claim_taken_over_by_another_daemon_is_not_published_by_the_first(database, sandbox):
    schedule(database, "disputada", networks=("x",))
    clock = FixedClock(DUE)
    with database.session(write=True) as session:
        [claimed] = claim_due(
            session.connection(), clock.now(), "lento", timedelta(seconds=1), 10, ("x",)
        )
    with database.session() as session:  # the slow daemon's lease lapsed and another took it
        session.execute(sa.update(Publication).values(lease_owner="otro"))
    slow = publisher(database, sandbox, clock, owner="lento")

    slow._publish(
        claimed, slow_outcome := __import__("scheduler.publisher").publisher.PublishRound()
    )

    assert slow_outcome.published == []
    assert posts_on(sandbox, "x") == []


def test_a_lost_answer_is_still_looked_up_after_the_calendar_moves_the_post(database, sandbox):
    from content_calendar.check import CalendarEntry, CheckResult
    from content_calendar.importer import import_calendar

    clock = shared_clock(sandbox)
    clock.advance(timedelta(seconds=10))
    text = "Aviso movido: corte programado"
    schedule(database, "movida", at=DUE, networks=("facebook",), text=text)
    sandbox.control(
        "POST", "faults", {"network": "facebook", "status": "timeout", "count": 1, "delay": 3}
    )
    job = _impatient_facebook_publisher(database, sandbox, clock)
    assert len(job.run_once().retried) == 1
    lost = states(database, "movida")["facebook"]
    assert lost.outcome_unknown and lost.attempts == 1

    # The team moves the post a few minutes later: a fresh budget of attempts, same doubt.
    moved_to = DUE + timedelta(minutes=3)
    entry = CalendarEntry("movida", moved_to, ("facebook",), text, {}, (), None, "c.csv", 2)
    import_calendar(database, CheckResult(Path("c.csv"), [entry]), "c.csv", clock.now())
    moved = states(database, "movida")["facebook"]
    assert moved.attempts == 0 and moved.outcome_unknown

    clock.advance(timedelta(minutes=5))
    second = job.run_once()

    assert len(second.recovered) == 1 and second.published == []
    assert len(posts_on(sandbox, "facebook")) == 1
    assert states(database, "movida")["facebook"].outcome_unknown is False
