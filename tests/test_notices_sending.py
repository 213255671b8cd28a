"""Sending notices to subscribers through the simulator: only to those who consented, for their
sectors, each once, within the number's daily limit; statuses counted; a send cut off mid-call
is finished from WhatsApp's word, never repeated blind.

The tests that call `knobs(...)` use the simulator's WhatsApp control API (`POST /_sandbox/whatsapp`);
they skip until the simulator has it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa

from channels.meta.webhooks import parse_delivery
from channels.sandbox.whatsapp_world import APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN
from conectados.clock import FixedClock
from conectados.db import Database
from conectados.errors import BadInput
from conectados.leases import Lease
from conectados.settings import load_settings
from notices import broadcasts
from notices.deliveries import claim_due, record_statuses, reference, resume_broadcast
from notices.models import (
    Broadcast,
    BroadcastKind,
    BroadcastState,
    Consent,
    DeliveryState,
    Purpose,
)
from notices.notice_sends import MAX_TEMPLATE_VARIABLE, Notified, add_and_notify
from responders import service_notices
from responders.models import ServiceNotice
from tests.notices_office import (
    LEASE,
    NOW,
    WAIT,
    broadcast_figures,
    cut_notice,
    deliveries,
    knobs,
    notifier,
    received,
    subscribe,
)
from webhooks.app import WebhookConfig
from webhooks.server import WebhookServer, subscribe_to_sandbox


@pytest.fixture
def clock():
    return FixedClock(NOW)


def unsubscribe(database, subscriber_id: int) -> None:
    with database.transaction(write=True) as connection:
        connection.execute(
            sa.update(Consent)
            .where(Consent.subscriber_id == subscriber_id, Consent.withdrawn_at.is_(None))
            .values(withdrawn_at=NOW, withdrawn_how="mensaje")
        )


def test_the_unsubscribed_citizen_gets_nothing_from_the_next_notice(
    database, sandbox, clock, tmp_path
):
    stays = subscribe(database, "573001110001", "Centro")
    leaves = subscribe(database, "573001110002", "Centro")
    job = notifier(database, sandbox, clock, tmp_path)
    cut_notice(database, "Centro")
    assert job.run_once().sent == 2
    unsubscribe(database, leaves)
    second, queued = cut_notice(database, "Centro")
    assert queued == 1
    job.run_once()
    assert received(sandbox) == {"573001110001": 2, "573001110002": 1}
    assert broadcast_figures(database, second).state == BroadcastState.DONE
    assert stays


def test_consent_withdrawn_after_the_notice_was_queued_stops_its_send(
    database, sandbox, clock, tmp_path
):
    leaves = subscribe(database, "573001110003", "Centro")
    moves = subscribe(database, "573001110006", "Centro")
    broadcast_id, queued = cut_notice(database, "Centro")
    assert queued == 2
    unsubscribe(database, leaves)  # SALIR arrives before the daemon sends
    unsubscribe(database, moves)  # and another one now wants only Norte's notices
    with database.transaction(write=True) as connection:
        connection.execute(
            sa.insert(Consent).values(
                subscriber_id=moves, purpose=Purpose.NOTICES, sector="Norte", granted_at=NOW
            )
        )
    outcome = notifier(database, sandbox, clock, tmp_path).run_once()
    assert (outcome.sent, outcome.withdrawn) == (0, 2)
    assert received(sandbox) == {}
    assert deliveries(database)[leaves].state == DeliveryState.WITHDRAWN
    assert deliveries(database)[moves].state == DeliveryState.WITHDRAWN
    assert broadcast_figures(database, broadcast_id).withdrawn == 2


def test_a_notice_for_centro_never_reaches_a_subscriber_of_only_norte(
    database, sandbox, clock, tmp_path
):
    subscribe(database, "573001110004", "Norte")
    subscribe(database, "573001110005", "Centro", "Norte")
    _, queued = cut_notice(database, "Centro")
    assert queued == 1
    notifier(database, sandbox, clock, tmp_path).run_once()
    assert received(sandbox) == {"573001110005": 1}


def test_two_notifiers_at_once_send_each_notice_once(database_url, sandbox, clock, tmp_path):
    import threading

    database = Database(database_url)
    database.upgrade()

    for number in range(40):
        subscribe(database, f"5730022{number:05d}", "Centro")
    cut_notice(database, "Centro")
    jobs = [notifier(database, sandbox, clock, tmp_path, owner=f"d{n}") for n in range(2)]
    threads = [threading.Thread(target=job.run_once) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = received(sandbox)
    database.dispose()
    assert len(counts) == 40 and set(counts.values()) == {1}


def test_past_the_daily_limit_the_rest_waits_queued_not_dropped(database, sandbox, clock, tmp_path):
    for number in range(5):
        subscribe(database, f"5730033{number:05d}", "Centro")
    broadcast_id, _ = cut_notice(database, "Centro")
    job = notifier(database, sandbox, clock, tmp_path, daily_limit=3)
    outcome = job.run_once()
    assert outcome.sent == 3 and outcome.limited_until is not None
    waiting = broadcast_figures(database, broadcast_id)
    assert (waiting.sent, waiting.waiting_limit, waiting.state) == (3, 2, BroadcastState.SENDING)
    clock.advance(timedelta(hours=23))
    assert job.run_once().sent == 0  # the window still holds the first three
    clock.advance(timedelta(hours=1, seconds=2))
    assert job.run_once().sent == 2
    assert len(received(sandbox)) == 5
    assert broadcast_figures(database, broadcast_id, clock.now()).state == BroadcastState.DONE


def hold_as_dead_sender(database, now: datetime) -> list[int]:
    """A daemon claimed the due deliveries (committed `sending`) and died before its call."""
    with database.transaction(write=True) as connection:
        claimed, _ = claim_due(connection, now, Lease("muerto", now, LEASE), 100, ["whatsapp"])
    return [item.id for item in claimed]


def status_webhook(
    database, delivery_id: int, status: str, remote_id: str = "wamid.X", **error
) -> None:
    """What the receiver does with one status of WhatsApp's webhook for our message."""
    entry = {
        "id": remote_id,
        "status": status,
        "timestamp": str(int(NOW.timestamp())),
        "recipient_id": "57300",
    }
    if delivery_id:
        entry["biz_opaque_callback_data"] = reference(delivery_id)
    if error:
        entry["errors"] = [error]
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": PHONE_NUMBER_ID},
                            "statuses": [entry],
                        },
                    }
                ],
            }
        ],
    }
    delivery = parse_delivery(payload, NOW + timedelta(days=1))
    assert delivery.statuses, delivery.set_aside
    with database.transaction(write=True) as connection:
        record_statuses(connection, delivery.statuses)


