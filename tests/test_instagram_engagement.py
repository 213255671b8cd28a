"""Instagram comments, Direct messages, moderation and figures: the adapter over real HTTP
against the simulator, both held to Meta's documented bodies (tests/contracts/instagram_*)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from contract_files import contract

from channels.base import Incoming, OutsideWindow, Rejected
from channels.meta.instagram import InstagramChannel
from channels.meta.instagram_figures import MEDIA_METRICS
from channels.meta.webhooks import parse_delivery
from channels.polling import PollCursor
from channels.sandbox import Sandbox, SandboxServer
from channels.sandbox.instagram_engagement import DEPRECATED_METRICS, add_published_media
from channels.sandbox.instagram_world import IG_USER_ID, InstagramWorld
from channels.sandbox.snapshot import restore, snapshot
from channels.sandbox.webhooks import instagram_comment_event, instagram_message_event
from channels.sandbox.whatsapp_world import APP_SECRET, VERIFY_TOKEN
from conectados.clock import FixedClock
from responders.intake import store_interactions
from responders.models import Interaction
from webhooks.app import WebhookConfig
from webhooks.server import WebhookServer, subscribe_to_sandbox

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def shape(value):
    """The key sets of a JSON value, nested: what a reader relies on, not the values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


@pytest.fixture
def world():
    """The simulator on a fixed clock, its Instagram world, and our adapter pointed at it."""
    clock = FixedClock(NOW)
    with SandboxServer(sandbox=Sandbox(clock)) as server:
        channel = InstagramChannel(IG_USER_ID, "token", server.url, timeout=5, clock=clock)
        yield server, server.sandbox.instagram, channel, clock


def comment(server, text: str, author: str = "Ana", on: str | None = None) -> dict:
    body = {"network": "instagram", "kind": "comment", "text": text, "author": author}
    return server.control("POST", "citizen", body | ({"on": on} if on else {}))


def graph(server, method: str, path: str, **kwargs) -> requests.Response:
    params = {"access_token": "token", **kwargs.pop("params", {})}
    return requests.request(
        method, f"{server.url}/v24.0/{path}", params=params, timeout=5, **kwargs
    )


# --- the documented bodies ------------------------------------------------------------------


def test_the_simulator_lists_comments_in_the_documented_shape_and_the_adapter_reads_it(world):
    server, ig, channel, _ = world
    reel = add_published_media(ig, "Reel", NOW - timedelta(hours=1))
    comment(server, "¿Hay corte mañana?", on=reel.id)

    answer = graph(server, "GET", f"{reel.id}/comments", params={"fields": "timestamp,text,id"})
    documented = contract("instagram_comments.json")

    assert answer.status_code == 200
    assert shape(answer.json()["data"]) == shape(documented["data"])
    stream = PollCursor.load(None, datetime(2017, 8, 31, tzinfo=UTC)).stream("comments")
    read = [
        found
        for item in documented["data"]
        for found in channel._read(item, stream, "17895695668004550", [])
    ]
    assert [item.text for item in read] == ["I love this!", "This is awesome!"]
    assert all(i.thread_id == i.parent_id == "17895695668004550" for i in read)


def test_a_public_reply_answers_in_the_documented_shape(world):
    server, ig, _channel, _ = world
    reel = add_published_media(ig, "Reel", NOW)
    asked = comment(server, "¿Hay corte mañana?", on=reel.id)["id"]

    answer = graph(server, "POST", f"{asked}/replies", params={"message": "No hay corte."})

    assert shape(answer.json()) == shape(contract("instagram_comment_reply.json"))
    assert server.control("GET", "state")["instagram"]["replies"][0]["to"] == asked


