"""Messenger's handover protocol on the poll path: a conversation another app owns (the Page
inbox, a live-chat tool) is never answered, even when no standby webhook told us so."""

from __future__ import annotations

import sqlalchemy as sa
from sandbox_channels import channels_for

from channels.meta.webhooks import STANDBY_REASON
from conectados.settings import Settings
from responders.models import Reply, ReplyState
from responders.protocol_files import load_catalogue
from responders.service import Responder
from scheduler.inbox import Inbox
from scheduler.outbox import Outbox

QUESTION = "Buenas tardes, ¿dónde puedo pagar la factura del agua?"


def poll_and_answer(database, sandbox) -> list[Reply]:
    clock = sandbox.sandbox.clock
    facebook = {"facebook": channels_for(sandbox)["facebook"]}
    Inbox(database, facebook, clock).run_once()
    Responder(database, load_catalogue(), Settings(), clock).run_once()
    Outbox(database, facebook, clock, "test", batch=50).run_once()
    with database.session() as session:
        replies = session.execute(sa.select(Reply)).scalars().all()
        session.expunge_all()
    return list(replies)


def write(sandbox, author: str, **extra) -> dict:
    body = {"network": "facebook", "kind": "message", "text": QUESTION, "author": author}
    return sandbox.control("POST", "citizen", body | extra)


def test_a_polled_message_in_a_thread_another_app_owns_is_not_answered(database, sandbox):
    write(sandbox, "Marta", owner="otra")

    [reply] = poll_and_answer(database, sandbox)

    assert sandbox.control("GET", "state")["facebook"]["replies"] == []
    assert reply.state == ReplyState.FAILED and STANDBY_REASON in (reply.last_error or "")
    calls = sandbox.control("GET", "state")["facebook"]["calls"]
    assert calls.get("GET /{page-id}/thread_owner") == 1
    assert "POST /{page-id}/messages" not in calls


def test_a_polled_message_in_our_own_thread_is_answered(database, sandbox):
    item = write(sandbox, "Luis")

    [reply] = poll_and_answer(database, sandbox)

    [sent] = sandbox.control("GET", "state")["facebook"]["replies"]
    assert sent["to"] == item["from"]["id"] and reply.state == ReplyState.SENT