def test_a_send_cut_off_whose_sent_status_came_is_not_sent_again(
    database, sandbox, clock, tmp_path
):
    subscriber = subscribe(database, "573004440001", "Centro")
    cut_notice(database, "Centro")
    [held] = hold_as_dead_sender(database, NOW)
    status_webhook(database, held, "sent", "wamid.llego")
    clock.advance(LEASE + WAIT + timedelta(seconds=1))
    notifier(database, sandbox, clock, tmp_path).run_once()
    assert received(sandbox) == {}
    row = deliveries(database)[subscriber]
    assert (row.state, row.remote_id) == (DeliveryState.SENT, "wamid.llego")


def test_a_send_cut_off_with_no_word_from_whatsapp_waits_unconfirmed(
    database, sandbox, clock, tmp_path
):
    subscriber = subscribe(database, "573004440002", "Centro")
    broadcast_id, _ = cut_notice(database, "Centro")
    hold_as_dead_sender(database, NOW)
    job = notifier(database, sandbox, clock, tmp_path)
    clock.advance(LEASE + timedelta(seconds=1))
    job.run_once()  # the lease ran out, but WhatsApp may still tell: wait
    assert received(sandbox) == {}
    assert broadcast_figures(database, broadcast_id, clock.now()).in_flight == 1
    clock.advance(WAIT)
    # No status of any later send came either: WhatsApp's word is not flowing, so it may have
    # gone; it waits, counted as unconfirmed, instead of going twice (tests/test_notices_safety.py
    # has the later send whose status came: then it goes again, once).
    assert job.run_once().requeued == 0
    assert received(sandbox) == {}
    assert broadcast_figures(database, broadcast_id, clock.now()).unconfirmed == 1
    assert deliveries(database)[subscriber].state == DeliveryState.SENDING


