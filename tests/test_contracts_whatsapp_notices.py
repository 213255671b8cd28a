"""The simulator's WhatsApp notices against Meta's documented payloads (tests/contracts/
whatsapp_notice_*): the template send it accepts, its answers, its status webhooks and its
errors have the documented shapes (the same keys, nested), so what passes here is what the
receiver and the adapter meet on the real Cloud API."""

from __future__ import annotations

import copy
import time
from typing import Any

import requests
from contract_files import contract, contract_file
from test_sandbox_whatsapp_notices import (
    AUTH,
    catching,
    fixed_sandbox,
    knobs,
    send,
    upload,
)

from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID

OPTIONAL = {"biz_opaque_callback_data"}
"""Meta shows no failed status carrying it; the simulator echoes it there too (agreed)."""


def shape(value: Any, skip: frozenset[str] = frozenset()) -> Any:
    """The key sets of a JSON value, nested: what a client relies on, not the values."""
    if isinstance(value, dict):
        return {key: shape(item, skip) for key, item in value.items() if key not in skip}
    if isinstance(value, list):
        return [shape(item, skip) for item in value[:1]]
    return type(value).__name__


def documented_request(media_id: str) -> dict[str, Any]:
    """Meta's documented template send, naming the simulator's image template instead."""
    body = copy.deepcopy(contract("whatsapp_notice_template_request.json"))
    template = body["template"]
    template["name"], template["language"]["code"] = "contenido_imagen", "es"
    header, text = template["components"]
    header["parameters"][0]["image"]["id"] = media_id
    text["parameters"] = text["parameters"][:1]  # the simulator's template has one variable
    return body


def test_the_documented_template_send_is_accepted_and_answered_in_metas_shape(sandbox):
    media = upload(sandbox, b"\xff\xd8jpeg", "image/jpeg")
    body = documented_request(media.json()["id"])

    answer = send(sandbox, body)

    assert media.status_code == contract_file("whatsapp_notice_media_upload.json")["status"]
    assert shape(media.json()) == shape(contract("whatsapp_notice_media_upload.json"))
    documented = contract_file("whatsapp_notice_send_response.json")
    assert answer.status_code == documented["status"]
    assert shape(answer.json()) == shape(documented["body"])
    assert answer.json()["contacts"] == [{"input": body["to"], "wa_id": body["to"]}]


def test_status_webhooks_of_a_notice_have_metas_shape_in_order(sandbox):
    with catching(sandbox) as catcher:
        send(sandbox, documented_request(upload(sandbox, b"\x89PNG", "image/png").json()["id"]))
        events = [event for event in _wait(catcher, 3)]

    kinds = ["sent", "delivered", "read"]
    assert [e["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] for e in events] == kinds
    for kind, event in zip(kinds, events, strict=True):
        documented = contract(f"whatsapp_notice_status_{kind}.json")
        assert shape(event) == shape(documented), kind
        status = event["entry"][0]["changes"][0]["value"]["statuses"][0]
        assert status["biz_opaque_callback_data"] == "aviso-17-suscriptor-42"
        assert status["pricing"]["category"] == "marketing"  # contenido_imagen's category


def test_a_failed_notice_status_has_metas_shape(sandbox):
    knobs(sandbox, recipients={"12015550123": "not_whatsapp"})
    with catching(sandbox) as catcher:
        send(sandbox, documented_request(upload(sandbox, b"\x89PNG", "image/png").json()["id"]))
        [event] = _wait(catcher, 1)

    documented = contract("whatsapp_notice_status_failed.json")
    assert shape(event, frozenset(OPTIONAL)) == shape(documented)
    [error] = event["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"]
    assert error["code"] == 131026


def test_the_throughput_refusal_is_metas_130429_answer():
    documented = contract_file("whatsapp_notice_rate_limit.json")
    with fixed_sandbox() as (sandbox, _clock):
        knobs(sandbox, throughput=1)
        media = upload(sandbox, b"\x89PNG", "image/png").json()["id"]
        send(sandbox, documented_request(media))
        refused = send(sandbox, documented_request(media))

    assert refused.status_code == documented["status"]
    assert shape(refused.json()) == shape(documented["body"])
    assert refused.json()["error"]["code"] == documented["body"]["error"]["code"]
    assert refused.json()["error"]["message"] == documented["body"]["error"]["message"]


def test_uploads_go_to_the_phone_numbers_media_edge(sandbox):
    wrong_number = requests.post(
        f"{sandbox.url}/v24.0/999{PHONE_NUMBER_ID}/media",
        data={"messaging_product": "whatsapp", "type": "image/png"},
        files={"file": ("a.png", b"\x89PNG", "image/png")},
        headers=AUTH,
        timeout=10,
    )

    assert wrong_number.status_code != 200


def _wait(catcher, count: int, seconds: float = 10.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while len(catcher.caught) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return list(catcher.caught)
