"""The webhook receiver and WhatsApp: signed, stored once, answered once, within the rules."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa

from channels.meta.facebook import FacebookChannel
from channels.meta.whatsapp import WhatsAppChannel
from channels.sandbox.graph_world import PAGE_ID
from channels.sandbox.whatsapp_world import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
)
from conectados.clock import SystemClock
from conectados.errors import ConectadosError
from conectados.settings import Settings
from responders.models import Interaction, InteractionState, Reply, ReplyState, Ticket
from responders.protocol_files import load_catalogue
from responders.service import Responder
from scheduler.inbox import Inbox
from scheduler.outbox import Outbox
from webhooks.app import WebhookConfig
from webhooks.server import WebhookServer, subscribe_to_sandbox

WA_ID = "573001112233"


def config(**overrides) -> WebhookConfig:
    values = {
        "verify_token": VERIFY_TOKEN,
        "app_secret": APP_SECRET,
        "max_bytes": 64 * 1024,
        "accounts": {"facebook": PAGE_ID, "whatsapp": PHONE_NUMBER_ID},
        "sandbox": True,
    }
    return WebhookConfig(**(values | overrides))


@pytest.fixture
def receiver(database):
    with WebhookServer(config(), database, SystemClock(), port=0) as server:
        yield server


def whatsapp_text(message_id: str, text: str, at: datetime | None = None) -> bytes:
    at = at or datetime.now(UTC)
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "100000000000088",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "576071234567",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": "Marta"}, "wa_id": WA_ID}],
                            "messages": [
                                {
                                    "from": WA_ID,
                                    "id": message_id,
                                    "timestamp": str(int(at.timestamp())),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload).encode()


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def post(server: WebhookServer, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(server.url, data=body, headers=headers, timeout=10)


def stored(database) -> list[Interaction]:
    with database.session() as session:
        rows = session.execute(sa.select(Interaction).order_by(Interaction.id)).scalars().all()
        session.expunge_all()
    return list(rows)


def test_meta_handshake_echoes_the_challenge_only_with_our_verify_token(receiver):
    good = requests.get(
        receiver.url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
        timeout=5,
    )
    wrong = requests.get(
        receiver.url,
        params={"hub.mode": "subscribe", "hub.verify_token": "adivina", "hub.challenge": "1"},
        timeout=5,
    )

    assert (good.status_code, good.text) == (200, "1158201444")
    assert wrong.status_code == 403 and "1" not in wrong.text


def test_a_forged_or_missing_signature_is_refused_and_nothing_is_stored(receiver, database):
    body = whatsapp_text("wamid.forged", "¿Dónde pago la factura?")
    tampered = body.replace(b"pago", b"PAGO")

    answers = [
        post(receiver, body, signed(body, secret="otro-secreto")),
        post(receiver, body, {"Content-Type": "application/json"}),
        post(receiver, tampered, signed(body)),
        post(receiver, body, {"X-Hub-Signature-256": "sha256=" + "0" * 64}),
    ]

    assert [answer.status_code for answer in answers] == [401, 401, 401, 401]
    assert stored(database) == []


def test_a_replayed_event_is_acknowledged_and_stored_once(receiver, database):
    body = whatsapp_text("wamid.replayed", "¿Dónde pago la factura?")

    answers = [post(receiver, body, signed(body)) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    rows = stored(database)
    assert [(row.network, row.remote_id, row.author_id, row.author_name) for row in rows] == [
        ("whatsapp", "wamid.replayed", WA_ID, "Marta")
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"object": "whatsapp_business_account", "entry": {}}',
        json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "metadata": {"phone_number_id": PHONE_NUMBER_ID},
                                    "messages": [{"type": "text", "text": {"body": "x"}}],
                                },
                            }
                        ]
                    }
                ],
            }
        ).encode(),
        b'{"object": "page", "entry": [{"id": "' + PAGE_ID.encode() + b'", "changes": "x"}]}',
        '{"a": "\udcff"}'.encode("utf-8", "surrogatepass"),
    ],
    ids=[
        "not-json",
        "a-list",
        "entry-not-a-list",
        "message-without-id",
        "changes-not-a-list",
        "bad-utf8",
    ],
)
def test_a_malformed_signed_body_is_refused_with_400_and_nothing_is_stored(
    receiver, database, body
):
    answer = post(receiver, body, signed(body))

    assert answer.status_code == 400
    assert answer.json()["error"]
    assert stored(database) == []


def test_an_oversized_body_is_refused_before_it_is_read(receiver, database):
    big = whatsapp_text("wamid.big", "agua " * 20_000)
    declared = post(receiver, big, signed(big))

    def chunks():  # no Content-Length: the limit is applied while reading
        for start in range(0, len(big), 8192):
            yield big[start : start + 8192]

    streamed = requests.post(receiver.url, data=chunks(), headers=signed(big), timeout=10)

    assert (declared.status_code, streamed.status_code) == (413, 413)
    assert stored(database) == []


def test_events_of_other_accounts_and_kinds_are_acknowledged_and_left_alone(receiver, database):
    other_number = whatsapp_text("wamid.other", "hola").replace(
        PHONE_NUMBER_ID.encode(), b"999999999999999"
    )
    status_only = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "metadata": {"phone_number_id": PHONE_NUMBER_ID},
                                "statuses": [{"id": "wamid.ours", "status": "read"}],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()

    answers = [post(receiver, body, signed(body)) for body in (other_number, status_only)]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert stored(database) == []


# --- through the simulator: the real path -----------------------------------------------


def office(database, sandbox, settings: Settings | None = None, template: str = ""):
    """The daemon's parts that act on stored events: responder and send job."""
    clock = SystemClock()
    settings = settings or Settings()
    whatsapp = WhatsAppChannel(
        PHONE_NUMBER_ID, "token", sandbox.url, template=template, timeout=5, clock=clock
    )
    facebook = FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=5)
    responder = Responder(database, load_catalogue(), settings, clock)
    outbox = Outbox(database, {"whatsapp": whatsapp, "facebook": facebook}, clock, "test", batch=50)
    return responder, outbox