def test_the_documented_comment_webhook_is_read_and_the_simulator_sends_the_same_shape(world):
    _server, ig, _, _ = world
    body = contract("instagram_webhook_comment.json")
    delivery = parse_delivery(body, NOW, {"instagram": "17841405822304914"})

    (item,) = delivery.items
    assert (item.network, item.kind, item.remote_id) == (
        "instagram",
        "comment",
        "17865799348089039",
    )
    assert (item.thread_id, item.author_name) == ("17895695668004550", "@vecina.del.barrio")
    assert item.text == "¿A qué hora vuelve el agua?"
    reel = add_published_media(ig, "Reel", NOW)
    sent = instagram_comment_event(ig.add_comment(reel.id, ig.citizen("Ana"), "hola", NOW), "REELS")
    assert shape(sent) == shape(body)


def test_the_documented_direct_message_webhook_is_read_and_echoes_are_not(world):
    _, ig, _, _ = world
    body = contract("instagram_webhook_message.json")
    echo = json.loads(json.dumps(body))
    event = echo["entry"][0]["messaging"][0]
    event["sender"], event["recipient"] = event["recipient"], event["sender"]
    event["message"]["is_echo"] = True

    (item,) = parse_delivery(body, NOW, {"instagram": "17841405822304914"}).items
    ignored = parse_delivery(echo, NOW)  # whoever's account: an echo is never a citizen's

    assert (item.kind, item.author_id, item.thread_id) == (
        "message",
        "1234567890123456",
        "1234567890123456",
    )
    assert item.text == "Buenas, ¿dónde pago la factura?"
    assert ignored.items == [] and ignored.ignored == 1
    citizen = ig.citizen("Ana")
    assert shape(instagram_message_event(citizen, ig.add_message(citizen, "hola", NOW))) == shape(
        body
    )


def test_a_private_reply_in_the_documented_json_body_is_answered_in_the_documented_shape(world):
    server, ig, _, _ = world
    reel = add_published_media(ig, "Reel", NOW)
    asked = comment(server, "mi cuenta es 123456", on=reel.id)["id"]
    body = contract("instagram_private_reply_request.json")
    body["recipient"]["comment_id"] = asked

    first = graph(server, "POST", f"{IG_USER_ID}/messages", json=body)
    again = graph(server, "POST", f"{IG_USER_ID}/messages", json=body)

    assert shape(first.json()) == shape(contract("instagram_send_response.json"))
    assert again.status_code == 400 and again.json()["error"]["code"] == 10


# --- answering ----------------------------------------------------------------------------


def polled(channel, cursor=None):
    batch = channel.poll(cursor)
    return batch.items, batch.cursor


def test_the_poll_is_incremental_skips_our_replies_and_gives_replies_their_parent(world):
    server, ig, channel, clock = world
    reel = add_published_media(ig, "Reel", NOW - timedelta(hours=2))
    first = comment(server, "¿A qué hora vuelve el agua?", on=reel.id)["id"]

    items, cursor = polled(channel)
    channel.reply(items[0], "A las 5 p. m.", private=False)
    clock.advance(timedelta(minutes=3))
    again, cursor = polled(channel, cursor)
    reply = server.control(
        "POST",
        "citizen",
        {"network": "instagram", "kind": "comment", "text": "gracias", "author": "Ana",
         "on": reel.id},
    )["id"]  # fmt: skip
    ig.comments[reply].parent_id = first  # Ana answers under her own comment
    newer, cursor = polled(channel, cursor)
    last, _ = polled(channel, cursor)

    assert [i.remote_id for i in items] == [first] and items[0].thread_id == reel.id
    assert again == [] and last == []
    assert [(i.remote_id, i.parent_id) for i in newer] == [(reply, first)]


def test_a_poll_costs_one_call_when_nothing_was_written(world):
    server, ig, channel, _ = world
    for _ in range(3):
        reel = add_published_media(ig, "Reel", NOW - timedelta(hours=3))
        comment(server, "hola", on=reel.id)
    first = channel.poll(None)
    second = channel.poll(first.cursor)

    assert len(first.items) == 3 and first.calls == 4
    assert second.items == [] and second.calls == 1


