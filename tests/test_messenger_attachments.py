"""A photo sent on Messenger reaches the office with its file, polled or pushed: one reading."""

from __future__ import annotations

import pytest

from channels.base import Attachment
from channels.meta.facebook import FacebookChannel
from channels.meta.facebook_reading import graph_attachments, messenger_attachment
from channels.sandbox.graph_world import PAGE_ID
from channels.sandbox.webhooks import messenger_message_body


def facebook(sandbox) -> FacebookChannel:
    return FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=3)


def send(sandbox, **fields) -> dict:
    body = {"network": "facebook", "kind": "message", "author": "Luis Gómez", **fields}
    return sandbox.control("POST", "citizen", body)


@pytest.mark.parametrize(
    ("media", "kind", "mime_type"),
    [("image", "image", "image/jpeg"), ("video", "video", "video/mp4"),
     ("document", "document", "application/pdf")],
)  # fmt: skip
def test_a_file_sent_on_messenger_is_polled_with_its_attachment(sandbox, media, kind, mime_type):
    sent = send(sandbox, text="Así está la fuga", media=media)

    [item] = facebook(sandbox).poll(None).items

    assert item.remote_id == sent["id"] and item.text == "Así está la fuga"
    [attachment] = item.attachments
    assert (attachment.kind, attachment.mime_type) == (kind, mime_type)
    assert attachment.media_id.startswith("https://scontent.xx.fbcdn.net/")


def test_a_photo_alone_is_polled_with_no_text(sandbox):
    send(sandbox, media="image")

    [item] = facebook(sandbox).poll(None).items

    assert item.text == "" and [a.kind for a in item.attachments] == ["image"]


def test_poll_and_webhook_read_the_same_photo_the_same_way(sandbox):
    send(sandbox, media="image")
    [item] = facebook(sandbox).poll(None).items
    conversation = next(iter(sandbox.sandbox.facebook.conversations.values()))

    pushed = messenger_message_body(conversation.messages[-1])["attachments"]
    from_webhook = tuple(
        messenger_attachment(found["type"], found["payload"]["url"]) for found in pushed
    )

    assert [(a.kind, a.media_id) for a in from_webhook] == [
        (a.kind, a.media_id) for a in item.attachments
    ]


def test_a_message_without_files_has_no_attachments(sandbox):
    send(sandbox, text="hola")

    [item] = facebook(sandbox).poll(None).items

    assert item.attachments == ()


def test_graph_attachments_read_the_recorded_shape_and_skip_what_is_not_one():
    # Recorded GET /{message-id}?fields=attachments answer (sns-sdks/python-facebook testdata
    # facebook/apidata/messages/message_info.json), trimmed.
    edge = {
        "data": [
            {"id": "651143212510248", "mime_type": "image/jpeg", "name": "image-651143212510248",
             "size": 54542, "image_data": {"width": 1920, "height": 1213,
                                           "url": "https://scontent-a.fbcdn.net/x.jpg"}},
            "not an attachment",
            {"id": "9", "mime_type": "application/pdf", "file_url": "https://cdn.fbsbx.com/f.pdf"},
        ],
        "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}},
    }  # fmt: skip

    assert graph_attachments(edge) == (
        Attachment("image", "https://scontent-a.fbcdn.net/x.jpg", "image/jpeg"),
        Attachment("document", "https://cdn.fbsbx.com/f.pdf", "application/pdf"),
    )
    assert graph_attachments("nonsense") == graph_attachments(None) == ()


def test_the_simulator_refuses_media_on_a_comment(sandbox):
    import requests

    sandbox.control("POST", "posts", {"network": "facebook", "posts": [{"text": "Aviso"}]})
    answer = requests.post(
        f"{sandbox.url}/_sandbox/citizen",
        json={"network": "facebook", "kind": "comment", "text": "x", "media": "image"},
        timeout=5,
    )

    assert answer.status_code == 400
    assert "solo los mensajes" in answer.json()["error"]