def write_on_whatsapp(sandbox, text: str, **extra) -> dict:
    return sandbox.control(
        "POST",
        "citizen",
        {"network": "whatsapp", "kind": "message", "text": text, "author": "Marta", **extra},
    )


def whatsapp_replies(sandbox) -> list[dict]:
    return sandbox.control("GET", "state")["whatsapp"]["replies"]


def test_a_valid_whatsapp_message_is_answered_once_on_whatsapp(receiver, database, sandbox):
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    responder, outbox = office(database, sandbox)

    item = write_on_whatsapp(sandbox, "Buenas tardes, ¿dónde puedo pagar la factura del agua?")
    assert [hook["status"] for hook in item["webhooks"]] == [200]
    responder.run_once()
    first = outbox.run_once()
    # Meta delivers again (a retry), and the daemon runs more rounds: nothing more goes out.
    (row,) = stored(database)
    responder.run_once()
    again = outbox.run_once()

    replies = whatsapp_replies(sandbox)
    assert first["sent"] == 1 and again["sent"] == 0
    assert [(reply["to"], reply["type"], reply["status"]) for reply in replies] == [
        (item["from"], "text", "sent")
    ]
    assert "pag" in replies[0]["text"].lower()
    assert row.state == InteractionState.ANSWERED and row.remote_id == item["id"]


