"""WhatsApp's business-scoped user ids (BSUIDs) end to end: a citizen with a username (no
phone number in the webhook) is read, answered at their BSUID, and is one author with the
phone number they wrote from before; the simulator speaks Meta's documented shapes."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from contract_files import contract
from test_webhooks import office, receiver, stored, whatsapp_replies  # noqa: F401

from channels.base import Incoming, Rejected, Transient
from channels.meta.webhooks import is_bsuid
from channels.meta.whatsapp import WhatsAppChannel
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID, VERIFY_TOKEN
from conectados.clock import SystemClock
from responders.intake import store_interactions
from responders.models import Interaction, InteractionState, Reply, ReplyState
from webhooks.server import subscribe_to_sandbox

PARENT_IDS = {"parent_user_id", "from_parent_user_id", "recipient_parent_user_id", "pricing"}


def shape(value, skip=PARENT_IDS):
    """The key sets of a JSON value, nested: what a receiver relies on, not the values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items() if key not in skip}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


def write(sandbox, text: str, **extra) -> dict:
    return sandbox.control(
        "POST",
        "citizen",
        {"network": "whatsapp", "text": text, "author": "Sheena", **extra},
    )


def send(sandbox, body: dict) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/v21.0/{PHONE_NUMBER_ID}/messages",
        json={"messaging_product": "whatsapp", "recipient_type": "individual", **body},
        headers={"Authorization": "Bearer token"},
        timeout=5,
    )


# --- the simulator against Meta's documented shapes --------------------------------------


@contextmanager
def catching(sandbox) -> Iterator[list[dict]]:
    """A tiny receiver subscribed to the simulator: the bodies it pushes, as JSON."""
    caught: list[dict] = []

    class Catch(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # Meta's handshake: echo hub.challenge
            challenge = self.path.split("hub.challenge=")[1].split("&")[0]
            self.send_response(200)
            self.end_headers()
            self.wfile.write(challenge.encode())

        def do_POST(self):
            caught.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Catch)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    try:
        sandbox.control("POST", "webhooks", {"url": url, "verify_token": VERIFY_TOKEN})
        yield caught
    finally:
        server.shutdown()
        server.server_close()


def test_the_simulators_username_user_body_has_the_documented_shape(sandbox):
    with catching(sandbox) as caught:
        write(sandbox, "Hola", username="@realsheenanelson")
    documented = contract("whatsapp_username_message.json")

    ours = caught[0]["entry"][0]["changes"][0]["value"]
    theirs = documented["entry"][0]["changes"][0]["value"]
    assert shape(caught[0]) == shape(documented)
    assert "from" not in ours["messages"][0] and "wa_id" not in ours["contacts"][0]
    assert is_bsuid(ours["messages"][0]["from_user_id"])
    assert ours["messages"][0]["from_user_id"].startswith("CO.")
    assert set(ours["contacts"][0]["profile"]) == set(theirs["contacts"][0]["profile"])


def test_phone_users_are_pushed_with_both_ids_and_one_stable_bsuid(sandbox):
    first = write(sandbox, "Hola", phone="573001112233")
    with catching(sandbox) as caught:
        write(sandbox, "Hola otra vez", phone="573001112233")
    value = caught[0]["entry"][0]["changes"][0]["value"]

    assert value["messages"][0]["from"] == "573001112233"
    assert value["messages"][0]["from_user_id"] == first["from_user_id"]
    assert value["contacts"][0]["wa_id"] == "573001112233"
    assert value["contacts"][0]["user_id"] == first["from_user_id"]


def test_the_send_endpoint_takes_recipient_to_and_both_as_documented(sandbox):
    citizen = write(sandbox, "Hola", username="sheena")
    bsuid = citizen["from_user_id"]
    phone = sandbox.control("GET", "state")["whatsapp"]["messages"][-1]["from"]

    by_bsuid = send(sandbox, {"recipient": bsuid, "type": "text", "text": {"body": "Ya"}})
    by_both = send(
        sandbox, {"to": phone, "recipient": bsuid, "type": "text", "text": {"body": "Ya"}}
    )
    malformed = send(sandbox, {"recipient": "573001", "type": "text", "text": {"body": "Ya"}})

    documented = contract("whatsapp_send_bsuid_response.json")
    assert by_bsuid.status_code == 200 and shape(by_bsuid.json()) == shape(documented)
    assert by_bsuid.json()["contacts"] == [{"input": bsuid, "user_id": bsuid}]
    assert by_both.json()["contacts"] == [{"input": phone, "wa_id": phone}]  # `to` wins
    error = malformed.json()["error"]
    assert malformed.status_code == 400 and error["code"] == 131009
    assert "recipient" in error["error_data"]["details"]
    replies = whatsapp_replies(sandbox)
    assert [(r["to"], r["recipient"]) for r in replies] == [(None, bsuid), (phone, None)]


