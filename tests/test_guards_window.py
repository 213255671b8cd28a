"""WhatsApp's 24-hour window, at its edge and from the citizen's latest message.

Guards of `make mutants` (bench/mutants.toml): the window's comparison and margin, the
adapter's choice of the latest message, and the send job's "latest message" per citizen.
The sandbox's list of replies is the witness: a reply the window forbids never reaches it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from pyfacebook.exceptions import FacebookError

from channels.base import Incoming, OutsideWindow
from channels.meta.whatsapp import SERVICE_WINDOW, WhatsAppChannel, window_open
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID
from channels.specs import WINDOW_MARGIN
from conectados.clock import FixedClock
from responders.models import (
    Interaction,
    InteractionKind,
    InteractionState,
    Reply,
    ReplyState,
    ReplyVisibility,
)
from scheduler.outbox import Outbox

HEARD = datetime(2030, 5, 6, 12, 0, tzinfo=UTC)
EDGE = SERVICE_WINDOW - WINDOW_MARGIN


def test_the_window_closes_a_few_minutes_before_24_hours():
    assert window_open(HEARD, HEARD + EDGE - timedelta(seconds=1))
    assert not window_open(HEARD, HEARD + EDGE)
    assert not window_open(HEARD, HEARD + SERVICE_WINDOW - timedelta(seconds=1))
    assert not window_open(HEARD, HEARD + timedelta(days=3))


def _message(written_at: datetime, last_heard_at: datetime | None) -> Incoming:
    return Incoming(
        network="whatsapp",
        kind="message",
        remote_id="wamid.1",
        author_id="573001112233",
        author_name="Marta",
        text="¿Dónde pago?",
        written_at=written_at,
        last_heard_at=last_heard_at,
    )


def test_the_adapter_counts_the_window_from_the_latest_of_the_two_messages():
    now = HEARD + timedelta(hours=30)
    whatsapp = WhatsAppChannel(
        PHONE_NUMBER_ID, "token", "http://127.0.0.1:9", clock=FixedClock(now)
    )

    assert whatsapp.window_open(_message(HEARD, now - timedelta(hours=1)))
    assert whatsapp.window_open(_message(now - timedelta(hours=1), None))
    assert not whatsapp.window_open(_message(HEARD, None))
    assert not whatsapp.window_open(_message(HEARD, HEARD))


# --- the send job: whose latest message counts ----------------------------------------------


def _writes(sandbox, database, author: str, hours_ago: float, now: datetime) -> int:
    """A citizen's WhatsApp message, in the sandbox and stored as answered; its id."""
    at = (now - timedelta(hours=hours_ago)).replace(microsecond=0)
    item = sandbox.control(
        "POST",
        "citizen",
        {"network": "whatsapp", "text": "¿Dónde pago?", "author": author, "at": at.isoformat()},
    )
    with database.session(write=True) as session:
        interaction = Interaction(
            network="whatsapp",
            kind=InteractionKind.MESSAGE,
            remote_id=item["id"],
            author_id=item["from"],
            author_name=author,
            text="¿Dónde pago?",
            written_at=at,
            state=InteractionState.ANSWERED,
        )
        session.add(interaction)
        session.flush()
        return interaction.id


def _approve(database, interaction_id: int) -> int:
    with database.session(write=True) as session:
        reply = Reply(
            interaction_id=interaction_id,
            text="Puede pagar en Efecty.",
            visibility=ReplyVisibility.PRIVATE,
            state=ReplyState.APPROVED,
            reviewer="ana",
        )
        session.add(reply)
        session.flush()
        return reply.id


def _outbox(database, sandbox, now: datetime) -> Outbox:
    clock = FixedClock(now)
    whatsapp = WhatsAppChannel(PHONE_NUMBER_ID, "token", sandbox.url, timeout=3.0, clock=clock)
    return Outbox(database, {"whatsapp": whatsapp}, clock, "d")


def _sent(sandbox) -> list[dict]:
    return sandbox.control("GET", "state")["whatsapp"]["replies"]


def test_another_citizens_recent_message_does_not_open_this_ones_window(database, sandbox):
    now = datetime.now(UTC)
    old = _writes(sandbox, database, "Marta", 30, now)
    _writes(sandbox, database, "Pedro", 1, now)
    reply_id = _approve(database, old)

    counts = _outbox(database, sandbox, now).run_once()

    assert counts["review"] == 1 and _sent(sandbox) == []
    with database.session() as session:
        assert session.get(Reply, reply_id).state == ReplyState.PENDING


def test_the_citizens_later_message_keeps_the_window_open_for_the_older_one(database, sandbox):
    now = datetime.now(UTC)
    old = _writes(sandbox, database, "Marta", 30, now)
    _writes(sandbox, database, "Marta", 1, now)
    reply_id = _approve(database, old)

    counts = _outbox(database, sandbox, now).run_once()

    assert counts["sent"] == 1
    assert [(reply["type"], reply["status"]) for reply in _sent(sandbox)] == [("text", "sent")]
    with database.session() as session:
        reply = session.execute(sa.select(Reply).where(Reply.id == reply_id)).scalar_one()
        assert reply.state == ReplyState.SENT


def test_whatsapps_own_past_the_window_error_sends_the_reply_to_a_person():
    """Cloud API error 131047 (the sandbox reports it only by webhook): OutsideWindow, which
    the send job turns into a review, never a plain rejection."""
    whatsapp = WhatsAppChannel(PHONE_NUMBER_ID, "token", "http://127.0.0.1:9")
    error = FacebookError({"error": {"code": 131047, "message": "Re-engagement message"}})

    assert isinstance(whatsapp._translate(error), OutsideWindow)
