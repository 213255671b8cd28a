"""What the webhook receiver keeps out and stores once, one guard at a time.

Guards of `make mutants` (bench/mutants.toml): our own comments and Messenger echoes, other
numbers of the business, a clock ahead of ours, a replayed event, an unreadable item Meta
sends again, and a name the poll fills in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from channels.base import Incoming, SetAside
from channels.meta.webhooks import parse_delivery
from channels.sandbox.graph_world import PAGE_ID
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID
from responders.intake import record_set_aside, store_interactions
from responders.models import Interaction, SetAsideItem

NOW = datetime(2030, 7, 8, 9, 0, tzinfo=UTC)


def _comment(author_id: str, comment_id: str = "c1") -> dict:
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": comment_id,
                            "post_id": f"{PAGE_ID}_1",
                            "from": {"id": author_id, "name": "Alguien"},
                            "message": "¿Cuándo vuelve el agua?",
                            "created_time": int(NOW.timestamp()),
                        },
                    }
                ],
            }
        ],
    }


def _whatsapp(phone_number_id: str, at: datetime) -> dict:
    message = {
        "from": "573001112233",
        "id": "wamid.1",
        "timestamp": str(int(at.timestamp())),
        "type": "text",
        "text": {"body": "¿Dónde pago?"},
    }
    value = {"metadata": {"phone_number_id": phone_number_id}, "messages": [message]}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


def test_our_own_comment_on_the_page_is_not_a_citizens(database):
    ours = parse_delivery(_comment(PAGE_ID), NOW, {"facebook": PAGE_ID})
    theirs = parse_delivery(_comment("9001"), NOW, {"facebook": PAGE_ID})

    assert (ours.items, ours.ignored) == ([], 1)
    assert [item.author_id for item in theirs.items] == ["9001"]


def test_our_own_messenger_message_echoed_back_is_not_a_citizens():
    event = {"sender": {"id": PAGE_ID}, "timestamp": int(NOW.timestamp() * 1000),
             "message": {"mid": "m1", "text": "Con gusto.", "is_echo": True}}  # fmt: skip
    body = {"object": "page", "entry": [{"id": PAGE_ID, "messaging": [event]}]}

    delivery = parse_delivery(body, NOW, {"facebook": PAGE_ID})

    assert (delivery.items, delivery.ignored) == ([], 1)


def test_messages_to_another_number_of_the_business_are_left_alone():
    other = parse_delivery(_whatsapp("999", NOW), NOW, {"whatsapp": PHONE_NUMBER_ID})
    ours = parse_delivery(_whatsapp(PHONE_NUMBER_ID, NOW), NOW, {"whatsapp": PHONE_NUMBER_ID})

    assert (other.items, other.ignored) == ([], 1)
    assert [item.remote_id for item in ours.items] == ["wamid.1"]


def test_a_timestamp_ahead_of_our_clock_is_taken_as_now():
    ahead = parse_delivery(_whatsapp(PHONE_NUMBER_ID, NOW + timedelta(hours=5)), NOW)

    assert [item.written_at for item in ahead.items] == [NOW]


def _incoming(name: str, author_id: str = "9001") -> Incoming:
    return Incoming(
        network="facebook",
        kind="message",
        remote_id="m-1",
        author_id=author_id,
        author_name=name,
        text="¿Dónde pago?",
        written_at=NOW,
    )


def test_a_replayed_event_is_stored_once_and_counted_once(database):
    with database.transaction(write=True) as connection:
        first = store_interactions(connection, [_incoming("")], NOW)
        again = store_interactions(connection, [_incoming("")], NOW + timedelta(minutes=1))

    assert (first, again) == (1, 0)
    with database.session() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Interaction)).scalar() == 1


def test_the_poll_fills_in_a_missing_name_but_never_changes_one_stored(database):
    with database.transaction(write=True) as connection:
        store_interactions(connection, [_incoming("")], NOW)
        store_interactions(connection, [_incoming("Ana Pérez")], NOW)
        store_interactions(connection, [_incoming("Otra Persona", "9002")], NOW)

    with database.session() as session:
        row = session.execute(sa.select(Interaction)).scalar_one()
        assert (row.author_name, row.author_id) == ("Ana Pérez", "9001")


def test_an_unreadable_item_meta_sends_again_later_is_recorded_once(database):
    item = SetAside("whatsapp", "message", "ilegible", "wamid.roto", "…")
    with database.transaction(write=True) as connection:
        first = record_set_aside(connection, [item], "webhook", NOW)
        again = record_set_aside(connection, [item], "webhook", NOW + timedelta(hours=1))

    assert (first, again) == (1, 0)
    with database.session() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(SetAsideItem)).scalar() == 1