def test_outside_the_24_hours_the_reply_waits_in_review_with_the_reason(
    receiver, database, sandbox, cli, tmp_path
):
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    responder, outbox = office(database, sandbox)
    long_ago = datetime.now(UTC) - timedelta(hours=30)

    write_on_whatsapp(sandbox, "¿Dónde puedo pagar la factura?", at=long_ago.isoformat())
    responder.run_once()
    counts = outbox.run_once()

    with database.session() as session:
        reply = session.execute(sa.select(Reply)).scalar_one()
        interaction = session.get(Interaction, reply.interaction_id)
    assert counts["review"] == 1 and whatsapp_replies(sandbox) == []
    assert reply.state == ReplyState.PENDING
    assert "24 horas" in reply.review_note and "plantilla" in reply.review_note
    assert interaction.state == InteractionState.IN_REVIEW
    env = {"CONECTADOS_BASE_DATOS": str(tmp_path / "c.db")}
    approved = cli("replies", "approve", str(reply.id), env=env)
    assert approved.exit_code == 1 and "ya no acepta texto libre" in approved.stderr
    with_template = cli(
        "replies",
        "approve",
        str(reply.id),
        env=env
        | {"CONECTADOS_CHANNELS__WHATSAPP__PLANTILLA_FUERA_DE_VENTANA": "respuesta_pendiente"},
    )
    assert with_template.exit_code == 0, with_template.stderr


def test_outside_the_24_hours_the_approved_template_carries_the_answer(receiver, database, sandbox):
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    responder, outbox = office(database, sandbox, template="respuesta_pendiente")
    long_ago = datetime.now(UTC) - timedelta(hours=30)

    write_on_whatsapp(sandbox, "¿Dónde puedo pagar la factura?", at=long_ago.isoformat())
    responder.run_once()
    counts = outbox.run_once()

    (reply,) = whatsapp_replies(sandbox)
    assert counts["sent"] == 1
    assert (reply["type"], reply["template"], reply["status"]) == (
        "template",
        "respuesta_pendiente",
        "sent",
    )
    assert "\n" not in reply["text"] and "pag" in reply["text"].lower()


def test_a_later_message_keeps_the_window_open_for_an_older_one(receiver, database, sandbox):
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    responder, outbox = office(database, sandbox)
    long_ago = datetime.now(UTC) - timedelta(hours=30)

    old = write_on_whatsapp(sandbox, "¿Dónde puedo pagar la factura?", at=long_ago.isoformat())
    write_on_whatsapp(sandbox, "Gracias")
    responder.run_once()
    outbox.run_once()

    # The answer to the old question went out as free text (no template is set: outside the
    # window nothing could have gone), because "Gracias" reopened the window.
    to_old = [reply for reply in whatsapp_replies(sandbox) if reply["in_reply_to"] == old["id"]]
    assert [(reply["type"], reply["status"]) for reply in to_old] == [("text", "sent")]


def test_a_photo_of_a_leak_is_filed_with_its_media_id_shown_on_the_ticket(
    receiver, database, sandbox, cli, tmp_path
):
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    responder, outbox = office(database, sandbox)

    item = write_on_whatsapp(
        sandbox, "Hay una fuga de agua grande en la calle 5 del barrio Centro", media="image"
    )
    responder.run_once()
    outbox.run_once()

    (row,) = stored(database)
    assert row.attachments == [
        {"kind": "image", "media_id": item["media_id"], "mime_type": "image/jpeg"}
    ]
    with database.session() as session:
        ticket = session.execute(sa.select(Ticket)).scalar_one()
    env = {"CONECTADOS_BASE_DATOS": str(tmp_path / "c.db")}
    shown = cli("pqr", "show", ticket.radicado, env=env)
    listed = cli("inbox", env=env)
    assert shown.exit_code == 0, shown.stderr
    assert f"Adjuntó una foto JPEG (id de medio {item['media_id']}): véala en" in shown.stdout
    assert "image/jpeg" not in shown.stdout
    assert "[adjunto]" in listed.stdout
    (acknowledgement,) = whatsapp_replies(sandbox)  # it does not ask for the photo it got
    assert ticket.radicado in acknowledgement["text"] and "foto" not in acknowledgement["text"]


