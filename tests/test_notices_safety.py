"""The sending side of notices stays safe when things go wrong: a send cut off mid-call is sent
again only when statuses are shown to flow past it, a withdrawal right before the call stops
it, renamed sectors keep their subscribers, a closed notice stops its pending sends, the pace
recovers after throttling, the daily limit holds across daemons, and a header's media is
uploaded again when needed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from conectados.clock import FixedClock
from conectados.db import Database
from conectados.leases import Lease
from notices import broadcasts
from notices.deliveries import (
    claim_due,
    expire_open,
    hold_for_call,
    lock_network,
    mark_sent,
    network_lock_key,
    record_status,
)
from notices.models import (
    Broadcast,
    BroadcastKind,
    BroadcastState,
    Delivery,
    DeliveryState,
    Purpose,
)
from responders.models import ServiceNotice
from scheduler.notifier import Notifier, NotifyPolicy, Pace, workers_for
from tests.media_files import JPEG, media_file
from tests.notices_office import (
    LEASE,
    NOW,
    WAIT,
    broadcast_figures,
    cut_notice,
    deliveries,
    knobs,
    received,
    subscribe,
)
from tests.notices_office import (
    notifier as shared_notifier,
)

CALL = timedelta(seconds=5)


@pytest.fixture
def clock():
    return FixedClock(NOW)


def notifier(database, sandbox, clock, media: Path, owner: str = "vivo", **policy) -> Notifier:
    """The shared job, with a short call timeout (the confirmation wait covers a whole call)."""
    return shared_notifier(
        database, sandbox, clock, media, owner, **{"call_timeout": CALL, **policy}
    )


def image_content(database, header: dict) -> int:
    with database.transaction(write=True) as connection:
        broadcast_id, _ = broadcasts.create(
            connection,
            BroadcastKind.CONTENT,
            Purpose.CONTENT,
            None,
            "contenido_imagen",
            "es",
            ["Cuide el agua"],
            NOW,
            header=header,
        )
    return broadcast_id


def claim_as(database, owner: str, now: datetime, limit: int = 100) -> list:
    with database.transaction(write=True) as connection:
        claimed, _ = claim_due(connection, now, Lease(owner, now, LEASE), limit, ["whatsapp"])
    return claimed


def status(database, delivery_id: int, said: str, at: datetime) -> None:
    """What the webhook receiver records for one status of WhatsApp naming our delivery."""
    with database.transaction(write=True) as connection:
        assert record_status(connection, delivery_id, f"wamid.{delivery_id}", said, at)


# --- H1: a send cut off mid-call ----------------------------------------------------------


def test_a_stuck_send_goes_again_once_a_later_send_was_confirmed_and_its_own_never_came(
    database, sandbox, clock, tmp_path
):
    stuck = subscribe(database, "573007770001", "Centro")
    peer = subscribe(database, "573007770002", "Centro")
    broadcast_id, _ = cut_notice(database, "Centro")
    claim_as(database, "muerto", NOW, limit=1)  # died with its call maybe on its way
    job = notifier(database, sandbox, clock, tmp_path)
    clock.advance(timedelta(seconds=1))
    job.run_once()  # the other one goes, and WhatsApp confirms it
    assert received(sandbox) == {"573007770002": 1}
    status(database, deliveries(database)[peer].id, "sent", clock.now())

    clock.advance(LEASE)
    assert job.run_once().requeued == 0  # its lease ran out, but the wait has not passed
    clock.advance(WAIT)
    assert job.run_once().requeued == 1
    job.run_once()
    assert received(sandbox) == {"573007770001": 1, "573007770002": 1}
    assert deliveries(database)[stuck].state == DeliveryState.SENT
    assert broadcast_figures(database, broadcast_id, clock.now()).unconfirmed == 0


def test_a_stuck_send_stays_unconfirmed_while_no_status_shows_the_pipeline_works(
    database, sandbox, clock, tmp_path
):
    early = subscribe(database, "573007770010", "Centro")
    stuck = subscribe(database, "573007770003", "Centro")
    subscribe(database, "573007770004", "Centro")
    broadcast_id, _ = cut_notice(database, "Centro")
    [before] = claim_as(database, "vivo", NOW, limit=1)
    status(database, before.id, "sent", NOW)  # confirmed, but its send began before the stuck one
    clock.advance(timedelta(seconds=1))
    claim_as(database, "muerto", clock.now(), limit=1)
    job = notifier(database, sandbox, clock, tmp_path)
    clock.advance(timedelta(seconds=1))
    job.run_once()  # the last one went, but the receiver is down: no status comes
    clock.advance(LEASE + WAIT + CALL + timedelta(hours=1))
    assert job.run_once().requeued == 0
    assert received(sandbox) == {"573007770004": 1}
    assert deliveries(database)[stuck].state == DeliveryState.SENDING
    assert deliveries(database)[early].state == DeliveryState.SENT
    found = broadcast_figures(database, broadcast_id, clock.now())
    assert (found.in_flight, found.unconfirmed) == (1, 1)


def test_with_no_status_ever_a_stuck_send_is_never_sent_again(database, sandbox, clock, tmp_path):
    stuck = subscribe(database, "573007770011", "Centro")
    cut_notice(database, "Centro")
    claim_as(database, "muerto", NOW)
    clock.advance(LEASE + WAIT + CALL + timedelta(days=1))
    assert notifier(database, sandbox, clock, tmp_path).run_once().requeued == 0
    assert received(sandbox) == {}
    assert deliveries(database)[stuck].state == DeliveryState.SENDING


def test_a_status_arriving_for_a_send_confirms_the_pipeline(database):
    subscribe(database, "573007770005", "Centro")
    cut_notice(database, "Centro")
    [item] = claim_as(database, "vivo", NOW)
    status(database, item.id, "delivered", NOW + timedelta(seconds=2))
    assert deliveries(database)[item.subscriber_id].confirmed_at == NOW + timedelta(seconds=2)
    status(database, item.id, "read", NOW + timedelta(seconds=9))
    assert deliveries(database)[item.subscriber_id].confirmed_at == NOW + timedelta(seconds=2)


def test_a_send_withdrawn_between_claim_and_call_is_not_sent(database, sandbox, clock, tmp_path):
    leaves = subscribe(database, "573007770006", "Centro")
    subscribe(database, "573007770007", "Centro")
    cut_notice(database, "Centro")
    job = notifier(database, sandbox, clock, tmp_path)
    claimed = claim_as(database, job.owner, NOW)
    with database.transaction(write=True) as connection:  # SALIR, as withdraw_all does it
        connection.execute(
            sa.update(Delivery)
            .where(Delivery.subscriber_id == leaves)
            .values(state=DeliveryState.WITHDRAWN)
        )
    outcome = job.deliver(claimed)
    assert received(sandbox) == {"573007770007": 1}
    assert deliveries(database)[leaves].state == DeliveryState.WITHDRAWN
    assert outcome.withdrawn == 1


def test_a_send_taken_over_by_another_daemon_is_not_sent_twice(database, sandbox, clock, tmp_path):
    subscribe(database, "573007770008", "Centro")
    cut_notice(database, "Centro")
    job = notifier(database, sandbox, clock, tmp_path)
    claimed = claim_as(database, job.owner, NOW)
    with database.transaction(write=True) as connection:
        connection.execute(sa.update(Delivery).values(lease_owner="otro"))
    job.deliver(claimed)
    assert received(sandbox) == {}


def test_a_send_withdrawn_while_its_call_was_on_its_way_is_recorded_as_sent(database):
    subscriber = subscribe(database, "573007770009", "Centro")
    cut_notice(database, "Centro")
    [item] = claim_as(database, "vivo", NOW)
    with database.transaction(write=True) as connection:
        assert hold_for_call(connection, item.id, "vivo", NOW, LEASE)
        connection.execute(sa.update(Delivery).values(state=DeliveryState.WITHDRAWN))
        assert mark_sent(connection, item.id, "vivo", "wamid.fue", NOW)
    row = deliveries(database)[subscriber]
    assert (row.state, row.remote_id) == (DeliveryState.SENT, "wamid.fue")


def test_the_confirmation_wait_always_covers_a_lease_and_a_whole_call():
    policy = NotifyPolicy(confirmation_wait=timedelta(seconds=3), lease=timedelta(seconds=2))
    assert policy.settled_wait > policy.lease + policy.call_timeout
    assert NotifyPolicy(confirmation_wait=timedelta(hours=1)).settled_wait == timedelta(hours=1)


# --- M4: a renamed sector keeps its subscribers -------------------------------------------


def test_a_sector_renamed_with_its_old_name_kept_as_alias_still_reaches_its_subscribers(
    database, sandbox, clock, tmp_path
):
    subscribe(database, "573008880001", "Centro")  # subscribed before the rename
    subscribe(database, "573008880002", "Norte")
    broadcast_id, queued = cut_notice(
        database, "Centro Histórico", sector_spellings=["Centro Histórico", "Centro"]
    )
    assert queued == 1
    notifier(database, sandbox, clock, tmp_path).run_once()
    assert received(sandbox) == {"573008880001": 1}
    assert broadcast_figures(database, broadcast_id, clock.now()).withdrawn == 0


# --- M5: closing a notice -----------------------------------------------------------------


def service_notice(database) -> int:
    with database.transaction(write=True) as connection:
        return connection.execute(
            sa.insert(ServiceNotice)
            .values(
                sector="Centro",
                starts_at=NOW,
                ends_at=NOW + timedelta(hours=8),
                reason="cambio de válvula",
                created_at=NOW,
            )
            .returning(ServiceNotice.id)
        ).scalar_one()


def test_closing_a_notice_expires_its_pending_sends_and_restored_goes_only_to_the_notified(
    database, sandbox, clock, tmp_path
):
    notice_id = service_notice(database)
    got_it = subscribe(database, "573009990001", "Centro")
    failed = subscribe(database, "573009990002", "Centro")
    waiting = subscribe(database, "573009990003", "Centro")
    broadcast_id, _ = cut_notice(database, "Centro", notice_id=notice_id)
    with database.transaction(write=True) as connection:
        for subscriber, state in ((got_it, "sent"), (failed, "failed")):
            connection.execute(
                sa.update(Delivery)
                .where(Delivery.subscriber_id == subscriber)
                .values(state=DeliveryState(state))
            )
        assert expire_open(connection, broadcast_id) == 1
    subscribe(database, "573009990004", "Centro")  # subscribed after the notice
    notifier(database, sandbox, clock, tmp_path).run_once()
    assert received(sandbox) == {}  # the cut notice does not go out after closing
    assert deliveries(database)[waiting].state == DeliveryState.EXPIRED
    found = broadcast_figures(database, broadcast_id, clock.now())
    assert (found.expired, found.state) == (1, BroadcastState.DONE)

    with database.transaction(write=True) as connection:
        _, queued = broadcasts.create(
            connection,
            BroadcastKind.RESTORED,
            Purpose.NOTICES,
            ["Centro"],
            "servicio_restablecido",
            "es",
            ["Centro"],
            NOW,
            notice_id=notice_id,
            only_subscribers=broadcasts.notified(notice_id),
        )
    assert queued == 1
    notifier(database, sandbox, clock, tmp_path).run_once()
    assert received(sandbox) == {"573009990001": 1}


# --- M7: the pace -------------------------------------------------------------------------


def test_the_pace_recovers_step_by_step_after_throttling():
    now = [100.0]
    pace = Pace(10.0, monotonic=lambda: now[0])
    for _ in range(3):
        pace.slow_down(0)
    assert pace.current() == pytest.approx(7.29)
    now[0] += 0.5
    assert pace.current() == pytest.approx(7.29)
    now[0] += 0.5
    assert pace.current() == pytest.approx(8.29)
    now[0] += 1.0
    assert pace.current() == pytest.approx(9.29)
    now[0] += 5.0
    assert pace.current() == 10.0


def test_the_job_paces_itself_a_little_under_the_numbers_throughput(
    database, sandbox, clock, tmp_path
):
    job = notifier(database, sandbox, clock, tmp_path)
    limit = job.policy.messages_per_second
    assert 0.9 * limit <= job.pace.current() < limit


def test_workers_are_enough_for_the_rate_at_real_latency():
    assert workers_for(80) == 24
    assert workers_for(1000) == 32
    assert workers_for(1) == 1


def test_only_whatsapps_too_fast_slows_the_pace(database, sandbox, clock, tmp_path):
    subscribe(database, "573001010001", "Centro")
    subscribe(database, "573001010002", "Centro")
    cut_notice(database, "Centro")
    knobs(sandbox, daily_limit=1)  # the second person gets 131048: a limit, not the pace
    job = notifier(database, sandbox, clock, tmp_path)
    assert job.run_once().retried == 1
    assert job.pace.rate == job.pace.ceiling

    knobs(sandbox, throughput=0.5)  # every send is «too fast» (130429)
    clock.advance(timedelta(minutes=1))
    assert job.run_once().retried == 1
    assert job.pace.rate < job.pace.ceiling


# --- M8: the daily limit across daemons ----------------------------------------------------


def test_claims_of_one_network_are_serialised_across_daemons(database_url):
    database = Database(database_url)
    database.upgrade()
    try:
        with database.transaction(write=True) as connection:
            lock_network(connection, "whatsapp")
            if connection.dialect.name != "postgresql":
                return  # SQLite's write transaction already serialises them
            with database.engine.connect() as other:
                key = network_lock_key("whatsapp")
                taken = other.execute(sa.select(sa.func.pg_try_advisory_xact_lock(key)))
                assert taken.scalar_one() is False
                other.rollback()
    finally:
        database.dispose()


# --- M10, L17: the header's media ---------------------------------------------------------


def test_a_failed_header_upload_puts_back_every_item_of_its_broadcast(
    database, sandbox, clock, tmp_path
):
    for number in range(3):
        subscribe(database, f"57300202000{number}", purpose=Purpose.CONTENT)
    broadcast_id = image_content(database, {"type": "image", "path": "no-esta.jpg"})
    notifier(database, sandbox, clock, tmp_path).run_once()
    rows = deliveries(database).values()
    assert {(row.state, row.attempts) for row in rows} == {(DeliveryState.QUEUED, 0)}
    assert broadcast_figures(database, broadcast_id, clock.now()).state == BroadcastState.PAUSED
    assert received(sandbox) == {}


def test_a_header_media_id_near_its_end_is_uploaded_again(database, sandbox, clock, tmp_path):
    media_file(tmp_path, "llave.jpg", JPEG)
    subscribe(database, "573003030001", purpose=Purpose.CONTENT)
    old = {"type": "image", "path": "llave.jpg", "id": "vencido"}
    broadcast_id = image_content(
        database, {**old, "uploaded_at": (NOW - timedelta(days=30)).isoformat()}
    )
    notifier(database, sandbox, clock, tmp_path).run_once()
    with database.session() as session:
        header = session.get(Broadcast, broadcast_id).header
    assert header["id"] != "vencido" and header["uploaded_at"] == NOW.isoformat()
    assert received(sandbox) == {"573003030001": 1}


def test_a_fresh_header_media_id_is_reused(database, sandbox, clock, tmp_path):
    media_file(tmp_path, "llave.jpg", JPEG)
    subscribe(database, "573003030002", purpose=Purpose.CONTENT)
    fresh = {"type": "image", "path": "llave.jpg", "id": "reciente"}
    broadcast_id = image_content(
        database, {**fresh, "uploaded_at": (NOW - timedelta(days=2)).isoformat()}
    )
    notifier(database, sandbox, clock, tmp_path).run_once()
    with database.session() as session:
        assert session.get(Broadcast, broadcast_id).header["id"] == "reciente"


# --- L11: Meta's code on a plain refusal ---------------------------------------------------


def test_a_plain_refusal_keeps_metas_code_for_estado(database, sandbox, clock, tmp_path):
    subscribe(database, "no-es-un-numero", "Centro")
    broadcast_id, _ = cut_notice(database, "Centro")
    notifier(database, sandbox, clock, tmp_path).run_once()
    found = broadcast_figures(database, broadcast_id, clock.now())
    assert found.failed == 1
    assert found.failures[0][0] == 100