def test_statuses_only_move_forward_and_failures_keep_metas_code(
    database, sandbox, clock, tmp_path
):
    read_first = subscribe(database, "573005550001", "Centro")
    fails = subscribe(database, "573005550002", "Centro")
    broadcast_id, _ = cut_notice(database, "Centro")
    notifier(database, sandbox, clock, tmp_path).run_once()
    rows = deliveries(database)
    status_webhook(database, 0, "read", rows[read_first].remote_id)  # no reference: by wamid
    status_webhook(database, rows[read_first].id, "delivered", rows[read_first].remote_id)
    status_webhook(
        database,
        rows[fails].id,
        "failed",
        rows[fails].remote_id,
        code=131026,
        title="Message undeliverable",
        error_data={"details": "Message Undeliverable."},
    )
    rows = deliveries(database)
    assert rows[read_first].state == DeliveryState.READ and rows[read_first].delivered_at
    assert rows[fails].state == DeliveryState.FAILED and rows[fails].error_code == 131026
    assert rows[fails].error_detail.startswith("no usa WhatsApp")
    found = broadcast_figures(database, broadcast_id)
    assert (found.sent, found.delivered, found.read, found.failed) == (1, 1, 1, 1)
    assert found.failures[0][0] == 131026


def test_a_blocked_number_fails_with_metas_code_and_the_others_go_on(
    database, sandbox, clock, tmp_path
):
    """Like Meta, the simulator takes the send (200) and tells the failure later, by a status
    webhook: the office's receiver records it."""
    from responders.notices import status_lines

    knobs(sandbox, recipients={"573006660001": "blocked"})
    blocked = subscribe(database, "573006660001", "Centro")
    subscribe(database, "573006660002", "Centro")
    broadcast_id, _ = cut_notice(database, "Centro")
    with WebhookServer(receiver_config(), database, clock, port=0) as receiver:
        subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
        notifier(database, sandbox, clock, tmp_path).run_once()
        settled(database, blocked)

    assert received(sandbox).get("573006660002") == 1
    row = deliveries(database)[blocked]
    assert row.state == DeliveryState.FAILED and row.error_code == 131026
    found = broadcast_figures(database, broadcast_id)
    assert (found.reached, found.sent, found.failed) == (2, 1, 1)
    shown = "\n".join(status_lines(found, UTC))
    assert "fallidos: 1" in shown and "enviados: 1" in shown
    assert "1: " in shown and found.failures[0][1] in shown


def receiver_config() -> WebhookConfig:
    """The receiver's settings for the simulator's WhatsApp number."""
    return WebhookConfig(
        verify_token=VERIFY_TOKEN,
        app_secret=APP_SECRET,
        max_bytes=64 * 1024,
        accounts={"whatsapp": PHONE_NUMBER_ID},
        sandbox=True,
    )


def settled(database, subscriber_id: int, seconds: float = 30.0) -> None:
    """Wait until WhatsApp's last word on the subscriber's send (failed or read) is recorded:
    statuses come by webhook, a moment after the send."""
    deadline = time.monotonic() + seconds
    while deliveries(database)[subscriber_id].state not in (
        DeliveryState.FAILED,
        DeliveryState.READ,
    ):
        if time.monotonic() > deadline:
            return  # the assertions that follow say what was missing
        time.sleep(0.05)


def test_a_paused_template_pauses_the_broadcast_and_nobody_fails(
    database, sandbox, clock, tmp_path
):
    knobs(sandbox, templates={"aviso_corte": "PAUSED"})
    subscribe(database, "573007770001", "Centro")
    broadcast_id, _ = cut_notice(database, "Centro")
    outcome = notifier(database, sandbox, clock, tmp_path).run_once()
    assert outcome.paused and outcome.failed == 0
    found = broadcast_figures(database, broadcast_id)
    assert found.state == BroadcastState.PAUSED and found.paused_reason
    assert found.waiting_pace == 1 and found.failed == 0
    knobs(sandbox, templates={"aviso_corte": "APPROVED"})  # fixed in WhatsApp Manager
    with database.transaction(write=True) as connection:
        assert resume_broadcast(connection, broadcast_id)  # `avisos reanudar`
    assert notifier(database, sandbox, clock, tmp_path).run_once().sent == 1


SECTORS = (
    "sectores:\n  - nombre: Centro\n    tipo: barrio\n    alias: [El Centro]\n"
    "  - nombre: Norte\n    tipo: barrio\n"
)