def test_a_photo_without_words_waits_for_a_person_who_sees_its_media_id(
    receiver, database, sandbox, cli, tmp_path
):
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    responder, _ = office(database, sandbox)

    item = write_on_whatsapp(sandbox, "", media="image")
    responder.run_once()

    with database.session() as session:
        reply = session.execute(sa.select(Reply)).scalar_one()
        interaction = session.get(Interaction, reply.interaction_id)
    shown = cli(
        "replies", "show", str(reply.id), env={"CONECTADOS_BASE_DATOS": str(tmp_path / "c.db")}
    )
    assert reply.state == ReplyState.PENDING
    assert interaction.state == InteractionState.IN_REVIEW and "adjunto" in interaction.decision
    assert f"id de medio {item['media_id']}" in shown.stdout


def test_page_events_by_webhook_and_by_polling_are_stored_once(receiver, database, sandbox):
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    facebook = FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=5)
    post_id = sandbox.control(
        "POST", "posts", {"network": "facebook", "posts": [{"text": "Corte el martes"}]}
    )["ids"][0]

    comment = sandbox.control(
        "POST",
        "citizen",
        {"network": "facebook", "kind": "comment", "text": "¿Hasta qué hora?", "on": post_id},
    )
    message = sandbox.control(
        "POST",
        "citizen",
        {"network": "facebook", "kind": "message", "text": "No me llegó la factura"},
    )
    by_webhook = {row.remote_id for row in stored(database)}
    Inbox(database, {"facebook": facebook}, SystemClock()).run_once()
    rows = stored(database)

    assert by_webhook == {comment["id"], message["id"]}
    assert sorted(row.remote_id for row in rows) == sorted(by_webhook)
    (as_comment,) = [row for row in rows if row.kind.value == "comment"]
    assert (as_comment.thread_id, as_comment.author_name) == (post_id, "Ciudadano")


def test_a_reply_whatsapp_reports_past_the_window_goes_back_to_a_person(
    receiver, database, sandbox
):
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    responder, outbox = office(database, sandbox)
    write_on_whatsapp(sandbox, "¿Dónde puedo pagar la factura?")
    responder.run_once()
    # The citizen's message reached us, but WhatsApp thinks the window is closed (its clock
    # is the one that counts): it accepts the reply and then reports it undelivered.
    sandbox.sandbox.whatsapp.last_inbound.clear()
    outbox.run_once()

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with database.session() as session:
            reply = session.execute(sa.select(Reply)).scalar_one()
            interaction = session.get(Interaction, reply.interaction_id)
        if reply.state != ReplyState.SENT:
            break
        time.sleep(0.05)
    assert reply.state == ReplyState.PENDING
    assert "131047" in reply.review_note and "vuelva a escribir" in reply.review_note
    assert interaction.state == InteractionState.IN_REVIEW


def failed_status(message_id: str, code: int, details: str) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": PHONE_NUMBER_ID},
        "statuses": [
            {
                "id": message_id,
                "status": "failed",
                "timestamp": "1764300000",
                "recipient_id": WA_ID,
                "errors": [{"code": code, "title": details, "error_data": {"details": details}}],
            }
        ],
    }
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }
    ).encode()


def test_an_undelivered_report_is_applied_whether_it_arrives_before_or_after_the_send(
    receiver, database
):
    from responders.replies import apply_undelivered

    for question in ("wamid.q1", "wamid.q2"):
        body = whatsapp_text(question, "¿Dónde puedo pagar la factura?")
        post(receiver, body, signed(body))
    with database.session() as session:
        questions = session.execute(sa.select(Interaction.id)).scalars().all()
        for interaction_id, remote_id in zip(questions, ("wamid.early", "wamid.late"), strict=True):
            session.add(
                Reply(
                    interaction_id=interaction_id,
                    text="Puede pagar en…",
                    visibility="private",
                    state=ReplyState.SENDING,
                    protocol=remote_id,  # which is which, for the assertion
                )
            )
    early = failed_status("wamid.early", 131026, "Message undeliverable")
    assert post(receiver, early, signed(early)).status_code == 200  # before the send is recorded
    with database.session(write=True) as session:  # what the send job does once the call returns
        session.execute(
            sa.update(Reply)
            .where(Reply.protocol.in_(("wamid.early", "wamid.late")))
            .values(state=ReplyState.SENT, remote_id=Reply.protocol)
        )
        apply_undelivered(session.connection(), "whatsapp", ["wamid.early", "wamid.late"])
    late = failed_status("wamid.late", 131026, "Message undeliverable")
    assert post(receiver, late, signed(late)).status_code == 200  # after
    assert post(receiver, late, signed(late)).status_code == 200  # and Meta retries it

    with database.session() as session:
        replies = session.execute(sa.select(Reply).order_by(Reply.id)).scalars().all()
    assert [(reply.state, reply.last_error) for reply in replies] == [
        (ReplyState.FAILED, "WhatsApp no la entregó (código 131026): Message undeliverable")
    ] * 2


