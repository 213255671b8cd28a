"""The sandbox as the WhatsApp Cloud API and as Meta's webhook sender, seen from outside."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from channels.sandbox.graph_world import PAGE_ID
from channels.sandbox.webhooks import OBJECTS, Delivery, Subscription, Webhooks, sign
from channels.sandbox.whatsapp_world import (
    APP_SECRET,
    DISPLAY_PHONE_NUMBER,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    WABA_ID,
)

AUTH = {"Authorization": "Bearer sandbox-token"}
TEMPLATE = "respuesta_pendiente"


class Receiver:
    """A tiny webhook receiver: Meta's handshake, and every POST kept with its headers."""

    def __init__(self, verify_token: str = VERIFY_TOKEN, host: str = "127.0.0.1") -> None:
        self.verify_token = verify_token
        self.received: list[dict[str, Any]] = []
        self.handshakes = 0
        self.fail_next = 0
        self.redirect_to: str | None = None
        self.on_post: Callable[[], None] | None = None
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                receiver.handshakes += 1
                ok = query.get("hub.verify_token") == [receiver.verify_token]
                self._answer(200 if ok else 403, query["hub.challenge"][0] if ok else "no")

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.on_post is not None:
                    receiver.on_post()
                with receiver.lock:
                    failing = receiver.fail_next > 0
                    receiver.fail_next -= failing
                    receiver.received.append({"raw": raw, "headers": dict(self.headers)})
                if receiver.redirect_to is not None:
                    self._answer(307, "", location=receiver.redirect_to)
                    return
                self._answer(500 if failing else 200, "EVENT_RECEIVED")

            def _answer(self, status: int, text: str, location: str | None = None) -> None:
                payload = text.encode()
                self.send_response(status)
                if location is not None:
                    self.send_header("Location", location)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/webhooks/meta"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(item["raw"]) for item in self.received]

    def wait_for(self, count: int, seconds: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.events()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def subscribed(sandbox, receiver):
    sandbox.control("POST", "webhooks", {"url": receiver.url, "verify_token": VERIFY_TOKEN})
    return receiver


def _send(sandbox, body: dict[str, Any], headers: dict[str, str] | None = None):
    return requests.post(
        f"{sandbox.url}/v24.0/{PHONE_NUMBER_ID}/messages",
        json={"messaging_product": "whatsapp", **body},
        headers=AUTH if headers is None else headers,
        timeout=5,
    )


def _template(name: str = TEMPLATE, language: str = "es", *texts: str) -> dict[str, Any]:
    return {
        "to": "573001234567",
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": t} for t in texts]}
            ],
        },
    }


def _statuses(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        status
        for event in events
        for status in event["entry"][0]["changes"][0]["value"].get("statuses", [])
    ]


def test_subscribing_needs_the_receiver_to_answer_the_handshake(sandbox, receiver):
    refused = requests.post(
        f"{sandbox.url}/_sandbox/webhooks",
        json={"url": receiver.url, "verify_token": "otro"},
        timeout=5,
    )
    accepted = sandbox.control(
        "POST", "webhooks", {"url": receiver.url, "verify_token": VERIFY_TOKEN}
    )

    assert refused.status_code == 400 and "no verificó" in refused.json()["error"]
    assert accepted == {
        "url": receiver.url,
        "objects": ["whatsapp_business_account", "page", "instagram"],
    }
    assert [s["url"] for s in sandbox.control("GET", "webhooks")["subscriptions"]] == [receiver.url]


