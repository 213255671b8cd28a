"""The simulator's WhatsApp number as the notices meet it: its throughput and messaging limit,
its templates' statuses, what becomes of each recipient, the delivered and read statuses, and
media uploads; every knob of POST /_sandbox/whatsapp. The helpers on top are shared with
tests/test_contracts_whatsapp_notices.py: a simulator on a clock that only moves when told,
a receiver of its webhooks, and sends and uploads over real HTTP."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from channels.sandbox import Sandbox, SandboxServer
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID, VERIFY_TOKEN, WABA_ID
from conectados.clock import FixedClock

AUTH = {"Authorization": "Bearer sandbox-token"}
START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
CITIZEN = "573001112233"


@contextmanager
def fixed_sandbox() -> Iterator[tuple[SandboxServer, FixedClock]]:
    clock = FixedClock(START)
    with SandboxServer(sandbox=Sandbox(clock)) as server:
        yield server, clock


class Catcher:
    """A receiver subscribed to the simulator: the status webhooks it got, in order."""

    def __init__(self, sandbox: SandboxServer) -> None:
        caught: list[dict[str, Any]] = []
        self.caught = caught

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

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Catch)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{self.server.server_port}/"
        sandbox.control("POST", "webhooks", {"url": url, "verify_token": VERIFY_TOKEN})

    def statuses(self, count: int, seconds: float = 10.0) -> list[dict[str, Any]]:
        """The first `count` statuses pushed (waits for them; fewer if they never come)."""
        deadline = time.monotonic() + seconds
        while len(self._statuses()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._statuses()

    def _statuses(self) -> list[dict[str, Any]]:
        return [
            status
            for event in list(self.caught)
            for status in event["entry"][0]["changes"][0]["value"].get("statuses", [])
        ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def catching(sandbox: SandboxServer) -> Iterator[Catcher]:
    catcher = Catcher(sandbox)
    try:
        yield catcher
    finally:
        catcher.close()


def send(sandbox: SandboxServer, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/v24.0/{PHONE_NUMBER_ID}/messages",
        json={"messaging_product": "whatsapp", "recipient_type": "individual", **body},
        headers=AUTH,
        timeout=10,
    )


def notice(
    to: str = CITIZEN,
    name: str = "servicio_restablecido",
    texts: tuple[str, ...] = ("Centro",),
    header: dict[str, Any] | None = None,
    reference: str | None = "entrega-1",
) -> dict[str, Any]:
    """A template send as the notices' adapter makes it."""
    components: list[dict[str, Any]] = []
    if header is not None:
        components.append({"type": "header", "parameters": [header]})
    components.append(
        {"type": "body", "parameters": [{"type": "text", "text": text} for text in texts]}
    )
    body: dict[str, Any] = {
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": "es"}, "components": components},
    }
    if reference is not None:
        body["biz_opaque_callback_data"] = reference
    return body


def upload(
    sandbox: SandboxServer, data: bytes, mime_type: str, product: str = "whatsapp"
) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/v24.0/{PHONE_NUMBER_ID}/media",
        data={"messaging_product": product, "type": mime_type},
        files={"file": ("archivo", data, mime_type)},
        headers=AUTH,
        timeout=10,
    )