def test_statuses_carry_the_recipients_bsuid(sandbox):
    citizen = write(sandbox, "Hola", username="sheena")
    with catching(sandbox) as caught:
        send(
            sandbox, {"recipient": citizen["from_user_id"], "type": "text", "text": {"body": "Ya"}}
        )
        for _ in range(100):
            if caught:
                break
            time.sleep(0.05)
    value = caught[0]["entry"][0]["changes"][0]["value"]
    [status] = value["statuses"]
    theirs = contract("whatsapp_status_delivered_bsuid.json")["entry"][0]["changes"][0]["value"]

    assert status["recipient_user_id"] == citizen["from_user_id"]
    assert "recipient_id" not in status  # sent to the BSUID, no phone number shown
    del theirs["contacts"][0]["profile"]["username"]  # Meta leaves it out on `sent`
    assert shape(value["contacts"]) == shape(theirs["contacts"])
    assert set(status) == set(shape(theirs["statuses"][0])) | {"status"} - {
        "recipient_parent_user_id"
    }


# --- end to end: receiver, responder, send job, simulator --------------------------------


def test_a_username_citizen_is_answered_at_their_bsuid(receiver, database, sandbox):  # noqa: F811
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    responder, outbox = office(database, sandbox)

    citizen = write(
        sandbox, "Buenas tardes, ¿dónde puedo pagar la factura del agua?", username="@sheena"
    )
    responder.run_once()
    counts = outbox.run_once()

    [row] = stored(database)
    [reply] = whatsapp_replies(sandbox)
    assert row.author_id == row.thread_id == citizen["from_user_id"]
    assert counts["sent"] == 1 and reply["status"] == "sent"
    assert reply["recipient"] == citizen["from_user_id"] and reply["to"] is None
    assert row.state == InteractionState.ANSWERED


def test_phone_then_username_is_one_author_and_the_window_counts_from_the_latest(
    receiver,  # noqa: F811
    database,
    sandbox,
):
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    responder, outbox = office(database, sandbox)
    long_ago = (datetime.now(UTC) - timedelta(hours=30)).isoformat()

    by_phone = write(
        sandbox, "¿Dónde puedo pagar la factura del agua?", phone="573001112233", at=long_ago
    )
    by_username = write(sandbox, "¿Y dónde pago la factura?", phone="573001112233", username="ana")
    responder.run_once()
    counts = outbox.run_once()

    first, second = stored(database)
    assert first.author_id == second.author_id == "573001112233"
    assert first.author_alias == second.author_alias == by_phone["from_user_id"]
    assert by_username["from"] is None  # the second came with the BSUID alone
    # Each answer goes where its message came from; the old one still as free text, since
    # the citizen's latest message (by username) opened the window again.
    replies = sorted(whatsapp_replies(sandbox), key=lambda reply: reply["to"] or "")
    assert counts["sent"] == 2
    assert [(r["to"], r["recipient"], r["type"], r["status"]) for r in replies] == [
        (None, by_phone["from_user_id"], "text", "sent"),
        ("573001112233", None, "text", "sent"),
    ]


def test_intake_links_either_id_to_the_first_author(database):
    now = datetime.now(UTC)

    def item(remote_id, author, alias=None):
        return Incoming("whatsapp", "message", remote_id, author, "", "hola", now, author,
                        author_alias=alias)  # fmt: skip

    with database.engine.begin() as connection:
        store_interactions(connection, [item("w1", "CO.111")], now)
        # Both ids in one batch, then the phone alone: all under the BSUID seen first.
        store_interactions(connection, [item("w2", "573001", "CO.111"), item("w3", "573001")], now)
        store_interactions(connection, [item("w4", "573999", "CO.222")], now)
        rows = connection.execute(
            sa.select(Interaction.remote_id, Interaction.author_id, Interaction.author_alias)
            .order_by(Interaction.id)
        ).all()  # fmt: skip

    assert [tuple(row) for row in rows] == [
        ("w1", "CO.111", None),
        ("w2", "CO.111", "573001"),
        ("w3", "CO.111", "573001"),
        ("w4", "573999", "CO.222"),
    ]


# --- what WhatsApp says when it refuses ---------------------------------------------------


def test_the_details_of_a_refusal_reach_last_error(receiver, database, sandbox):  # noqa: F811
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)
    responder, outbox = office(database, sandbox)
    write(sandbox, "Buenas tardes, ¿dónde puedo pagar la factura del agua?", username="sheena")
    sandbox.control("POST", "faults", {"network": "whatsapp", "status": "refusal", "code": 131062})

    responder.run_once()
    outbox.run_once()

    with database.session() as session:
        reply = session.execute(sa.select(Reply)).scalar_one()
    assert reply.state == ReplyState.FAILED, reply.last_error
    assert "nombre de usuario" in reply.last_error  # the Spanish sentence for 131062
    assert "BSUID) recipients are not supported for this message." in reply.last_error
    assert "token" not in reply.last_error.lower()