def test_a_citizen_text_arrives_signed_in_metas_shape(sandbox, subscribed):
    answer = sandbox.control(
        "POST",
        "citizen",
        {
            "network": "whatsapp",
            "text": "No hay agua",
            "author": "Ana",
            "phone": "+57 300 1",
            "at": "2026-03-14T10:15:00+00:00",
        },
    )

    [delivered] = subscribed.received  # delivered before the citizen call answered
    assert delivered["headers"]["X-Hub-Signature-256"] == (
        "sha256=" + hmac.new(APP_SECRET.encode(), delivered["raw"], hashlib.sha256).hexdigest()
    )
    assert sign(APP_SECRET, delivered["raw"]) == delivered["headers"]["X-Hub-Signature-256"]
    assert answer["from"] == answer["author_id"] == "573001"
    assert answer["from_user_id"].startswith("CO.")  # Meta sends both since April 2026
    assert answer["webhooks"] == [{"url": subscribed.url, "status": 200}]
    event = json.loads(delivered["raw"])
    timestamp = event["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"]
    assert timestamp == str(int(datetime(2026, 3, 14, 10, 15, tzinfo=UTC).timestamp()))
    assert event == {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": DISPLAY_PHONE_NUMBER,
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [
                                {
                                    "profile": {"name": "Ana"},
                                    "wa_id": "573001",
                                    "user_id": answer["from_user_id"],
                                }
                            ],
                            "messages": [
                                {
                                    "from": "573001",
                                    "from_user_id": answer["from_user_id"],
                                    "id": answer["id"],
                                    "timestamp": timestamp,
                                    "type": "text",
                                    "text": {"body": "No hay agua"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def test_an_image_carries_its_media_id_and_caption(sandbox, subscribed):
    answer = sandbox.control(
        "POST",
        "citizen",
        {"network": "whatsapp", "text": "Mire la fuga", "author": "Luis", "media": "image"},
    )
    audio = sandbox.control(
        "POST",
        "citizen",
        {"network": "whatsapp", "text": "ignorado", "author": "Luis", "media": "audio"},
    )

    image_event, audio_event = subscribed.events()
    image = image_event["entry"][0]["changes"][0]["value"]["messages"][0]
    voice = audio_event["entry"][0]["changes"][0]["value"]["messages"][0]
    assert image["type"] == "image" and "text" not in image
    assert image["image"]["id"] == answer["media_id"] and answer["media_id"].isdigit()
    assert image["image"]["caption"] == "Mire la fuga"
    assert image["image"]["mime_type"] == "image/jpeg" and len(image["image"]["sha256"]) == 64
    assert answer["from"].startswith("573") and len(answer["from"]) == 12
    assert voice["type"] == "audio" and "caption" not in voice["audio"]
    assert int(audio["media_id"]) > int(answer["media_id"])


def test_a_reply_inside_the_window_is_sent_and_its_status_arrives(sandbox, subscribed):
    citizen = sandbox.control(
        "POST", "citizen", {"network": "whatsapp", "text": "Hola", "author": "Ana"}
    )

    response = _send(sandbox, {"to": "+" + citizen["from"], "type": "text", "text": {"body": "Ya"}})

    body = response.json()
    assert response.status_code == 200
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+" + citizen["from"], "wa_id": citizen["from"]}]
    [message] = body["messages"]
    assert message["id"].startswith("wamid.")
    [status] = _statuses(subscribed.wait_for(2))
    assert status["id"] == message["id"] and status["status"] == "sent"
    assert status["recipient_id"] == citizen["from"] and "errors" not in status
    assert status["recipient_user_id"] == citizen["from_user_id"]
    [reply] = sandbox.control("GET", "state")["whatsapp"]["replies"]
    assert reply == {
        "id": message["id"],
        "to": citizen["from"],
        "recipient": None,
        "wa_id": citizen["from"],
        "text": "Ya",
        "public": False,
        "type": "text",
        "template": None,
        "status": "sent",
        "error": None,
    }


def test_a_reply_outside_the_window_is_accepted_then_fails(sandbox, subscribed):
    old = (datetime.now(UTC) - timedelta(hours=30)).isoformat()
    citizen = sandbox.control(
        "POST", "citizen", {"network": "whatsapp", "text": "Hola", "author": "Ana", "at": old}
    )

    late = _send(sandbox, {"to": citizen["from"], "type": "text", "text": {"body": "Perdón"}})
    stranger = _send(sandbox, {"to": "573009999999", "type": "text", "text": {"body": "Hola"}})

    assert late.status_code == stranger.status_code == 200
    statuses = _statuses(subscribed.wait_for(3))
    assert {status["id"] for status in statuses} == {
        late.json()["messages"][0]["id"],
        stranger.json()["messages"][0]["id"],
    }
    assert all(status["status"] == "failed" for status in statuses)
    assert statuses[0]["errors"][0]["code"] == 131047
    replies = sandbox.control("GET", "state")["whatsapp"]["replies"]
    assert [(r["status"], r["error"]) for r in replies] == [("failed", 131047)] * 2


def test_templates_are_checked_like_meta_does_and_go_outside_the_window(sandbox, subscribed):
    unknown = _send(sandbox, _template("no_existe", "es", "x"))
    wrong_language = _send(sandbox, _template(TEMPLATE, "en_US", "x"))
    wrong_count = _send(sandbox, _template(TEMPLATE, "es", "a", "b"))
    newline = _send(sandbox, _template(TEMPLATE, "es", "línea\notra"))
    spaces = _send(sandbox, _template(TEMPLATE, "es", "a     b"))
    good = _send(sandbox, _template(TEMPLATE, "es", "«No hay agua»"))

    codes = [r.json()["error"]["code"] for r in (unknown, wrong_language, wrong_count, newline)]
    assert codes == [132001, 132001, 132000, 132018]
    assert spaces.json()["error"]["code"] == 132018
    assert {unknown.status_code, wrong_count.status_code, newline.status_code} == {400}
    assert good.status_code == 200
    [reply] = sandbox.control("GET", "state")["whatsapp"]["replies"]
    assert reply["type"] == "template" and reply["template"] == TEMPLATE
    assert reply["status"] == "sent" and "su mensaje: «No hay agua» Si" in reply["text"]
    [status] = _statuses(subscribed.wait_for(1))
    assert status["status"] == "sent"


def test_the_send_api_checks_its_token_and_body(sandbox):
    no_token = _send(sandbox, {"to": "573001", "text": {"body": "x"}}, headers={})
    wrong_product = requests.post(
        f"{sandbox.url}/v24.0/{PHONE_NUMBER_ID}/messages",
        json={"messaging_product": "sms", "to": "573001", "text": {"body": "x"}},
        headers=AUTH,
        timeout=5,
    )
    bad_to = _send(sandbox, {"to": "300-ABC", "type": "text", "text": {"body": "x"}})
    bad_type = _send(sandbox, {"to": "573001", "type": "sticker"})
    too_long = _send(sandbox, {"to": "573001", "type": "text", "text": {"body": "x" * 4097}})

    assert no_token.status_code == 401
    assert no_token.json()["error"]["code"] == 190
    assert no_token.json()["error"]["type"] == "OAuthException"
    assert [r.json()["error"]["code"] for r in (wrong_product, bad_to, bad_type, too_long)] == [
        100
    ] * 4
    assert "sticker" in bad_type.json()["error"]["message"]
    assert sandbox.control("GET", "state")["whatsapp"]["replies"] == []


def test_send_api_faults(sandbox):
    sandbox.control("POST", "faults", {"network": "whatsapp", "status": 429, "count": 1})
    sandbox.control("POST", "faults", {"network": "whatsapp", "status": 500, "count": 1})

    limited = _send(sandbox, {"to": "573001", "type": "text", "text": {"body": "x"}})
    broken = _send(sandbox, {"to": "573001", "type": "text", "text": {"body": "x"}})

    assert (limited.status_code, limited.json()["error"]["code"]) == (429, 130429)
    assert (broken.status_code, broken.json()["error"]["code"]) == (500, 131000)
    calls = sandbox.control("GET", "state")["whatsapp"]["calls"]
    assert calls == {"POST /{phone-number-id}/messages": 2}


def test_facebook_comments_and_messages_also_come_by_webhook_with_polling_ids(sandbox, subscribed):
    [post] = sandbox.control("POST", "posts", {"network": "facebook", "posts": [{"text": "a"}]})[
        "ids"
    ]
    comment = sandbox.control(
        "POST", "citizen", {"network": "facebook", "text": "¿Y el agua?", "author": "Ana"}
    )
    answer = sandbox.control(
        "POST",
        "citizen",
        {"network": "facebook", "text": "Reply", "author": "Ana", "on": comment["id"]},
    )
    message = sandbox.control(
        "POST",
        "citizen",
        {"network": "facebook", "kind": "message", "text": "Hola", "author": "Luis"},
    )

    first, second, third = subscribed.events()
    polled = requests.get(
        f"{sandbox.url}/v24.0/{PAGE_ID}/conversations",
        params={"access_token": "t", "fields": "messages{id,from}"},
        timeout=5,
    ).json()
    [polled_message] = polled["data"][0]["messages"]["data"]
    change = first["entry"][0]["changes"][0]["value"]
    assert first["object"] == "page" and first["entry"][0]["id"] == PAGE_ID
    assert change["comment_id"] == comment["id"] and change["post_id"] == post
    assert change["parent_id"] == post and change["item"] == "comment"
    assert change["from"] == comment["from"] and change["message"] == "¿Y el agua?"
    assert second["entry"][0]["changes"][0]["value"]["parent_id"] == comment["id"]
    assert second["entry"][0]["changes"][0]["value"]["comment_id"] == answer["id"]
    [messaging] = third["entry"][0]["messaging"]
    assert messaging["message"] == {"mid": polled_message["id"], "text": "Hola"}
    assert (
        messaging["sender"] == {"id": polled_message["from"]["id"]} == {"id": message["from"]["id"]}
    )
    assert messaging["recipient"] == {"id": PAGE_ID} and messaging["timestamp"] > 10**12
    assert comment["webhooks"] == [{"url": subscribed.url, "status": 200}]


def test_a_receiver_that_fails_gets_the_event_again(sandbox, subscribed):
    subscribed.fail_next = 1

    answer = sandbox.control(
        "POST", "citizen", {"network": "whatsapp", "text": "Hola", "author": "Ana"}
    )

    assert answer["webhooks"] == [{"url": subscribed.url, "status": 500}]
    first, again = subscribed.wait_for(2)
    assert first == again and subscribed.received[0]["raw"] == subscribed.received[1]["raw"]
    deadline = time.monotonic() + 30
    while True:  # the sandbox counts the retry once it has read the receiver's answer
        [listed] = sandbox.control("GET", "webhooks")["subscriptions"]
        if listed["delivered"] or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert (listed["delivered"], listed["failed"], listed["retried"]) == (1, 1, 1)


def test_no_subscription_no_delivery_and_reset_forgets_it(sandbox, receiver):
    sandbox.control("POST", "webhooks", {"url": receiver.url, "objects": ["page"]})

    answer = sandbox.control(
        "POST", "citizen", {"network": "whatsapp", "text": "Hola", "author": "Ana"}
    )
    sandbox.control("POST", "reset")

    assert answer["webhooks"] == [] and receiver.received == []
    assert sandbox.control("GET", "webhooks") == {"subscriptions": []}
    assert sandbox.control("GET", "state")["whatsapp"]["messages"] == []
    refused = requests.post(
        f"{sandbox.url}/_sandbox/posts",
        json={"network": "whatsapp", "posts": [{"text": "a"}]},
        timeout=5,
    )
    assert refused.status_code == 400 and "whatsapp" in refused.json()["error"]


def test_a_receiver_may_call_back_into_the_sandbox_while_it_is_delivering(sandbox, subscribed):
    seen: list[int] = []
    subscribed.on_post = lambda: seen.append(
        requests.get(f"{sandbox.url}/_sandbox/state", timeout=3).status_code
    )

    citizen = sandbox.control(
        "POST", "citizen", {"network": "whatsapp", "text": "Hola", "author": "Ana"}
    )
    _send(sandbox, {"to": citizen["from"], "type": "text", "text": {"body": "Ya"}})
    subscribed.wait_for(2)

    # Had the sandbox held its lock while delivering, the receiver's call back would have timed
    # out and left nothing in `seen`.
    assert seen == [200, 200]


def _outward_address() -> str:
    """This machine's address on its network (not loopback), or skip where it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks a route
            address = probe.getsockname()[0]
        except OSError:
            address = ""
    if not address or ipaddress.ip_address(address).is_loopback:
        pytest.skip("this machine has no address outside loopback to test against")
    return address


@pytest.fixture
def listening_everywhere():
    server = Receiver(host="0.0.0.0")
    yield server
    server.close()


def test_webhooks_are_only_subscribed_on_this_machine(sandbox, listening_everywhere):
    outward = f"http://{_outward_address()}:{listening_everywhere.port}/webhooks/meta"
    refused = [
        requests.post(f"{sandbox.url}/_sandbox/webhooks", json={"url": url}, timeout=10)
        for url in (
            outward,
            "http://example.com/webhooks/meta",
            "https://10.0.0.7/webhooks/meta",
            f"http://127.0.0.1@{_outward_address()}:{listening_everywhere.port}/",
            "http://localhost.example.com/webhooks/meta",
            "http://0.0.0.0:9/webhooks/meta",
        )
    ]
    handshakes_refused = listening_everywhere.handshakes
    accepted = [
        sandbox.control("POST", "webhooks", {"url": url})["url"]
        for url in (
            f"http://localhost:{listening_everywhere.port}/webhooks/meta",
            f"http://127.0.0.5:{listening_everywhere.port}/webhooks/meta",
        )
    ]

    assert [answer.status_code for answer in refused] == [400] * 6
    assert all("solo entrega webhooks en este equipo" in a.json()["error"] for a in refused)
    assert handshakes_refused == 0
    assert len(accepted) == 2 and listening_everywhere.handshakes == 2


def test_a_delivery_is_checked_again_and_never_leaves_this_machine(listening_everywhere):
    outward = f"http://{_outward_address()}:{listening_everywhere.port}/webhooks/meta"
    webhooks = Webhooks()
    # As if it had been subscribed: the delivery itself must refuse to go there.
    subscription = Subscription(outward, VERIFY_TOKEN, OBJECTS)
    delivery = Delivery(subscription, b"{}", sign(APP_SECRET, b"{}"))

    results = webhooks.deliver_now([delivery])
    delivery.subscription.active = False  # no retries
    webhooks.close()

    assert results == [{"url": outward, "status": None}]
    assert delivery.subscription.failed == 1 and listening_everywhere.received == []


def test_a_redirect_from_the_receiver_is_not_followed(sandbox, subscribed, listening_everywhere):
    subscribed.redirect_to = (
        f"http://{_outward_address()}:{listening_everywhere.port}/webhooks/meta"
    )

    answer = sandbox.control(
        "POST", "citizen", {"network": "whatsapp", "text": "Hola", "author": "Ana"}
    )
    sandbox.control("POST", "reset")  # stops the retries

    assert answer["webhooks"] == [{"url": subscribed.url, "status": 307}]
    assert listening_everywhere.received == []