def replies(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return sandbox.control("GET", "state")["whatsapp"]["replies"]


def knobs(sandbox: SandboxServer, **settings: Any) -> dict[str, Any]:
    return sandbox.control("POST", "whatsapp", settings)


def error_of(response: requests.Response) -> tuple[int, int]:
    return response.status_code, response.json()["error"]["code"]


# --- the control API ---------------------------------------------------------------------


def test_every_knob_is_set_shown_in_the_state_and_forgotten_on_reset(sandbox):
    answer = knobs(
        sandbox,
        throughput=80,
        daily_limit=250,
        templates={"aviso_corte": "PAUSED"},
        recipients={CITIZEN: "blocked"},
        read=False,
        status_delay=2.5,
    )

    assert answer["throughput"] == 80 and answer["daily_limit"] == 250
    assert answer["templates"]["aviso_corte"] == "PAUSED"
    assert answer["templates"]["servicio_restablecido"] == "APPROVED"
    assert answer["recipients"] == {CITIZEN: "blocked"}
    assert answer["read"] is False and answer["status_delay"] == 2.5
    assert sandbox.control("GET", "state")["whatsapp"]["knobs"] == answer
    lifted = knobs(sandbox, throughput=None, recipients={CITIZEN: "ok"})
    assert lifted["throughput"] is None and lifted["recipients"] == {}
    assert lifted["daily_limit"] == 250  # what the call does not name stays
    sandbox.control("POST", "reset")
    fresh = sandbox.control("GET", "state")["whatsapp"]["knobs"]
    assert fresh["throughput"] is None and fresh["daily_limit"] is None
    assert set(fresh["templates"].values()) == {"APPROVED"}
    assert fresh["read"] is True and fresh["status_delay"] == 0


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"throughput": 0}, "throughput"),
        ({"throughput": "80"}, "throughput"),
        ({"daily_limit": 2.5}, "daily_limit"),
        ({"daily_limit": -1}, "daily_limit"),
        ({"templates": {"no_existe": "PAUSED"}}, "no_existe"),
        ({"templates": {"aviso_corte": "paused"}}, "templates.aviso_corte"),
        ({"templates": ["aviso_corte"]}, "templates"),
        ({"recipients": {"+57 300": "blocked"}}, "recipients"),
        ({"recipients": {CITIZEN: "bloqueado"}}, "recipients." + CITIZEN),
        ({"read": "sí"}, "read"),
        ({"status_delay": 99999}, "status_delay"),
        ({"velocidad": 3}, "velocidad"),
    ],
)
def test_the_control_api_refuses_what_it_cannot_use_and_changes_nothing(sandbox, body, said):
    response = requests.post(
        f"{sandbox.url}/_sandbox/whatsapp", json={"throughput": 5, **body}, timeout=10
    )

    assert response.status_code == 400
    assert said in response.json()["error"]
    assert sandbox.control("GET", "state")["whatsapp"]["knobs"]["throughput"] is None


def test_the_knobs_outlive_a_restart_of_a_simulator_with_a_file(tmp_path):
    path = tmp_path / "redes.json"
    with SandboxServer(state_path=path) as first:
        knobs(first, daily_limit=7, templates={"contenido_video": "DISABLED"})
        media = upload(first, b"\xff\xd8jpeg", "image/jpeg").json()["id"]

    with SandboxServer(state_path=path) as second:
        state = second.control("GET", "state")["whatsapp"]
        sent = send(second, notice(name="contenido_imagen", texts=("Hola",),
                                   header={"type": "image", "image": {"id": media}}))  # fmt: skip

    assert state["knobs"]["daily_limit"] == 7
    assert state["knobs"]["templates"]["contenido_video"] == "DISABLED"
    assert sent.status_code == 200


# --- the number's limits -----------------------------------------------------------------


def test_sends_past_the_throughput_in_one_second_get_130429_and_are_not_recorded():
    with fixed_sandbox() as (sandbox, clock):
        knobs(sandbox, throughput=3)
        answers = [send(sandbox, notice(to=f"57300000000{n}")) for n in range(4)]
        kept = len(replies(sandbox))
        clock.advance(timedelta(seconds=1))
        later = send(sandbox, notice(to="573000000009"))

    assert [r.status_code for r in answers[:3]] == [200] * 3
    assert error_of(answers[3]) == (400, 130429)
    error = answers[3].json()["error"]
    assert error["message"] == "(#130429) Rate limit hit"
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert kept == 3
    assert later.status_code == 200