def test_the_token_is_scrubbed_from_the_details(sandbox):
    token = "EAABsecret123"
    channel = WhatsAppChannel(PHONE_NUMBER_ID, token, sandbox.url, timeout=5, clock=SystemClock())
    to = Incoming("whatsapp", "message", "wamid.x", "573001", "", "hola", datetime.now(UTC),
                  thread_id=f"CO.{token}")  # fmt: skip

    with pytest.raises(Rejected) as refused:
        channel.reply(to, "Ya", private=True)

    assert token not in str(refused.value) and "131009" in str(refused.value)


def test_metas_documented_error_keeps_its_details():
    """Meta's documented error body (tests/contracts/whatsapp_error.json), answered by a
    server, read by the adapter: the refusal says what `error_data.details` says."""
    body = json.dumps(contract("whatsapp_error.json")).encode()

    class Meta(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Meta)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    channel = WhatsAppChannel(
        PHONE_NUMBER_ID, "token", f"http://127.0.0.1:{server.server_port}", timeout=5,
        clock=SystemClock(),
    )  # fmt: skip
    to = Incoming("whatsapp", "message", "wamid.x", "573001", "", "hola", datetime.now(UTC),
                  thread_id="573001")  # fmt: skip
    try:
        with pytest.raises(Transient) as refused:  # 130429: too many sends, try later
            channel.reply(to, "Ya", private=True)
    finally:
        server.shutdown()
        server.server_close()

    assert "130429" in str(refused.value)
    assert "Cloud API message throughput has been reached." in str(refused.value)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_receivers_storing_one_citizens_ids_at_once_do_not_fail(backend, tmp_path, request):
    """A burst from one citizen, with the phone number and without, stored by two receivers
    at the same time: every message once, nothing fails, every row under one author (on
    PostgreSQL each id is locked before it is looked up)."""
    from concurrent.futures import ThreadPoolExecutor

    from conectados.db import Database

    url = (
        f"sqlite:///{tmp_path / 'c.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    database = Database(url)
    database.upgrade()
    now = datetime.now(UTC)

    def one(n: int) -> int:
        phone = "573001112233" if n % 2 else None
        item = Incoming("whatsapp", "message", f"wamid.b{n:03d}", phone or "CO.777", "", "hola",
                        now, phone or "CO.777", author_alias="CO.777" if phone else None)  # fmt: skip
        with database.transaction(write=True) as connection:  # as the receiver writes
            return store_interactions(connection, [item], now)

    try:
        with ThreadPoolExecutor(8) as pool:
            new = sum(pool.map(one, [n % 60 for n in range(120)]))
        rows = stored(database)
    finally:
        database.dispose()

    assert new == 60 and len(rows) == 60
    assert all("CO.777" in (row.author_id, row.author_alias) for row in rows)
    assert len({row.author_id for row in rows}) == 1  # one citizen, one author


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_bsuid_stored_while_the_phone_is_being_stored_joins_its_author(
    backend, tmp_path, request
):
    """The race itself, made certain: one receiver has stored the citizen's first message
    (phone and BSUID) and not committed yet; another stores their first BSUID-only message
    meanwhile. The second waits for the first, and finds its author."""
    from conectados.db import Database

    url = (
        f"sqlite:///{tmp_path / 'c.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    database = Database(url)
    database.upgrade()
    now = datetime.now(UTC)
    by_phone = Incoming("whatsapp", "message", "wamid.p", "573001112233", "", "hola", now,
                        "573001112233", author_alias="CO.777")  # fmt: skip
    by_bsuid = Incoming("whatsapp", "message", "wamid.u", "CO.777", "", "hola", now, "CO.777")

    def second() -> None:
        with database.transaction(write=True) as connection:
            store_interactions(connection, [by_bsuid], now)

    try:
        with database.transaction(write=True) as connection:
            store_interactions(connection, [by_phone], now)
            other = threading.Thread(target=second)
            other.start()
            other.join(timeout=1)  # it must wait for this transaction: still running
            waited = other.is_alive()
        other.join(timeout=10)
        rows = stored(database)
    finally:
        database.dispose()

    assert waited
    assert [(row.remote_id, row.author_id) for row in rows] == [
        ("wamid.p", "573001112233"),
        ("wamid.u", "573001112233"),
    ]


def test_sandbox_citizen_writes_as_a_username_user(cli, tmp_path, sandbox, receiver, database):  # noqa: F811
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n', encoding="utf-8"
    )
    subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)

    written = cli(
        "sandbox", "citizen", "--red", "whatsapp", "--usuario", "@ana", "Hola", "--esperar", "0"
    )
    wrong = cli("sandbox", "citizen", "--red", "x", "--usuario", "@ana", "Hola", "--esperar", "0")

    assert written.exit_code == 0, written.stderr
    [row] = stored(database)
    assert is_bsuid(row.author_id) and row.author_alias is None
    assert wrong.exit_code == 2 and "--red whatsapp" in wrong.stderr