def test_an_unreadable_comment_is_set_aside_and_the_others_go_on(world):
    server, ig, channel, _ = world
    reel = add_published_media(ig, "Reel", NOW)
    good = comment(server, "¿Hay corte?", on=reel.id)["id"]
    bad = comment(server, "del futuro", on=reel.id)["id"]
    ig.comments[bad].created = NOW + timedelta(days=2)

    batch = channel.poll(None)

    assert [item.remote_id for item in batch.items] == [good]
    assert [found.remote_id for found in batch.set_aside] == [bad]


def test_hiding_a_comment_hides_it_in_the_simulator(world):
    server, ig, channel, _ = world
    reel = add_published_media(ig, "Reel", NOW)
    comment(server, "mi cédula es 1098765432", on=reel.id)
    (item,), _ = polled(channel)

    channel.hide(item)

    assert server.control("GET", "state")["instagram"]["hidden"] == [item.remote_id]


def test_a_private_reply_goes_once_and_not_after_seven_days(world):
    server, ig, channel, clock = world
    reel = add_published_media(ig, "Reel", NOW)
    comment(server, "mi cuenta es 123456", on=reel.id)
    (item,), _ = polled(channel)

    channel.reply(item, "Le escribimos en privado.", private=True)
    with pytest.raises(Rejected, match="una por comentario"):
        channel.reply(item, "Otra vez.", private=True)
    clock.advance(timedelta(days=8))
    with pytest.raises(OutsideWindow, match="7 días"):
        channel.reply(item, "Tarde.", private=True)
    sent = server.control("GET", "state")["instagram"]["sent"]
    assert [s["recipient"] for s in sent] == [{"comment_id": item.remote_id}]


def direct(server, ig, text: str, at: datetime) -> Incoming:
    body = {"network": "instagram", "kind": "message", "text": text, "author": "Luis",
            "at": at.isoformat()}  # fmt: skip
    item = server.control("POST", "citizen", body)
    return Incoming("instagram", "message", item["id"], item["from"]["id"], "", text, at)


def test_a_direct_message_is_answered_inside_24_hours_then_only_with_the_human_agent_tag(world):
    server, ig, channel, clock = world
    message = direct(server, ig, "hola", NOW - timedelta(hours=2))

    channel.reply(message, "Hola, ¿en qué le ayudamos?", private=False)
    clock.advance(timedelta(hours=30))
    with pytest.raises(OutsideWindow, match="24 horas"):
        channel.reply(message, "¿Sigue ahí?", private=False)
    channel.human_agent_tag = True
    with pytest.raises(OutsideWindow, match="solo una persona"):  # the responder's own
        channel.reply(message, "¿Sigue ahí?", private=False)
    channel.reply(message, "Le escribe una persona del equipo.", private=False, by_person=True)
    clock.advance(timedelta(days=7))
    with pytest.raises(OutsideWindow, match="7 días"):
        channel.reply(message, "Tarde.", private=False, by_person=True)

    sent = server.control("GET", "state")["instagram"]["sent"]
    assert [s["tag"] for s in sent] == [None, "HUMAN_AGENT"]


def test_the_simulator_refuses_a_message_outside_the_window_with_the_window_subcode(world):
    server, ig, channel, _clock = world
    message = direct(server, ig, "hola", NOW - timedelta(hours=30))
    refused = graph(
        server,
        "POST",
        f"{IG_USER_ID}/messages",
        json={"recipient": {"id": message.author_id}, "message": {"text": "hola"},
              "messaging_type": "RESPONSE"},
    )  # fmt: skip
    # An Incoming whose time we do not know (the window judged too late by the network):
    late = Incoming("instagram", "message", message.remote_id, message.author_id, "", "hola", NOW)

    assert refused.json()["error"]["error_subcode"] == 2534022
    with pytest.raises(OutsideWindow, match="fuera de la ventana"):
        channel.reply(late, "hola", private=False)


# --- figures ---------------------------------------------------------------------------------