def test_the_daily_limit_counts_unique_template_recipients_outside_their_window():
    with fixed_sandbox() as (sandbox, clock):
        knobs(sandbox, daily_limit=2)
        first = send(sandbox, notice(to="573000000001"))
        second = send(sandbox, notice(to="573000000002"))
        again = send(sandbox, notice(to="573000000001"))  # the same person: not a new one
        third = send(sandbox, notice(to="573000000003"))
        citizen = sandbox.control(
            "POST", "citizen", {"network": "whatsapp", "text": "Hola", "phone": "573000000004"}
        )
        in_window = send(sandbox, notice(to=citizen["from"]))  # inside the service window
        text = send(sandbox, {"to": citizen["from"], "type": "text", "text": {"body": "Ya"}})
        counted = sandbox.control("GET", "state")["whatsapp"]["unique_recipients_24h"]
        clock.advance(timedelta(hours=24))
        next_day = send(sandbox, notice(to="573000000003"))

    assert [r.status_code for r in (first, again, second, in_window, text)] == [200] * 5
    assert error_of(third) == (400, 131048)
    assert counted == 2
    assert next_day.status_code == 200


# --- templates ---------------------------------------------------------------------------


def test_templates_that_are_not_approved_are_refused_as_meta_refuses_them(sandbox):
    statuses = {"aviso_corte": "PAUSED", "servicio_restablecido": "DISABLED",
                "contenido_texto": "REJECTED", "respuesta_pendiente": "PENDING"}  # fmt: skip
    knobs(sandbox, templates=statuses)
    cut = notice(name="aviso_corte", texts=("Centro", "8:00", "12:00", "reparación"))

    answers = [
        send(sandbox, cut),
        send(sandbox, notice()),
        send(sandbox, notice(name="contenido_texto", texts=("Cuidemos el agua",))),
        send(sandbox, notice(name="respuesta_pendiente", texts=("Ya",))),
    ]
    listing = requests.get(
        f"{sandbox.url}/v24.0/{WABA_ID}/message_templates", headers=AUTH, timeout=10
    ).json()["data"]

    assert [error_of(r) for r in answers] == [
        (400, 132015), (400, 132016), (400, 132001), (400, 132001)
    ]  # fmt: skip
    assert replies(sandbox) == []
    shown = {t["name"]: (t["status"], t["category"]) for t in listing}
    assert shown["aviso_corte"] == ("PAUSED", "UTILITY")
    assert shown["contenido_texto"] == ("REJECTED", "MARKETING")
    assert shown["contenido_imagen"] == ("APPROVED", "MARKETING")
    image = next(t for t in listing if t["name"] == "contenido_imagen")
    assert image["components"][0] == {"type": "HEADER", "format": "IMAGE"}


def test_a_media_header_needs_media_of_its_kind_uploaded_to_the_number(sandbox):
    image = upload(sandbox, b"\x89PNG...", "image/png").json()["id"]
    video = upload(sandbox, b"\x00\x00\x00 ftypmp4", "video/mp4").json()["id"]

    def with_header(name: str, header: dict | None) -> requests.Response:
        return send(sandbox, notice(name=name, texts=("Hola",), header=header))

    good = with_header("contenido_imagen", {"type": "image", "image": {"id": image}})
    linked = with_header("contenido_video", {"type": "video", "video": {"link": "https://x/v.mp4"}})
    missing = with_header("contenido_imagen", None)
    wrong_type = with_header("contenido_imagen", {"type": "video", "video": {"id": video}})
    wrong_media = with_header("contenido_imagen", {"type": "image", "image": {"id": video}})
    unknown = with_header("contenido_video", {"type": "video", "video": {"id": "123"}})
    no_header = with_header("contenido_texto", {"type": "image", "image": {"id": image}})

    assert good.status_code == linked.status_code == 200
    assert error_of(missing) == (400, 131008)
    assert error_of(wrong_type) == (400, 132012)
    assert error_of(wrong_media) == error_of(unknown) == (400, 131009)
    assert error_of(no_header) == (400, 132000)
    sent = replies(sandbox)
    assert [r["header"] for r in sent] == [
        {"type": "image", "id": image}, {"type": "video", "link": "https://x/v.mp4"}
    ]  # fmt: skip


