"""The Facebook Page adapter, through pyfacebook over HTTP, against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from media_files import JPEG, MP4, PNG, media_file

from channels.base import AuthFailed, Incoming, Outgoing, Rejected, Transient
from channels.meta.facebook import FacebookChannel
from channels.sandbox.graph_world import APP_ID, PAGE_ID


@pytest.fixture
def facebook(sandbox) -> FacebookChannel:
    return FacebookChannel(PAGE_ID, "token-de-prueba", sandbox.url, timeout=3.0, app_id=APP_ID)


def state(sandbox) -> dict:
    return sandbox.control("GET", "state")["facebook"]


def comment(
    sandbox, text: str, author: str = "Ana Pérez", on: str | None = None, at: str | None = None
) -> str:
    body = {
        "network": "facebook",
        "kind": "comment",
        "text": text,
        "author": author,
        "on": on,
        "at": at,
    }
    return sandbox.control("POST", "citizen", body)["id"]


def message(sandbox, text: str, author: str = "Luis Gómez", at: str | None = None) -> str:
    body = {"network": "facebook", "kind": "message", "text": text, "author": author, "at": at}
    return sandbox.control("POST", "citizen", body)["id"]


def test_publish_text_returns_the_post_id_and_its_link(facebook, sandbox):
    receipt = facebook.publish(
        Outgoing("corte-01", "Mañana habrá corte programado en el barrio Centro.")
    )

    posts = state(sandbox)["posts"]
    assert [post["text"] for post in posts] == [
        "Mañana habrá corte programado en el barrio Centro."
    ]
    assert receipt.remote_id == posts[0]["id"]
    assert receipt.url and receipt.url.startswith("https://www.facebook.com/")


def test_publish_one_photo_is_one_post_with_its_caption(facebook, sandbox, tmp_path: Path):
    photo = media_file(tmp_path, "ahorro.png", PNG)

    receipt = facebook.publish(Outgoing("ahorro-01", "Cada gota cuenta", (photo,)))

    [post] = state(sandbox)["posts"]
    assert post["id"] == receipt.remote_id
    assert post["text"] == "Cada gota cuenta"
    assert [m["mime_type"] for m in post["media"]] == ["image/png"]


def test_several_photos_go_out_as_one_post(facebook, sandbox, tmp_path: Path):
    photos = tuple(media_file(tmp_path, f"foto-{n}.jpg", JPEG) for n in range(3))

    receipt = facebook.publish(Outgoing("obras-01", "Avance de las obras", photos))

    [post] = state(sandbox)["posts"]
    assert post["id"] == receipt.remote_id
    assert len(post["media"]) == 3
    assert state(sandbox)["calls"]["POST /{page-id}/photos"] == 3
    assert state(sandbox)["calls"]["POST /{page-id}/feed"] == 1


def test_publish_video(facebook, sandbox, tmp_path: Path):
    video = media_file(tmp_path, "lavado-tanques.mp4", MP4)

    receipt = facebook.publish(Outgoing("video-01", "Así se lava un tanque", (video,)))

    [post] = state(sandbox)["posts"]
    assert post["id"] == receipt.remote_id
    assert post["media"][0]["type"] == "video"


def test_a_file_facebook_does_not_take_is_rejected_before_any_call(
    facebook, sandbox, tmp_path: Path
):
    not_an_image = media_file(tmp_path, "factura.jpg", b"%PDF-1.7 esto es un pdf")
    too_big = media_file(tmp_path, "grande.png", PNG, size=5 * 1024 * 1024)

    with pytest.raises(Rejected) as wrong_type:
        facebook.publish(Outgoing("x", "texto", (not_an_image,)))
    with pytest.raises(Rejected) as wrong_size:
        facebook.publish(Outgoing("y", "texto", (too_big,)))

    assert "«factura.jpg» no es una imagen ni un video" in wrong_type.value.reason
    assert "el límite es 4 MB" in wrong_size.value.reason
    assert state(sandbox)["calls"] == {}


def test_find_published_finds_the_post_by_its_text(facebook):
    since = datetime.now(UTC) - timedelta(minutes=5)
    receipt = facebook.publish(Outgoing("p", "Horario de atención  navideño"))

    found = facebook.find_published(Outgoing("p", "Horario de atención navideño"), since)
    missing = facebook.find_published(Outgoing("q", "Otro texto"), since)

    assert found is not None and found.remote_id == receipt.remote_id
    assert missing is None


def test_poll_returns_new_comments_replies_and_messages_once(facebook, sandbox):
    post = facebook.publish(Outgoing("p", "Corte programado el martes")).remote_id
    first = comment(sandbox, "¿A qué hora vuelve el agua?", on=post)
    reply_to_first = comment(sandbox, "Yo tampoco tengo agua", author="Marta", on=first)
    inbox = message(sandbox, "Buenas, no me llegó la factura")

    batch = facebook.poll(None)
    again = facebook.poll(batch.cursor)

    by_id = {item.remote_id: item for item in batch.items}
    assert set(by_id) == {first, reply_to_first, inbox}
    assert by_id[first].kind == "comment" and by_id[first].thread_id == post
    assert by_id[first].parent_id == post
    assert by_id[reply_to_first].parent_id == first
    assert by_id[first].author_name == "Ana Pérez"
    assert by_id[inbox].kind == "message"
    assert by_id[inbox].text == "Buenas, no me llegó la factura"
    assert again.items == []


def test_our_own_replies_are_not_read_back_as_citizens(facebook, sandbox):
    post = facebook.publish(Outgoing("p", "Aviso")).remote_id
    comment(sandbox, "gracias", on=post)
    batch = facebook.poll(None)
    [citizen] = batch.items

    facebook.reply(citizen, "Con gusto, estamos para servirle.", private=False)
    facebook.reply(
        Incoming(**{**citizen.__dict__, "kind": "comment"}),
        "Le escribimos en privado.",
        private=True,
    )

    assert facebook.poll(batch.cursor).items == []


def test_each_comment_comes_back_exactly_once_across_successive_cursors(facebook, sandbox):
    post = facebook.publish(Outgoing("p", "Aviso de mantenimiento")).remote_id
    written: list[str] = []
    seen: list[str] = []
    cursor = None
    for round_number in range(6):
        # Several in the same second, as citizens do when a cut is announced.
        written += [comment(sandbox, f"comentario {round_number}-{n}", on=post) for n in range(4)]
        if round_number % 2:
            written.append(
                message(sandbox, f"mensaje {round_number}", author=f"Vecino {round_number}")
            )
        batch = facebook.poll(cursor)
        seen += [item.remote_id for item in batch.items]
        cursor = batch.cursor

    assert sorted(seen) == sorted(written)
    assert len(seen) == len(set(seen))


def test_polling_300_posts_costs_the_same_calls_as_3(sandbox):
    now = datetime.now(UTC)

    def idle_poll_calls(history: int) -> int:
        sandbox.control("POST", "reset")
        # The Page's history: two posts a day, most of them older than the comment window.
        posts = [
            {"text": f"publicación {n}", "created_at": (now - timedelta(hours=12 * n)).isoformat()}
            for n in range(history)
        ]
        sandbox.control("POST", "posts", {"network": "facebook", "posts": posts})
        channel = FacebookChannel(PAGE_ID, "token", sandbox.url)
        cursor = channel.poll(None).cursor
        return channel.poll(cursor).calls

    assert idle_poll_calls(300) == idle_poll_calls(3) == 2


def test_reply_in_public_under_the_comment(facebook, sandbox):
    post = facebook.publish(Outgoing("p", "Aviso")).remote_id
    comment(sandbox, "¿Dónde pago?", on=post)
    [citizen] = facebook.poll(None).items

    receipt = facebook.reply(citizen, "Puede pagar en la oficina principal.", private=False)

    [reply] = state(sandbox)["replies"]
    assert reply == {
        "id": receipt.remote_id,
        "to": citizen.remote_id,
        "text": "Puede pagar en la oficina principal.",
        "public": True,
    }


def test_private_reply_to_a_comment_goes_once(facebook, sandbox):
    post = facebook.publish(Outgoing("p", "Aviso")).remote_id
    comment(sandbox, "Mi cuenta tiene un cobro doble", on=post)
    [citizen] = facebook.poll(None).items

    facebook.reply(citizen, "Le escribimos por interno para revisar su cuenta.", private=True)
    with pytest.raises(Rejected) as second:
        facebook.reply(citizen, "Otra vez", private=True)

    [reply] = state(sandbox)["replies"]
    assert reply["public"] is False and reply["to"] == citizen.remote_id
    assert "fuera de la ventana" in second.value.reason


def test_messenger_replies_outside_the_24_hour_window_are_rejected_with_the_reason(
    facebook, sandbox
):
    written = datetime.now(UTC) - timedelta(hours=30)
    message(sandbox, "¿Siguen sin agua en La Ceiba?", at=written.isoformat())
    reader = FacebookChannel(PAGE_ID, "token", sandbox.url, first_poll_lookback=timedelta(days=2))
    [citizen] = reader.poll(None).items

    with pytest.raises(Rejected) as caught:
        facebook.reply(citizen, "Hola", private=True)

    assert "24 horas desde el último mensaje del ciudadano" in caught.value.reason
    assert state(sandbox)["replies"] == []


def test_metrics_skip_deleted_posts_and_fetch_old_ones_on_their_own(facebook, sandbox):
    old = (datetime.now(UTC) - timedelta(days=200)).isoformat()
    [recent] = sandbox.control(
        "POST", "posts", {"network": "facebook", "posts": [{"text": "nueva"}]}
    )["ids"]
    [older] = sandbox.control(
        "POST", "posts", {"network": "facebook", "posts": [{"text": "vieja", "created_at": old}]}
    )["ids"]

    samples = facebook.metrics([recent, f"{PAGE_ID}_999", older])

    assert [sample.remote_id for sample in samples] == [recent, older]


def test_reply_to_a_message_within_the_window(facebook, sandbox):
    message(sandbox, "Quiero un acuerdo de pago")
    [citizen] = facebook.poll(None).items

    facebook.reply(citizen, "Con gusto. Acérquese a la oficina con su cédula.", private=False)

    [reply] = state(sandbox)["replies"]
    assert reply["public"] is False and reply["to"] == citizen.author_id


def test_metrics_of_120_posts_in_3_calls(facebook, sandbox):
    posts = [{"text": f"publicación {n}"} for n in range(120)]
    ids = sandbox.control("POST", "posts", {"network": "facebook", "posts": posts})["ids"]

    samples = facebook.metrics(ids)

    assert [sample.remote_id for sample in samples] == ids
    assert state(sandbox)["calls"] == {"GET /{page-id}/published_posts": 3}
    assert all(s.views and s.reach and s.reach <= s.views for s in samples)
    assert all(
        s.reactions is not None and s.comments == 0 and s.shares is not None for s in samples
    )


@pytest.mark.parametrize(
    ("fault", "error", "wait"),
    [
        ({"status": 429, "retry_after": 120}, Transient, 120),
        ({"status": 500}, Transient, 30),
        ({"status": 503}, Transient, 60),
        ({"status": "timeout", "delay": 4}, Transient, 30),
        ({"status": 401}, AuthFailed, None),
    ],
)
def test_network_failures_become_the_three_errors(facebook, sandbox, fault, error, wait):
    sandbox.control("POST", "faults", {"network": "facebook", "count": 1, **fault})

    with pytest.raises(error) as caught:
        facebook.poll(None)

    if wait is not None:
        assert caught.value.retry_after == wait
    assert facebook.poll(None).items == []  # the fault was for one call only


def test_more_than_one_page_of_new_comments_on_a_post_all_arrive(facebook, sandbox):
    post = facebook.publish(Outgoing("p", "Suspensión del servicio")).remote_id
    cursor = facebook.poll(None).cursor
    written = [comment(sandbox, f"sin agua {n}", author=f"Vecino {n}", on=post) for n in range(60)]

    batch = facebook.poll(cursor)

    assert sorted(item.remote_id for item in batch.items) == sorted(written)
    assert facebook.poll(batch.cursor).items == []


def test_more_than_one_page_of_messages_in_a_conversation_all_arrive(facebook, sandbox):
    cursor = facebook.poll(None).cursor
    written = [message(sandbox, f"mensaje {n}", author="Luis Gómez") for n in range(40)]

    batch = facebook.poll(cursor)

    assert [item.remote_id for item in batch.items] == written  # in the order written


def test_a_comment_that_shows_up_late_is_still_read(facebook, sandbox):
    post = facebook.publish(Outgoing("p", "Aviso")).remote_id
    comment(sandbox, "primero", on=post)
    cursor = facebook.poll(None).cursor
    # Indexed late: written before the newest one already read.
    late = comment(
        sandbox, "llegó tarde", on=post, at=(datetime.now(UTC) - timedelta(minutes=2)).isoformat()
    )

    batch = facebook.poll(cursor)

    assert [item.remote_id for item in batch.items] == [late]


def test_a_missing_media_file_is_rejected_not_a_crash(facebook, tmp_path: Path):
    with pytest.raises(Rejected) as caught:
        facebook.publish(Outgoing("p", "texto", (tmp_path / "no-existe.png",)))

    assert "no-existe.png" in caught.value.reason


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            {"code": 4, "message": "(#4) Application request limit reached", "is_transient": True},
            Transient,
        ),
        ({"code": 17, "message": "(#17) User request limit reached"}, Transient),
        ({"code": 613, "message": "Calls to this api have exceeded the rate limit."}, Transient),
        ({"code": 102, "message": "Session key invalid"}, AuthFailed),
        ({"code": 200, "message": "(#200) Permissions error"}, AuthFailed),
        ({"code": 100, "message": "(#100) Invalid parameter"}, Rejected),
        ({"code": 368, "message": "The action attempted has been deemed abusive"}, Rejected),
    ],
)
def test_graph_error_codes_map_to_the_three_errors(facebook, error, expected):
    from pyfacebook.exceptions import FacebookError

    assert isinstance(
        facebook._translate(FacebookError({"error": {"type": "OAuthException", **error}})), expected
    )


def test_a_token_repeated_in_a_graph_message_is_never_passed_on(sandbox):
    from pyfacebook.exceptions import FacebookError

    channel = FacebookChannel(PAGE_ID, "EAABsecretoDeLaPagina", sandbox.url)
    error = FacebookError(
        {"error": {"code": 190, "message": "Malformed access token EAABsecretoDeLaPagina"}}
    )

    translated = channel._translate(error)

    assert isinstance(translated, AuthFailed)
    assert "EAABsecretoDeLaPagina" not in str(translated)


@pytest.mark.parametrize("operation", ["publish", "find_published", "reply", "metrics"])
def test_every_operation_maps_a_server_error_to_transient(facebook, sandbox, operation):
    post = facebook.publish(Outgoing("p", "Aviso")).remote_id
    comment(sandbox, "¿Y el agua?", on=post)
    [citizen] = facebook.poll(None).items
    calls = {
        "publish": lambda: facebook.publish(Outgoing("q", "Otro aviso")),
        "find_published": lambda: facebook.find_published(
            Outgoing("p", "Aviso"), datetime.now(UTC) - timedelta(hours=1)
        ),
        "reply": lambda: facebook.reply(citizen, "Pronto", private=False),
        "metrics": lambda: facebook.metrics([post]),
    }
    sandbox.control("POST", "faults", {"network": "facebook", "status": 500, "count": 1})

    with pytest.raises(Transient):
        calls[operation]()


def test_a_comment_can_be_hidden_but_not_a_message(facebook, sandbox):
    post = facebook.publish(Outgoing("p", "Aviso")).remote_id
    comment(sandbox, "mi cédula es 1098765432", on=post)
    [citizen] = facebook.poll(None).items

    facebook.hide(citizen)

    assert state(sandbox)["hidden"] == [citizen.remote_id]
    message = Incoming("facebook", "message", "m1", "u1", "Ana", "hola", datetime.now(UTC))
    with pytest.raises(Rejected):
        facebook.hide(message)


def spoil(sandbox, kind: str, remote_id: str, **fields) -> None:
    """What Graph may send one day: an item with a field missing or of the wrong type."""
    world = sandbox.sandbox
    with world.lock:
        if kind == "comment":
            item = world.facebook.comments[remote_id]
        else:
            item = next(
                found
                for conversation in world.facebook.conversations.values()
                for found in conversation.messages
                if found.id == remote_id
            )
        for name, value in fields.items():
            setattr(item, name, value)


def test_unreadable_comments_and_messages_are_set_aside_and_the_others_come(facebook, sandbox):
    post = facebook.publish(Outgoing("p", "Corte programado el martes")).remote_id
    without_id = comment(sandbox, "sin id", on=post)
    good_comment = comment(sandbox, "¿A qué hora vuelve el agua?", author="Marta", on=post)
    odd_message = message(sandbox, "se cambia abajo", author="Rosa")
    good_message = message(sandbox, "No me llegó la factura", author="Pedro")
    spoil(sandbox, "comment", without_id, id=None)
    spoil(sandbox, "message", odd_message, text=["lista"])

    batch = facebook.poll(None)
    again = facebook.poll(batch.cursor)

    assert sorted(item.remote_id for item in batch.items) == sorted([good_comment, good_message])
    reasons = {(aside.kind, aside.remote_id): aside.reason for aside in batch.set_aside}
    assert set(reasons) == {("comment", None), ("message", odd_message)}
    assert "id falta" in reasons["comment", None]
    assert "message no es texto (llegó una lista)" in reasons["message", odd_message]
    assert again.items == []