def test_insights_come_in_the_documented_shape_and_deprecated_metrics_fail_the_request(world):
    server, ig, channel, _ = world
    reel = add_published_media(ig, "Reel", NOW, views=30, reach=12)

    answer = graph(server, "GET", f"{reel.id}/insights", params={"metric": "reach,views"})
    for gone in ("impressions", "plays", "video_views"):
        refused = graph(server, "GET", f"{reel.id}/insights", params={"metric": f"reach,{gone}"})
        error = refused.json()["error"]
        assert refused.status_code == 400 and error["code"] == 100
        assert f"the {gone} metric is no longer supported" in error["message"]

    assert shape(answer.json()) == shape(contract("instagram_media_insights.json"))
    (sample,) = channel.metrics([reel.id])
    assert (sample.reach, sample.views) == (12, 30)


def test_metrics_batch_fifty_media_a_call_and_a_story_or_a_deleted_media_never_fails_the_rest(
    world,
):
    server, ig, channel, _ = world
    media = [
        add_published_media(ig, f"Reel {n}", NOW, views=n, reach=n, like_count=1, saved=2)
        for n in range(60)
    ]
    story = add_published_media(ig, "Historia", NOW, product_type="STORY", views=7, reach=5)
    ids = [m.id for m in media] + [story.id, "17999999999999999"]

    samples = {sample.remote_id: sample for sample in channel.metrics(ids)}
    calls = server.control("GET", "state")["instagram"]["calls"]

    assert len(samples) == 61 and "17999999999999999" not in samples
    assert samples[media[5].id].reactions == 1 and samples[media[5].id].extra == {"saved": 2}
    assert (samples[story.id].views, samples[story.id].reactions) == (7, None)
    assert calls["POST / (batch)"] == 2  # 62 media: 50 + 12
    assert calls["GET /{ig-media-id}/insights"] == 2  # the story and the deleted one, alone
    assert not set(MEDIA_METRICS) & set(DEPRECATED_METRICS)  # never asked


def test_the_simulators_own_figures_are_steady_agree_everywhere_and_grow_with_comments(world):
    # A media nobody set figures for: the audience the simulator makes up (walk20 #2: the demo's
    # Instagram read all zeros in the report).
    server, ig, channel, _ = world
    reel = add_published_media(ig, "Reel: cuidemos el agua", NOW)
    other = add_published_media(ig, "Otro reel", NOW)

    def listed(media_id: str) -> dict:
        page = graph(server, "GET", f"{IG_USER_ID}/media", params={"fields": "id,like_count"})
        return next(item for item in page.json()["data"] if item["id"] == media_id)

    (before,) = channel.metrics([reel.id])
    again = channel.metrics([reel.id])[0]
    comment(server, "¡Qué buen video!", on=reel.id)
    comment(server, "¿Y en mi barrio?", author="Luis", on=reel.id)
    (after,) = channel.metrics([reel.id])

    assert before.views and before.reach and before.reactions is not None
    assert 0 < before.reach <= before.views
    assert (again.views, again.reach, again.reactions) == (
        before.views,
        before.reach,
        before.reactions,
    )
    assert after.views == before.views + 80 and after.reactions == before.reactions + 2
    assert listed(reel.id)["like_count"] == after.reactions  # one answer for both reads
    assert channel.metrics([other.id])[0].views != after.views  # seeded by the media's id

    # The simulator's file shows the figures read, and a restart keeps them the world's own.
    saved = snapshot({"instagram": ig})
    [shown] = [m for m in saved["redes"]["instagram"]["media"] if m["id"] == reel.id]
    assert (shown["views"], shown["like_count"]) == (after.views, after.reactions)
    fresh = InstagramWorld(FixedClock(NOW))
    restore({"instagram": fresh}, json.loads(json.dumps(saved)))
    fresh.comments.clear()
    assert fresh.figures(fresh.media[reel.id])["views"] == before.views  # not frozen at 2 comments


# --- webhook and poll: stored once ---------------------------------------------------------