def test_avisos_add_notificar_queues_the_sectors_subscribers_and_estado_follows_it(
    cli, tmp_path, sandbox, clock
):
    (tmp_path / "sectores.yaml").write_text(SECTORS, encoding="utf-8")
    cli.clock = clock
    assert cli("init").exit_code == 0
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    subscribe(database, "573008880001", "Centro")
    subscribe(database, "573008880002", "Norte")

    unknown = cli(
        "avisos", "add", "--sector", "Centro, Sur", "--desde", "2026-03-11 08:00",
        "--hasta", "2026-03-11 17:00", "--motivo", "cambio de válvula", "--notificar",
    )  # fmt: skip
    added = cli(
        "avisos", "add", "--sector", "el centro", "--desde", "2026-03-11 08:00",
        "--hasta", "2026-03-11 17:00", "--motivo", "cambio de válvula", "--notificar",
    )  # fmt: skip
    notifier(database, sandbox, clock, tmp_path).run_once()
    status = cli("avisos", "estado", "1")
    listed = cli("avisos", "list")
    closed = cli("avisos", "close", "1", "--notificar")
    again = cli("avisos", "close", "1", "--notificar")
    notifier(database, sandbox, clock, tmp_path).run_once()
    database.dispose()

    assert unknown.exit_code == 2 and "«Sur» no es un sector" in unknown.stderr
    assert "--sector" in unknown.stderr
    assert added.exit_code == 0, added.stderr
    assert "a 1 suscriptor de Centro" in added.stdout and "avisos estado 1" in added.stdout
    assert "1 suscriptor alcanzado" in status.stdout and "enviados: 1" in status.stdout
    assert "enviados" in listed.stdout
    assert closed.exit_code == 0 and "a 1 suscriptor de Centro" in closed.stdout
    assert again.exit_code == 2 and "ya estaba cerrado" in again.stderr
    templates = [
        reply["template"]
        for reply in sandbox.control("GET", "state")["whatsapp"]["replies"]
        if reply["wa_id"] == "573008880001"
    ]
    assert templates == ["aviso_corte", "servicio_restablecido"]
    assert "573008880002" not in received(sandbox)


def test_a_notice_whatsapp_would_refuse_is_neither_stored_nor_queued(database, clock, tmp_path):
    """`avisos add --notificar` and the demo: the notice and its broadcast, both or neither."""
    (tmp_path / "sectores.yaml").write_text(SECTORS, encoding="utf-8")
    settings = load_settings(environ={}, cwd=tmp_path)
    subscribe(database, "573009990001", "Centro")

    def add(reason: str) -> Notified:
        ends = NOW + timedelta(hours=4)
        add_notice = partial(
            service_notices.add, sector="el centro", starts=NOW, ends=ends, reason=reason, now=NOW
        )
        return add_and_notify(
            database, add_notice, "el centro", NOW, ends, reason, settings.sectors_path,
            settings.notices, UTC, NOW,
        )  # fmt: skip

    for refused in ("cambio de válvula\nurgente", "x" * (MAX_TEMPLATE_VARIABLE + 1)):
        with pytest.raises(BadInput) as error:
            add(refused)
        assert "opción --motivo" in str(error.value)
    sent = add("cambio de válvula")

    with database.session() as session:
        notices = session.execute(sa.select(ServiceNotice.id)).scalars().all()
        linked = session.execute(sa.select(Broadcast.notice_id, Broadcast.sectors)).all()
    assert notices == [sent.notice_id] and sent.queued == 1 and sent.sectors == ["Centro"]
    assert linked == [(sent.notice_id, ["Centro"])]


def test_a_media_header_is_uploaded_once_per_broadcast(database, sandbox, clock, tmp_path):
    """Needs the simulator's `POST /{phone-number-id}/media` (skips until it has it)."""
    from media_files import jpeg_image, media_file

    media_file(tmp_path, "planta.jpg", jpeg_image(800, 600))
    for number in range(3):
        subscribe(database, f"5730099{number:05d}", None, purpose=Purpose.CONTENT)
    with database.transaction(write=True) as connection:
        broadcast_id, _ = broadcasts.create(
            connection,
            BroadcastKind.CONTENT,
            Purpose.CONTENT,
            None,
            "contenido_imagen",
            "es",
            ["Así quedó la planta de tratamiento"],
            NOW,
            header={"type": "image", "path": "planta.jpg"},
        )
    outcome = notifier(database, sandbox, clock, tmp_path).run_once()
    if outcome.paused:
        pytest.skip(f"the simulator does not take media uploads yet: {outcome.paused[0]}")
    with database.session() as session:
        header = session.get(Broadcast, broadcast_id).header
    assert outcome.sent == 3 and header["id"]
    assert len(received(sandbox)) == 3


