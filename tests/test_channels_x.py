"""The X adapter, through tweepy over HTTP, against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from media_files import JPEG, MP4, PNG, media_file

from channels.base import AuthFailed, Outgoing, Rejected, Transient
from channels.sandbox import Sandbox, SandboxServer
from channels.sandbox.x_world import ACCOUNT_ID
from channels.x import XChannel, XCredentials
from conectados.clock import FixedClock

KEYS = XCredentials("clave-app", "secreto-app", "token-cuenta", "secreto-cuenta")


@pytest.fixture
def x(sandbox) -> XChannel:
    return XChannel(KEYS, ACCOUNT_ID, sandbox.url, timeout=3.0, sleep=lambda seconds: None)


def state(sandbox) -> dict:
    return sandbox.control("GET", "state")["x"]


def citizen(sandbox, kind: str, text: str, author: str = "Ana Pérez", on: str | None = None) -> str:
    body = {"network": "x", "kind": kind, "text": text, "author": author, "on": on}
    return sandbox.control("POST", "citizen", body)["id"]


def test_publish_text_returns_the_post_id_and_its_link(x, sandbox):
    receipt = x.publish(Outgoing("corte-01", "Mañana hay corte programado en el barrio Centro."))

    [post] = state(sandbox)["posts"]
    assert post["id"] == receipt.remote_id
    assert receipt.url == f"https://x.com/i/web/status/{receipt.remote_id}"


def test_images_go_up_through_the_v2_media_endpoints(x, sandbox, tmp_path: Path):
    images = (media_file(tmp_path, "a.png", PNG), media_file(tmp_path, "b.jpg", JPEG))

    x.publish(Outgoing("ahorro-01", "Cada gota cuenta", images))

    [post] = state(sandbox)["posts"]
    calls = state(sandbox)["calls"]
    assert [m["mime_type"] for m in post["media"]] == ["image/png", "image/jpeg"]
    assert calls["POST /2/media/upload/initialize"] == 2
    assert calls["POST /2/media/upload/:id/append"] == 2
    assert calls["POST /2/media/upload/:id/finalize"] == 2
    assert calls["POST /2/tweets"] == 1


def test_video_waits_for_processing_before_posting(x, sandbox, tmp_path: Path):
    video = media_file(tmp_path, "lavado.mp4", MP4, size=9 * 1024 * 1024)  # three chunks

    x.publish(Outgoing("video-01", "Así se lava un tanque", (video,)))

    [post] = state(sandbox)["posts"]
    calls = state(sandbox)["calls"]
    assert post["media"][0]["type"] == "video"
    assert calls["POST /2/media/upload/:id/append"] == 3
    assert calls["GET /2/media/upload"] >= 1


def test_more_than_four_images_or_images_with_video_are_rejected(x, sandbox, tmp_path: Path):
    five = tuple(media_file(tmp_path, f"{n}.png", PNG) for n in range(5))
    mixed = (media_file(tmp_path, "v.mp4", MP4), media_file(tmp_path, "i.png", PNG))

    with pytest.raises(Rejected) as too_many:
        x.publish(Outgoing("a", "texto", five))
    with pytest.raises(Rejected) as both:
        x.publish(Outgoing("b", "texto", mixed))

    assert "hasta 4 imágenes" in too_many.value.reason
    assert "no ambos" in both.value.reason
    assert state(sandbox)["calls"] == {}


def test_the_same_text_as_an_old_post_is_rejected_as_duplicate(x, sandbox):
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    sandbox.control(
        "POST",
        "posts",
        {"network": "x", "posts": [{"text": "Recuerde pagar a tiempo", "created_at": yesterday}]},
    )

    with pytest.raises(Rejected) as caught:
        x.publish(Outgoing("b", "Recuerde pagar a tiempo"))

    assert "dos veces el mismo texto" in caught.value.reason


def test_a_duplicate_right_after_a_lost_answer_is_our_own_post(x, sandbox):
    """The first call went through but its answer was lost; X then refuses the retry."""
    first = x.publish(Outgoing("a", "Corte programado el jueves"))

    again = x.publish(Outgoing("a", "Corte programado el jueves"))

    assert again.remote_id == first.remote_id
    assert len(state(sandbox)["posts"]) == 1


def test_find_published_finds_the_post_by_its_text_even_with_links_rewritten(x):
    since = datetime.now(UTC) - timedelta(minutes=5)
    receipt = x.publish(Outgoing("p", "Consulte su factura en https://t.co/abc123"))

    found = x.find_published(
        Outgoing("p", "Consulte su factura en https://acueducto.example/factura"), since
    )
    missing = x.find_published(Outgoing("q", "otro texto"), since)

    assert found is not None and found.remote_id == receipt.remote_id
    assert missing is None


def test_poll_returns_mentions_and_direct_messages_once(x, sandbox):
    post = x.publish(Outgoing("p", "Corte programado el martes")).remote_id
    mention = citizen(sandbox, "mention", "¿a qué hora vuelve el agua?", on=post)
    direct = citizen(sandbox, "message", "Buenas, no me llegó la factura", author="Luis Gómez")

    batch = x.poll(None)
    again = x.poll(batch.cursor)

    by_id = {item.remote_id: item for item in batch.items}
    assert set(by_id) == {mention, direct}
    assert by_id[mention].kind == "mention" and by_id[mention].parent_id == post
    assert by_id[mention].author_name == "Ana Pérez"
    assert by_id[direct].kind == "message" and by_id[direct].author_name == "Luis Gómez"
    assert again.items == []


def test_each_mention_and_message_comes_back_exactly_once(x, sandbox):
    written, seen, cursor = [], [], None
    for round_number in range(5):
        written += [
            citizen(sandbox, "mention", f"mención {round_number}-{n}", author=f"V{n}")
            for n in range(3)
        ]
        written.append(
            citizen(sandbox, "message", f"mensaje {round_number}", author=f"V{round_number}")
        )
        batch = x.poll(cursor)
        seen += [item.remote_id for item in batch.items]
        cursor = batch.cursor

    assert sorted(seen) == sorted(written)


def test_our_replies_are_not_read_back_as_citizens(x, sandbox):
    written = {
        citizen(sandbox, "message", "¿Dónde pago?"),
        citizen(sandbox, "mention", "gracias por el aviso"),
    }
    batch = x.poll(None)
    assert {item.remote_id for item in batch.items} == written  # there is something to answer

    for item in batch.items:
        x.reply(item, "Con gusto.", private=item.kind == "message")

    assert len(state(sandbox)["replies"]) == 2  # both replies are out there to be read back
    assert x.poll(batch.cursor).items == []


def test_polling_300_posts_costs_the_same_calls_as_3(sandbox):
    def idle_poll_calls(history: int) -> int:
        sandbox.control("POST", "reset")
        posts = [{"text": f"publicación {n}"} for n in range(history)]
        sandbox.control("POST", "posts", {"network": "x", "posts": posts})
        channel = XChannel(KEYS, ACCOUNT_ID, sandbox.url)
        cursor = channel.poll(None).cursor
        return channel.poll(cursor).calls

    assert idle_poll_calls(300) == idle_poll_calls(3) == 2


def test_reply_in_public_and_in_private(x, sandbox):
    mention = citizen(sandbox, "mention", "¿Dónde pago?")
    [item] = x.poll(None).items

    public = x.reply(item, "En la oficina principal o por PSE.", private=False)
    private = x.reply(item, "Le escribimos por mensaje directo.", private=True)

    replies = state(sandbox)["replies"]
    assert replies[0] == {
        "id": public.remote_id,
        "to": mention,
        "text": "En la oficina principal o por PSE.",
        "public": True,
    }
    assert replies[1] == {
        "id": private.remote_id,
        "to": item.author_id,
        "text": "Le escribimos por mensaje directo.",
        "public": False,
    }


def test_metrics_of_500_posts_in_5_calls(x, sandbox):
    ids = sandbox.control(
        "POST", "posts", {"network": "x", "posts": [{"text": f"p{n}"} for n in range(500)]}
    )["ids"]

    samples = x.metrics(ids)

    assert len(samples) == 500
    assert state(sandbox)["calls"] == {"GET /2/tweets": 5}
    assert all(sample.views and sample.views > 0 for sample in samples)


def test_a_rate_limit_waits_until_the_reset_time():
    # The simulator and the adapter share one fixed clock: X's reset time (epoch seconds) less
    # the adapter's "now" is exactly the wait the simulator was told to ask for.
    clock = FixedClock(datetime(2026, 3, 14, 10, 15, tzinfo=UTC))
    with SandboxServer(sandbox=Sandbox(clock)) as sandbox:
        x = XChannel(KEYS, ACCOUNT_ID, sandbox.url, timeout=3.0, clock=clock, sleep=lambda s: None)
        sandbox.control(
            "POST", "faults", {"network": "x", "status": 429, "count": 1, "retry_after": 90}
        )

        with pytest.raises(Transient) as caught:
            x.publish(Outgoing("p", "texto"))

        assert caught.value.retry_after == 90
        assert state(sandbox)["posts"] == []


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 500}, Transient),
        ({"status": 503}, Transient),
        ({"status": "timeout", "delay": 4}, Transient),
        ({"status": 401}, AuthFailed),
    ],
)
def test_network_failures_become_the_three_errors(x, sandbox, fault, error):
    sandbox.control("POST", "faults", {"network": "x", "count": 1, **fault})

    with pytest.raises(error):
        x.poll(None)

    assert x.poll(None).items == []


def test_a_timed_out_publish_may_still_have_happened_and_is_found(x, sandbox):
    """The reason never to retry blind: the network may have done it anyway."""
    sandbox.control("POST", "faults", {"network": "x", "status": "timeout", "count": 1, "delay": 4})
    since = datetime.now(UTC) - timedelta(minutes=1)

    with pytest.raises(Transient):
        x.publish(Outgoing("p", "Aviso importante"))

    assert x.find_published(Outgoing("p", "Aviso importante"), since) is not None


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, {"errors": [{"message": "Invalid media"}], "title": "Invalid Request"}, Rejected),
        (404, {"title": "Not Found Error", "detail": "Could not find"}, Rejected),
        (413, {"title": "Payload Too Large", "detail": "too large"}, Rejected),
        (
            403,
            {
                "title": "Client Forbidden",
                "detail": "client-not-enrolled: not enrolled in a project",
            },
            AuthFailed,
        ),
        (
            403,
            {
                "title": "Forbidden",
                "detail": "Your client app is not configured with the appropriate oauth1 app permissions",
            },
            AuthFailed,
        ),
    ],
)
def test_other_refusals_map_to_rejected_or_auth_failed(status, body, expected):
    import json

    import requests
    import tweepy

    from channels.x_errors import refusal_of, tweepy_error

    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"

    assert isinstance(refusal_of(tweepy_error(response)), expected)
    assert isinstance(tweepy_error(response), tweepy.HTTPException)


def test_faults_during_media_upload_become_transient(x, sandbox, tmp_path: Path):
    sandbox.control("POST", "faults", {"network": "x", "status": 503, "count": 1})

    with pytest.raises(Transient):
        x.publish(Outgoing("p", "con foto", (media_file(tmp_path, "a.png", PNG),)))

    assert state(sandbox)["posts"] == []


@pytest.mark.parametrize("operation", ["find_published", "reply", "metrics"])
def test_every_operation_maps_a_server_error_to_transient(x, sandbox, operation):
    post = x.publish(Outgoing("p", "Aviso")).remote_id
    citizen(sandbox, "mention", "¿Y el agua?", on=post)
    [mention] = x.poll(None).items
    calls = {
        "find_published": lambda: x.find_published(
            Outgoing("p", "Aviso"), datetime.now(UTC) - timedelta(hours=1)
        ),
        "reply": lambda: x.reply(mention, "Pronto", private=False),
        "metrics": lambda: x.metrics([post]),
    }
    sandbox.control("POST", "faults", {"network": "x", "status": 500, "count": 1})

    with pytest.raises(Transient):
        calls[operation]()


def test_a_reply_to_our_post_can_be_hidden_but_not_a_loose_mention(x, sandbox):
    post = x.publish(Outgoing("p", "Corte programado el martes")).remote_id
    reply = citizen(sandbox, "mention", "mi celular es 310 555 1234", on=post)
    citizen(sandbox, "mention", "@acueducto mi cédula es 1098765432")
    items = {item.remote_id: item for item in x.poll(None).items}

    x.hide(items.pop(reply))

    assert state(sandbox)["hidden"] == [reply]
    [loose] = items.values()
    with pytest.raises(Rejected):
        x.hide(loose)


def test_a_direct_message_whose_text_is_not_text_is_set_aside_and_the_others_come(x, sandbox):
    good = citizen(sandbox, "message", "No me llegó la factura", author="Luis Gómez")
    bad = citizen(sandbox, "message", "se cambia abajo", author="Rosa")
    later = citizen(sandbox, "message", "¿Dónde pago?", author="Ana Pérez")
    world = sandbox.sandbox
    with world.lock:
        next(event for event in world.x.dm_events if event.id == bad).text = 3001234567

    batch = x.poll(None)
    again = x.poll(batch.cursor)

    assert sorted(item.remote_id for item in batch.items) == sorted([good, later])
    [aside] = batch.set_aside
    assert (aside.network, aside.kind, aside.remote_id) == ("x", "message", bad)
    assert "text no es texto (llegó un número)" in aside.reason
    assert "3001234567" not in aside.excerpt
    assert again.items == [] and again.set_aside == []  # past it: not read again