def test_a_comment_that_came_by_webhook_and_by_poll_is_stored_once(world, database):
    server, ig, channel, _ = world
    settings = WebhookConfig(
        verify_token=VERIFY_TOKEN,
        app_secret=APP_SECRET,
        max_bytes=64 * 1024,
        accounts={"instagram": IG_USER_ID},
        sandbox=True,
    )
    reel = add_published_media(ig, "Reel", NOW)
    with WebhookServer(settings, database, FixedClock(NOW), port=0) as receiver:
        subscribe_to_sandbox(server.url, receiver.url, VERIFY_TOKEN)
        item = comment(server, "¿A qué hora vuelve el agua?", on=reel.id)
        assert [hook["status"] for hook in item["webhooks"]] == [200]
    batch = channel.poll(None)
    with database.session(write=True) as session:
        new = store_interactions(session.connection(), batch.items, NOW)
    with database.session() as session:
        rows = session.execute(sa.select(Interaction.remote_id, Interaction.network)).all()

    assert new == 0
    assert rows == [(item["id"], "instagram")]


def test_our_own_comments_and_another_account_s_events_are_not_taken_from_the_webhook():
    body = contract("instagram_webhook_comment.json")
    ours = json.loads(json.dumps(body))
    ours["entry"][0]["changes"][0]["value"]["from"]["id"] = "17841405822304914"

    other = parse_delivery(body, NOW, {"instagram": "17841400000000999"})
    own = parse_delivery(ours, NOW, {"instagram": "17841405822304914"})

    assert other.items == [] and other.ignored == 1
    assert own.items == [] and own.ignored == 1


def test_a_direct_message_longer_than_instagram_takes_is_refused_before_any_call(world):
    server, ig, channel, _ = world
    message = direct(server, ig, "hola", NOW)
    before = channel.session.calls

    with pytest.raises(Rejected, match="1000 bytes"):
        channel.reply(message, "á" * 501, private=False)  # 501 characters, 1,002 bytes

    assert channel.session.calls == before


# --- the simulator's saved world ------------------------------------------------------------


def test_a_restarted_simulator_keeps_instagram_s_comments_hidden_state_and_private_replies(
    tmp_path,
):
    path = tmp_path / "simulador.json"
    with SandboxServer(state_path=path) as first:
        reel = first.control("POST", "posts", {"network": "instagram", "posts": [{"text": "R"}]})
        asked = comment(first, "mi cuenta es 123456", on=reel["ids"][0])["id"]
        graph(first, "POST", asked, params={"hide": "true"})
        private = {"recipient": {"comment_id": asked}, "message": {"text": "Le escribimos."}}
        assert graph(first, "POST", f"{IG_USER_ID}/messages", json=private).status_code == 200
        message = first.control(
            "POST", "citizen", {"network": "instagram", "kind": "message", "text": "hola"}
        )

    with SandboxServer(state_path=path) as second:
        state = second.control("GET", "state")["instagram"]
        again = graph(second, "POST", f"{IG_USER_ID}/messages", json=private)
        answer = {"recipient": {"id": message["from"]["id"]}, "message": {"text": "Hola"}}
        direct_ok = graph(second, "POST", f"{IG_USER_ID}/messages", json=answer)

    assert [post["id"] for post in state["posts"]] == reel["ids"]
    assert state["hidden"] == [asked] and len(state["sent"]) == 1
    assert again.json()["error"]["code"] == 10  # its one private reply is still used
    assert direct_ok.status_code == 200  # the conversation came back with its window


def test_the_channels_halves_name_no_method_alike():
    """InstagramChannel is made of halves written apart: one name in two would let one
    silently replace the other (a poll that lists media for the publishing limit)."""
    from channels.meta.instagram_account import AccountMedia
    from channels.meta.instagram_publishing import InstagramPublishing
    from channels.meta.instagram_reading import InstagramReading

    def own(cls) -> set[str]:
        return {name for klass in cls.__mro__ if klass is not object for name in vars(klass)
                if callable(vars(klass)[name]) and not name.startswith("__")}  # fmt: skip

    assert own(InstagramPublishing) & own(InstagramReading) == set()
    assert AccountMedia in InstagramPublishing.__mro__