def test_media_uploads_are_checked_for_type_and_size(sandbox):
    jpeg = upload(sandbox, b"\xff\xd8" + b"x" * 100, "image/jpeg")
    gif = upload(sandbox, b"GIF89a", "image/gif")
    too_big = upload(sandbox, b"x" * (5 * 1024 * 1024 + 1), "image/png")
    empty = upload(sandbox, b"", "video/mp4")
    sms = upload(sandbox, b"\xff\xd8", "image/jpeg", product="sms")

    assert jpeg.status_code == 200 and set(jpeg.json()) == {"id"}
    assert error_of(gif) == (400, 100) and "image/gif" in gif.json()["error"]["message"]
    assert error_of(too_big) == error_of(empty) == (400, 131053)
    assert error_of(sms) == (400, 100)
    assert sandbox.control("GET", "state")["whatsapp"]["media"] == 1


# --- recipients and statuses -------------------------------------------------------------


def test_blocked_and_non_users_are_accepted_then_fail_and_the_marketing_limit_only_hits_marketing(
    sandbox,
):
    knobs(sandbox, recipients={"573000000001": "blocked", "573000000002": "not_whatsapp",
                               "573000000003": "marketing_limit"})  # fmt: skip
    with catching(sandbox) as catcher:
        answers = [
            send(sandbox, notice(to="573000000001", reference="a")),
            send(sandbox, notice(to="573000000002", reference="b")),
            send(sandbox, notice(to="573000000003", name="contenido_texto", reference="c")),
            send(sandbox, notice(to="573000000003", reference="d")),
        ]
        statuses = catcher.statuses(6)

    assert [r.status_code for r in answers] == [200] * 4
    failed = {s["biz_opaque_callback_data"]: s["errors"][0]["code"]
              for s in statuses if s["status"] == "failed"}  # fmt: skip
    assert failed == {"a": 131026, "b": 131026, "c": 131049}
    assert [s["status"] for s in statuses if s.get("biz_opaque_callback_data") == "d"] == [
        "sent", "delivered", "read"
    ]  # fmt: skip
    assert [(r["status"], r["error"]) for r in replies(sandbox)] == [
        ("failed", 131026), ("failed", 131026), ("failed", 131049), ("read", None)
    ]  # fmt: skip


def test_each_tracked_send_reports_sent_delivered_then_read_with_its_reference(sandbox):
    with catching(sandbox) as catcher:
        send(sandbox, notice(to="573000000001", reference="uno"))
        knobs(sandbox, read=False)
        send(sandbox, notice(to="573000000002", reference="dos"))
        statuses = catcher.statuses(5)
        last = [reply["status"] for reply in replies(sandbox)]

    by_reference: dict[str, list[str]] = {}
    for status in statuses:
        by_reference.setdefault(status["biz_opaque_callback_data"], []).append(status["status"])
    assert by_reference == {"uno": ["sent", "delivered", "read"], "dos": ["sent", "delivered"]}
    assert last == ["read", "delivered"]
    assert all(s["pricing"]["category"] == "utility" for s in statuses)


def test_status_delay_holds_delivered_and_read_until_the_worlds_clock_gets_there():
    with fixed_sandbox() as (sandbox, clock), catching(sandbox) as catcher:
        knobs(sandbox, status_delay=30)
        send(sandbox, notice(reference="tarde"))
        early = [s["status"] for s in catcher.statuses(1)]
        waiting = sandbox.control("GET", "state")["whatsapp"]["statuses_waiting"]
        clock.advance(timedelta(seconds=30))
        sandbox.control("GET", "state")  # any call delivers what is due by the world's clock
        statuses = catcher.statuses(3)

    assert early == ["sent"] and waiting == 2
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert int(statuses[1]["timestamp"]) - int(statuses[0]["timestamp"]) == 30