def test_closing_a_notice_stops_its_unsent_messages_and_restored_goes_only_to_who_got_it(
    cli, tmp_path, sandbox, clock
):
    """«No habrá agua» never goes out once the water is back; «restablecido» goes to those
    who got the notice, and a consent given under a sector's old name (now an alias) counts."""
    renamed = SECTORS.replace("- nombre: Centro\n", "- nombre: Centro Histórico\n").replace(
        "alias: [El Centro]", "alias: [El Centro, Centro]"
    )
    (tmp_path / "sectores.yaml").write_text(renamed, encoding="utf-8")
    cli.clock = clock
    assert cli("init").exit_code == 0
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    old_name = subscribe(database, "573009990001", "Centro")  # before the rename
    subscribe(database, "573009990002", "Centro Histórico")
    common = ("--desde", "2026-03-11 08:00", "--hasta", "2026-03-11 17:00", "--motivo", "obra")
    sent = cli("avisos", "add", "--sector", "Centro Histórico", *common, "--notificar")
    assert sent.exit_code == 0 and "a 2 suscriptores" in sent.stdout, sent.stdout
    notifier(database, sandbox, clock, tmp_path).run_once()
    unsent = cli("avisos", "add", "--sector", "Centro Histórico", *common, "--notificar")
    assert unsent.exit_code == 0
    closed_unsent = cli("avisos", "close", "2", "--notificar")
    closed_sent = cli("avisos", "close", "1", "--notificar")
    status = cli("avisos", "estado", "2")
    notifier(database, sandbox, clock, tmp_path).run_once()
    rows = deliveries(database)
    database.dispose()

    assert closed_unsent.exit_code == 0 and closed_sent.exit_code == 0
    assert "se cerró antes: 2" in status.stdout, status.stdout
    templates = [
        (reply["wa_id"], reply["template"])
        for reply in sandbox.control("GET", "state")["whatsapp"]["replies"]
    ]
    for phone in ("573009990001", "573009990002"):
        assert [name for wa_id, name in templates if wa_id == phone] == [
            "aviso_corte",
            "servicio_restablecido",
        ]
    assert old_name in rows


def test_avisos_notificar_sends_a_notice_added_without_it_once_and_never_a_closed_one(
    cli, tmp_path, sandbox, clock
):
    (tmp_path / "sectores.yaml").write_text(SECTORS, encoding="utf-8")
    cli.clock = clock
    assert cli("init").exit_code == 0
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    subscribe(database, "573008880003", "Centro")
    for reason in ("lavado de tanque.", "cambio de válvula", "obra"):
        added = cli(
            "avisos", "add", "--sector", "Centro", "--desde", "2026-03-11 00:00",
            "--hasta", "2026-03-11 01:01", "--motivo", reason,
        )  # fmt: skip
        assert added.exit_code == 0, added.stderr
    before = cli("avisos", "estado", "1")
    assert cli("avisos", "close", "2").exit_code == 0

    sent = cli("avisos", "notificar", "1")
    twice = cli("avisos", "notificar", "1")
    closed = cli("avisos", "notificar", "2")
    missing = cli("avisos", "notificar", "9")
    ended = cli("avisos", "notificar", "3", clock=FixedClock(NOW + timedelta(days=2)))
    helped = cli("avisos", "--help")
    notifier(database, sandbox, clock, tmp_path).run_once()
    database.dispose()

    assert "envíelo con «conectados avisos notificar 1»" in before.stdout
    assert sent.exit_code == 0, sent.stderr
    assert "a 1 suscriptor de Centro" in sent.stdout
    assert twice.exit_code == 2 and "ya se envió por WhatsApp" in twice.stderr
    assert closed.exit_code == 2 and "está cerrado" in closed.stderr
    assert missing.exit_code == 2 and "no hay ningún aviso con id 9" in missing.stderr
    assert ended.exit_code == 2 and "ya terminó" in ended.stderr
    assert "WhatsApp" in helped.stdout and "notificar" in helped.stdout
    (text,) = [
        reply["text"]
        for reply in sandbox.control("GET", "state")["whatsapp"]["replies"]
        if reply["wa_id"] == "573008880003"
    ]
    assert "hasta miércoles 11 de marzo, 1:01 a. m. por lavado de tanque. Responda" in text
    assert ".." not in text
