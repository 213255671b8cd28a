"""Meta's documented payloads (tests/contracts/, each file's page in its README) read by the
receiver: parsed as Meta means them, and through the signed HTTP receiver stored once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from contract_files import contract, contract_bytes
from test_webhooks import config, office, post, signed, stored

from channels.meta.webhooks import STANDBY_REASON, is_bsuid, parse_delivery
from conectados.clock import SystemClock
from responders.intake import store_interactions
from responders.models import InteractionState, Reply, UndeliveredReply
from webhooks.server import WebhookServer

NOW = datetime(2026, 7, 1, tzinfo=UTC)
# The ids in Meta's examples: the business number and the Page they were sent to.
ACCOUNTS = {"whatsapp": "106540352242922", "facebook": "1744550565845823"}


@pytest.fixture
def receiver(database):
    with WebhookServer(config(accounts=ACCOUNTS), database, SystemClock(), port=0) as server:
        yield server


@pytest.mark.parametrize("empty", [False, True])
def test_a_username_users_message_without_phone_number_is_read(empty):
    # Meta's "Business-scoped user IDs" page, Incoming message — example. The issue says the
    # phone may also come empty: "" is read as absent.
    body = contract("whatsapp_username_message.json")
    if empty:
        value = body["entry"][0]["changes"][0]["value"]
        value["messages"][0]["from"] = ""
        value["contacts"][0]["wa_id"] = ""
    delivery = parse_delivery(body, NOW, ACCOUNTS)

    [item] = delivery.items
    assert delivery.set_aside == [] and delivery.ignored == 0
    assert item.author_id == item.thread_id == "US.13491208655302741918"
    assert item.author_alias is None  # no phone number came: the BSUID is the only id
    assert item.author_name == "Sheena Nelson"
    assert item.text == "Does it come in another color?"


def test_the_username_is_the_name_when_there_is_no_profile_name():
    body = contract("whatsapp_username_message.json")
    value = body["entry"][0]["changes"][0]["value"]
    for written in ("@realsheenanelson", "realsheenanelson"):  # S1a has the @, S1b not
        value["contacts"][0]["profile"] = {"username": written}
        [item] = parse_delivery(body, NOW, ACCOUNTS).items
        assert item.author_name == "@realsheenanelson"


def test_a_phone_users_message_keeps_both_ids():
    body = contract("whatsapp_username_message.json")
    value = body["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = "16505551234"
    value["messages"][0]["from"] = "16505551234"

    [item] = parse_delivery(body, NOW, ACCOUNTS).items

    assert (item.author_id, item.author_alias) == ("16505551234", "US.13491208655302741918")
    assert item.thread_id == "16505551234"  # the answer goes to the phone number


def test_a_malformed_bsuid_sets_the_message_aside():
    body = contract("whatsapp_username_message.json")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["from_user_id"] = "13491208655302741918"

    delivery = parse_delivery(body, NOW, ACCOUNTS)

    assert delivery.items == [] and len(delivery.set_aside) == 1
    assert "from_user_id" in delivery.set_aside[0].reason


def test_a_phone_users_message_with_an_unknown_bsuid_shape_is_kept_by_the_phone(caplog):
    body = contract("whatsapp_username_message.json")
    value = body["entry"][0]["changes"][0]["value"]
    value["messages"][0]["from"] = "16505551234"
    value["messages"][0]["from_user_id"] = "USA-13491208655302741918"  # a shape we do not know

    delivery = parse_delivery(body, NOW, ACCOUNTS)

    [item] = delivery.items
    assert delivery.set_aside == []
    assert (item.author_id, item.author_alias) == ("16505551234", None)
    assert "from_user_id" in caplog.text
    assert "13491208655302741918" not in caplog.text  # personal data: never logged


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("US.13491208655302741918", True),
        ("US.ENT.11815799212886844830", True),
        ("CO." + "a1" * 64, True),
        ("CO." + "1" * 129, False),
        ("co.123", False),
        ("C.123", False),
        ("CO123", False),
        ("CO.", False),
        ("CO.ENT.", False),
        ("CO.12 34", False),
        ("CO.12-34", False),
        ("CO.١٢٣", False),  # Arabic-Indic digits are digits, not ASCII
        ("573001112233", False),
        (None, False),
    ],
)
def test_the_bsuid_format_is_checked(value, valid):
    assert is_bsuid(value) is valid


def test_statuses_to_a_bsuid_and_failed_ones_are_read():
    delivered = parse_delivery(contract("whatsapp_status_delivered_bsuid.json"), NOW, ACCOUNTS)
    failed = parse_delivery(contract("whatsapp_status_failed.json"), NOW, ACCOUNTS)

    assert (delivered.ignored, delivered.set_aside, delivered.failed_sends) == (1, [], [])
    [(remote_id, code, reason)] = failed.failed_sends
    assert remote_id.startswith("wamid.") and code == 131049
    assert "the message failed to be delivered" in reason


def test_a_messenger_standby_message_is_kept_to_be_left_alone():
    delivery = parse_delivery(contract("messenger_standby.json"), NOW, ACCOUNTS)

    [item] = delivery.items
    assert item.network == "facebook" and item.kind == "message"
    assert item.author_id == "1590192107678927"
    assert item.left_alone == STANDBY_REASON


def user_id_changes(old: str = "US.13491208655302741918", new: str = "US.99999999999999999999"):
    """The two ways WhatsApp says a citizen's BSUID changed: a system message in the
    `messages` field, and the `user_id_update` field ({previous, current})."""
    changed = contract("whatsapp_username_message.json")
    value = changed["entry"][0]["changes"][0]["value"]
    del value["contacts"]  # a system message comes without contacts
    value["messages"][0] = {
        "from_user_id": old,
        "id": "wamid.system1",
        "timestamp": "1749416383",
        "type": "system",
        "system": {"body": "User changed", "type": "user_changed_user_id", "user_id": new},
    }
    update = contract("whatsapp_username_message.json")
    update["entry"][0]["changes"][0] = {
        "field": "user_id_update",
        "value": {"user_id": {"previous": old, "current": new}},
    }
    return {"system": changed, "user_id_update": update}


@pytest.mark.parametrize("how", ["system", "user_id_update"])
def test_a_changed_user_id_is_read_as_a_link_from_the_old_id(how):
    delivery = parse_delivery(user_id_changes("US.1", "US.2")[how], NOW, ACCOUNTS)

    assert (delivery.items, delivery.set_aside, delivery.ignored) == ([], [], 0)
    assert delivery.renamed == [("US.1", "US.2")]


@pytest.mark.parametrize("how", ["system", "user_id_update"])
def test_a_citizen_whose_user_id_changed_stays_one_author(receiver, database, how):
    first = contract("whatsapp_username_message.json")
    later = contract("whatsapp_username_message.json")
    new = "US.99999999999999999999"
    value = later["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["user_id"] = value["messages"][0]["from_user_id"] = new
    value["messages"][0]["id"] = "wamid.after-the-change"

    for body in (first, user_id_changes(new=new)[how], later):
        raw = json.dumps(body).encode()
        assert post(receiver, raw, signed(raw)).status_code == 200

    before, after = stored(database)
    assert before.author_id == after.author_id == "US.13491208655302741918"
    assert after.author_alias == new and after.thread_id == new  # answered at the new id


@pytest.mark.parametrize(
    "name",
    [
        "whatsapp_username_message.json",
        "whatsapp_status_delivered_bsuid.json",
        "whatsapp_status_failed.json",
        "messenger_standby.json",
    ],
)
def test_the_receiver_takes_each_documented_body_once(receiver, database, name):
    body = contract_bytes(name)

    answers = [post(receiver, body, signed(body)) for _ in range(2)]  # Meta retries

    assert [answer.status_code for answer in answers] == [200, 200]
    rows = stored(database)
    if name == "whatsapp_username_message.json":
        [row] = rows
        assert row.author_id == "US.13491208655302741918" and row.author_alias is None
        assert row.state == InteractionState.RECEIVED
    elif name == "messenger_standby.json":
        [row] = rows
        assert row.state == InteractionState.IGNORED and row.decision == STANDBY_REASON
    else:
        assert rows == []
    if name == "whatsapp_status_failed.json":
        with database.session() as session:
            reports = session.execute(sa.select(UndeliveredReply)).scalars().all()
            assert [(r.code, r.remote_id[:6]) for r in reports] == [(131049, "wamid.")]


def test_a_standby_message_is_shown_and_never_answered(receiver, database, sandbox, cli, tmp_path):
    body = contract_bytes("messenger_standby.json")
    responder, outbox = office(database, sandbox)

    assert post(receiver, body, signed(body)).status_code == 200
    responder.run_once()
    counts = outbox.run_once()
    listed = cli(
        "inbox", "--desde", "2019-01-01", env={"CONECTADOS_BASE_DATOS": str(tmp_path / "c.db")}
    )

    [row] = stored(database)
    with database.session() as session:
        assert session.execute(sa.select(Reply)).scalars().all() == []
    assert counts["sent"] == 0 and row.state == InteractionState.IGNORED
    assert listed.exit_code == 0, listed.stderr
    assert "dejado" in listed.stdout and "otra aplicación atiende" in listed.stdout


def test_a_standby_message_the_poll_stored_first_is_left_alone(database):
    """The poll reads every message of the Page's inbox, standby or not: when Meta's standby
    event for one it stored comes later, it is left alone while no responder has taken it."""
    [standby] = parse_delivery(contract("messenger_standby.json"), NOW, ACCOUNTS).items
    polled = replace(standby, left_alone=None)
    with database.session(write=True) as session:
        store_interactions(session.connection(), [polled], NOW)
    with database.session(write=True) as session:
        store_interactions(session.connection(), [standby], NOW)

    [row] = stored(database)
    assert row.state == InteractionState.IGNORED and row.decision == STANDBY_REASON