def test_real_mode_without_the_app_secret_names_the_variable_to_set(cli, tmp_path):
    (tmp_path / "conectados.toml").write_text(
        '[channels.whatsapp]\nmodo = "real"\ntelefono_id = "123"\n', encoding="utf-8"
    )
    cli("init", env={})  # creates the database next to the settings

    result = cli("webhooks", "serve", "--port", "0", env={"CONECTADOS_WEBHOOK_VERIFY_TOKEN": "v"})

    assert result.exit_code == 2
    assert "CONECTADOS_META_APP_SECRET" in result.stderr


@pytest.mark.postgres
def test_two_receivers_on_postgresql_store_a_burst_of_retried_events_once(postgres_url):
    """Meta delivers the same events to two receivers behind a balancer, at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    from conectados.db import Database

    database = Database(postgres_url)
    database.upgrade()
    bodies = [whatsapp_text(f"wamid.burst{n:04d}", f"Mensaje {n}") for n in range(200)]
    try:
        with (
            WebhookServer(config(), database, SystemClock(), port=0) as first,
            WebhookServer(config(), database, SystemClock(), port=0) as second,
            ThreadPoolExecutor(16) as pool,
        ):
            targets = [(server, body) for body in bodies for server in (first, second, first)]
            answers = list(pool.map(lambda job: post(job[0], job[1], signed(job[1])), targets))
        rows = stored(database)
    finally:
        database.dispose()

    assert {answer.status_code for answer in answers} == {200}
    assert sorted(row.remote_id for row in rows) == [f"wamid.burst{n:04d}" for n in range(200)]


def test_webhooks_serve_subscribes_to_the_simulator_stores_and_stops_on_sigterm(tmp_path, sandbox):
    import os
    import signal
    import subprocess
    import sys

    from conectados.db import Database

    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n', encoding="utf-8"
    )
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    database.upgrade()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    out_path = tmp_path / "serve.out"
    process = subprocess.Popen(
        [sys.executable, "-m", "conectados", "webhooks", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=out_path.open("w", encoding="utf-8"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30  # a generous limit: the outcome is asserted below
        while "Suscrito" not in out_path.read_text(encoding="utf-8"):
            if process.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        started = out_path.read_text(encoding="utf-8")
        assert "Suscrito" in started and process.poll() is None, started
        item = write_on_whatsapp(sandbox, "¿Cuál es el horario de atención?")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    out = out_path.read_text(encoding="utf-8")
    rows = stored(database)
    database.dispose()

    assert process.returncode == 0, out
    assert "Recibiendo webhooks en http://127.0.0.1:" in out and "Receptor detenido." in out
    assert [row.remote_id for row in rows] == [item["id"]]


def test_a_locked_database_gets_503_and_the_receiver_goes_on_storing(database):
    """Meta retries what got no 200; the receiver must survive the wait, not die with it."""
    locker = sa.create_engine(database.url)
    with WebhookServer(config(write_timeout=0.3), database, SystemClock(), port=0) as server:
        with locker.connect() as connection:
            connection.exec_driver_sql("BEGIN EXCLUSIVE")  # another process holds the lock
            first = whatsapp_text("wamid.during", "¿Dónde pago?")
            during = post(server, first, signed(first))
            connection.exec_driver_sql("ROLLBACK")
        second = whatsapp_text("wamid.after", "¿Dónde pago?")
        after = post(server, second, signed(second))
        retried = post(server, first, signed(first))  # Meta's retry of the first one
    locker.dispose()

    assert (during.status_code, after.status_code, retried.status_code) == (503, 200, 200)
    assert sorted(row.remote_id for row in stored(database)) == ["wamid.after", "wamid.during"]


def test_one_unreadable_event_does_not_hold_back_the_others(receiver, database):
    comment = {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": "add",
            "comment_id": "111_222",
            "post_id": f"{PAGE_ID}_111",
            "parent_id": f"{PAGE_ID}_111",
            "created_time": 1764300000,
            "message": "¿A qué hora vuelve el agua?",
        },  # no "from": Meta leaves it out for some people
    }
    broken = {"field": "feed", "value": {"item": "comment", "verb": "add", "message": "sin id"}}
    body = json.dumps(
        {"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "changes": [broken, comment]}]}
    ).encode()

    answer = post(receiver, body, signed(body))

    assert answer.status_code == 200 and answer.json()["ilegibles"] == 1
    ((remote_id, author_id, thread_id),) = [
        (row.remote_id, row.author_id, row.thread_id) for row in stored(database)
    ]
    assert (remote_id, author_id, thread_id) == ("111_222", "", f"{PAGE_ID}_111")


def test_the_window_and_the_answer_work_the_same_on_both_databases(database_url, sandbox):
    """The send job's correlated look-up of the citizen's latest message, on each backend."""
    from conectados.db import Database

    database = Database(database_url)
    database.upgrade()
    try:
        with WebhookServer(config(), database, SystemClock(), port=0) as server:
            subscribe_to_sandbox(sandbox.url, server.url, VERIFY_TOKEN)
            responder, outbox = office(database, sandbox)
            long_ago = datetime.now(UTC) - timedelta(hours=30)
            write_on_whatsapp(sandbox, "¿Dónde puedo pagar la factura?", at=long_ago.isoformat())
            write_on_whatsapp(sandbox, "¿Y hasta qué hora atienden en la oficina?")
            responder.run_once()
            counts = outbox.run_once()
    finally:
        database.dispose()

    assert counts["sent"] == 2 and counts["review"] == 0
    assert [reply["status"] for reply in whatsapp_replies(sandbox)] == ["sent", "sent"]


def set_aside_rows(database) -> list:
    from responders.models import SetAsideItem

    with database.session() as session:
        rows = session.execute(sa.select(SetAsideItem).order_by(SetAsideItem.id)).scalars().all()
        session.expunge_all()
    return list(rows)


def page_comment(comment_id: str, message) -> dict:
    return {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": "add",
            "comment_id": comment_id,
            "post_id": f"{PAGE_ID}_111",
            "created_time": 1764300000,
            "from": {"id": "7000000000000001", "name": "Ana"},
            "message": message,
        },
    }


def test_unreadable_events_are_set_aside_once_and_the_others_stored(receiver, database):
    changes = [
        page_comment("111_1", "¿A qué hora vuelve el agua?"),
        page_comment("111_2", {"cédula": 1098765432}),  # not text
        "no es un objeto",
        page_comment("111_3", "Gracias"),
    ]
    body = json.dumps(
        {"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "changes": changes}, 7]}
    ).encode()

    answer = post(receiver, body, signed(body))
    retried = post(receiver, body, signed(body))  # Meta delivers the same body again

    assert answer.status_code == retried.status_code == 200
    assert answer.json()["ilegibles"] == 3
    assert sorted(row.remote_id for row in stored(database)) == ["111_1", "111_3"]
    rows = set_aside_rows(database)
    assert [(row.network, row.remote_id, row.source) for row in rows] == [
        ("facebook", "111_2", "webhook"),
        ("facebook", None, "webhook"),
        ("facebook", None, "webhook"),
    ]
    assert "value.message no es texto (llegó un objeto)" in rows[0].reason
    assert "changes[]" in rows[1].reason and "entry[]" in rows[2].reason
    assert all("1098765432" not in row.excerpt for row in rows)


def test_a_body_with_nothing_readable_is_refused_but_what_was_wrong_is_recorded(receiver, database):
    body = json.dumps(
        {"object": "page", "entry": [{"id": PAGE_ID, "changes": [page_comment("111_9", 5)]}]}
    ).encode()

    answer = post(receiver, body, signed(body))

    assert answer.status_code == 400 and "value.message no es texto" in answer.json()["error"]
    assert stored(database) == []
    assert [row.remote_id for row in set_aside_rows(database)] == ["111_9"]


def test_a_whatsapp_text_longer_than_whatsapp_allows_is_stored_cut_with_its_length(
    receiver, database
):
    long_body = whatsapp_text("wamid.largo", "fuga " * 1_000)  # 5,000 characters; max 4,096

    answer = post(receiver, long_body, signed(long_body))

    assert answer.status_code == 200
    [row] = stored(database)
    assert (len(row.text), row.original_length) == (4_096, 5_000)


def test_a_text_no_database_can_hold_is_stored_readable(receiver, database):
    odd = whatsapp_text("wamid.raro", "sin agua \ud800 desde ayer\x00")  # lone surrogate, NUL
    good = whatsapp_text("wamid.bueno", "gracias")
    assert b"\\ud800" in odd  # JSON may carry it; no database can store it

    answers = [post(receiver, body, signed(body)).status_code for body in (odd, good)]

    assert answers == [200, 200]
    assert sorted(row.text for row in stored(database)) == ["gracias", "sin agua \ufffd desde ayer"]


def test_two_different_unreadable_entries_of_the_same_page_are_both_recorded(receiver, database):
    good = {"id": PAGE_ID, "time": 1, "changes": [page_comment("111_7", "¿Hay agua hoy?")]}
    bodies = [
        json.dumps({"object": "page", "entry": [good, {"id": PAGE_ID, "changes": "nada"}]}),
        json.dumps({"object": "page", "entry": [good, {"id": PAGE_ID, "messaging": 7}]}),
    ]

    answers = [post(receiver, body.encode(), signed(body.encode())) for body in bodies]

    assert [answer.status_code for answer in answers] == [200, 200]
    rows = set_aside_rows(database)
    assert len(rows) == 2, [row.reason for row in rows]
    assert all(row.remote_id is None for row in rows)  # the Page's id is not the entry's


def _serve_in_thread(server: WebhookServer, once_started) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run() -> None:
        try:
            server.serve_forever(once_started)
            outcome.append("stopped")
        except BaseException as exc:  # the test reads what came out
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_ctrl_c_while_subscribing_is_a_clean_stop(database):
    """CI once pressed Ctrl+C while «webhooks serve» was still being verified by the simulator:
    the stop closed the socket, the handshake failed, and the command exited 1."""
    server = WebhookServer(config(), database, SystemClock(), port=0)
    pressed = threading.Event()

    def subscribing() -> None:
        server.server.handle_exit(signal.SIGINT, None)  # what Ctrl+C calls
        pressed.set()
        raise ConectadosError("el receptor no verificó la suscripción: no respondió")

    thread, outcome = _serve_in_thread(server, subscribing)
    thread.join(timeout=20)
    assert pressed.is_set() and outcome == ["stopped"]


def test_a_failed_subscription_without_a_stop_stops_the_receiver_with_the_reason(database):
    server = WebhookServer(config(), database, SystemClock(), port=0)

    def subscribing() -> None:
        raise ConectadosError("el simulador no aceptó el webhook")

    thread, outcome = _serve_in_thread(server, subscribing)
    thread.join(timeout=20)
    assert len(outcome) == 1 and isinstance(outcome[0], ConectadosError)
    assert "no aceptó" in str(outcome[0])
