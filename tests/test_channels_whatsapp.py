"""The WhatsApp Cloud API adapter, through pyfacebook over HTTP, against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from channels.base import AuthFailed, Incoming, OutsideWindow, Rejected, Transient
from channels.meta.whatsapp import WhatsAppChannel
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID
from conectados.clock import FixedClock


def citizen_writes(sandbox, text: str, hours_ago: float = 0) -> Incoming:
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    item = sandbox.control(
        "POST",
        "citizen",
        {"network": "whatsapp", "text": text, "author": "Marta", "at": at.isoformat()},
    )
    return Incoming(
        network="whatsapp",
        kind="message",
        remote_id=item["id"],
        author_id=item["from"],
        author_name="Marta",
        text=text,
        written_at=at.replace(microsecond=0),
    )


def channel(sandbox, **options) -> WhatsAppChannel:
    return WhatsAppChannel(PHONE_NUMBER_ID, "token", sandbox.url, timeout=3.0, **options)


def replies(sandbox) -> list[dict]:
    return sandbox.control("GET", "state")["whatsapp"]["replies"]


def test_inside_the_window_the_answer_goes_as_text_quoting_the_message(sandbox):
    message = citizen_writes(sandbox, "¿Dónde pago?", hours_ago=2)

    receipt = channel(sandbox).reply(message, "Puede pagar en Efecty.\nGracias.", private=True)

    (sent,) = replies(sandbox)
    assert sent["id"] == receipt.remote_id and receipt.remote_id.startswith("wamid.")
    assert (sent["type"], sent["text"], sent["in_reply_to"]) == (
        "text",
        "Puede pagar en Efecty.\nGracias.",
        message.remote_id,
    )


def test_the_window_counts_from_the_latest_message_and_closes_a_little_early(sandbox):
    old = citizen_writes(sandbox, "¿Dónde pago?", hours_ago=30)
    whatsapp = channel(sandbox)

    assert not whatsapp.window_open(old)
    assert whatsapp.window_open(
        Incoming(**{**old.__dict__, "last_heard_at": datetime.now(UTC) - timedelta(hours=1)})
    )
    edge = FixedClock(old.written_at + timedelta(hours=23, minutes=56))
    assert not channel(sandbox, clock=edge).window_open(old)


def test_outside_the_window_without_a_template_nothing_is_sent(sandbox):
    message = citizen_writes(sandbox, "¿Dónde pago?", hours_ago=30)

    with pytest.raises(OutsideWindow) as caught:
        channel(sandbox).reply(message, "Puede pagar en Efecty.", private=True)

    assert "plantilla_fuera_de_ventana" in caught.value.reason and replies(sandbox) == []


def test_outside_the_window_the_template_carries_the_answer_on_one_line(sandbox):
    message = citizen_writes(sandbox, "¿Dónde pago?", hours_ago=30)

    channel(sandbox, template="respuesta_pendiente").reply(
        message, "Puede pagar en:\n- Efecty\n- PSE", private=True
    )

    (sent,) = replies(sandbox)
    assert (sent["type"], sent["status"]) == ("template", "sent")
    assert "Puede pagar en: - Efecty - PSE" in sent["text"]


def test_a_template_whatsapp_does_not_know_is_refused_for_good(sandbox):
    message = citizen_writes(sandbox, "¿Dónde pago?", hours_ago=30)

    with pytest.raises(Rejected) as caught:
        channel(sandbox, template="no_aprobada").reply(message, "Puede pagar…", private=True)

    assert "no_aprobada" in caught.value.reason and "132001" in caught.value.reason


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthFailed), (429, Transient), (500, Transient), (503, Transient)],
)
def test_failures_become_the_three_channel_errors(sandbox, status, error):
    message = citizen_writes(sandbox, "¿Dónde pago?")
    sandbox.control("POST", "faults", {"network": "whatsapp", "status": status, "count": 1})

    with pytest.raises(error) as caught:
        channel(sandbox).reply(message, "Puede pagar en Efecty.", private=True)

    assert "WhatsApp" in str(caught.value)
    assert replies(sandbox) == []


def test_whatsapp_neither_publishes_nor_polls(sandbox):
    """It only answers: the jobs that publish, poll, measure or hide never get it."""
    from channels.base import Hides, Measures, Polls, Publishes, Replies, capable

    whatsapp = channel(sandbox)

    assert isinstance(whatsapp, Replies)
    for capability in (Publishes, Polls, Measures, Hides):
        assert not isinstance(whatsapp, capability)
        assert capable({"whatsapp": whatsapp}, capability) == {}
