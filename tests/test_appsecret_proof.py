"""appsecret_proof: with Meta's app secret configured every Graph call the Facebook and
WhatsApp adapters make carries a valid proof (the simulator, set to "Require App Secret",
refuses any call without one); without the secret none is sent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from media_files import JPEG, media_file, mp4_video

from channels.base import AuthFailed, ChannelError, Incoming, Outgoing, Rejected
from channels.meta.facebook import FacebookChannel
from channels.meta.graph import appsecret_proof
from channels.meta.whatsapp import WhatsAppChannel
from channels.registry import open_channels
from channels.sandbox.graph_world import APP_ID, PAGE_ID
from channels.sandbox.whatsapp_world import APP_SECRET, PHONE_NUMBER_ID
from conectados.credentials import Credentials
from conectados.settings import Settings

TOKEN = "EAAtoken"


def require_app_secret(sandbox, required: bool = True) -> None:
    sandbox.control("POST", "require_app_secret", {"required": required})


def round_on_meta(sandbox, tmp_path: Path, app_secret: str | None) -> None:
    """Publish (text, photo), poll, reply (comment, Messenger, WhatsApp), hide, figures."""
    facebook = FacebookChannel(
        PAGE_ID, TOKEN, sandbox.url, timeout=3, app_secret=app_secret, app_id=APP_ID
    )
    whatsapp = WhatsAppChannel(
        PHONE_NUMBER_ID, TOKEN, sandbox.url, timeout=3, app_secret=app_secret
    )
    post = facebook.publish(Outgoing("p1", "Corte de agua mañana"))
    photo = media_file(tmp_path, "fuga.jpg", JPEG)
    facebook.publish(Outgoing("p2", "Así quedó la obra", media=[photo]))
    # A horizontal video: the Resumable Upload API's calls are made outside pyfacebook.
    video = media_file(tmp_path, "obra.mp4", mp4_video(30, 1280, 720))
    facebook.publish(Outgoing("p3", "La obra en video", media=[video]))
    for kind in ("comment", "message"):
        sandbox.control(
            "POST",
            "citizen",
            {"network": "facebook", "kind": kind, "text": "¿Hasta cuándo?", "on": post.remote_id},
        )
    items = facebook.poll(None).items
    assert {item.kind for item in items} == {"comment", "message"}
    for item in items:
        facebook.reply(item, "Hasta las 6 p. m.", private=False)
    facebook.hide(next(item for item in items if item.kind == "comment"))
    assert facebook.metrics([post.remote_id])[0].reach
    written = sandbox.control("POST", "citizen", {"network": "whatsapp", "text": "hola"})
    incoming = Incoming(
        "whatsapp", "message", written["id"], written["from"], "Marta", "hola", datetime.now(UTC)
    )
    whatsapp.reply(incoming, "Hola, Marta", private=True)


def graph_requests(sandbox) -> list[dict]:
    return sandbox.control("GET", "requests")["requests"]


def test_with_the_secret_every_call_carries_a_proof_the_simulator_accepts(sandbox, tmp_path):
    require_app_secret(sandbox)

    round_on_meta(sandbox, tmp_path, APP_SECRET)

    made = graph_requests(sandbox)
    assert len(made) >= 10
    assert all(request["appsecret_proof"] and request["status"] == 200 for request in made)


def test_without_the_secret_no_proof_is_sent(sandbox, tmp_path):
    round_on_meta(sandbox, tmp_path, None)

    made = graph_requests(sandbox)
    assert made and not any(request["appsecret_proof"] for request in made)


@pytest.mark.parametrize("network", ["facebook", "whatsapp"])
def test_a_simulator_that_requires_the_secret_refuses_calls_without_it(sandbox, network):
    require_app_secret(sandbox)

    with pytest.raises(ChannelError) as caught:
        if network == "facebook":
            FacebookChannel(PAGE_ID, TOKEN, sandbox.url, timeout=3).publish(Outgoing("p", "Aviso"))
        else:
            written = sandbox.control("POST", "citizen", {"network": "whatsapp", "text": "hola"})
            WhatsAppChannel(PHONE_NUMBER_ID, TOKEN, sandbox.url, timeout=3).reply(
                Incoming("whatsapp", "message", written["id"], written["from"], "M", "hola",
                         datetime.now(UTC)),
                "Hola",
                private=True,
            )  # fmt: skip

    assert isinstance(caught.value, Rejected | AuthFailed)
    assert "Invalid appsecret_proof provided in the API argument" in str(caught.value)


def test_a_wrong_proof_is_refused_even_when_not_required(sandbox):
    answer = requests.post(
        f"{sandbox.url}/v24.0/{PAGE_ID}/feed",
        data={"access_token": TOKEN, "appsecret_proof": appsecret_proof(TOKEN, "otro"),
              "message": "Aviso"},
        timeout=5,
    )  # fmt: skip

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100
    assert answer.json()["error"]["message"] == (
        "Invalid appsecret_proof provided in the API argument"
    )


def test_the_proof_is_the_documented_hmac_of_the_token():
    # Meta's "Secure Requests": hash_hmac('sha256', $access_token, $app_secret), hex.
    assert appsecret_proof("token", "secret") == (
        "e941110e3d2bfe82621f0e3e1434730d7305d106c5f68c87165d0b27a4611a4a"
    )


def test_real_mode_takes_the_app_secret_from_the_webhooks_variable(tmp_path):
    settings = Settings.model_validate(
        {"channels": {"facebook": {"modo": "real", "pagina_id": "123"},
                      "x": {"activo": False}, "whatsapp": {"activo": False}}}
    )  # fmt: skip
    environ = {"CONECTADOS_FACEBOOK_TOKEN": TOKEN, "CONECTADOS_META_APP_SECRET": "s3cr3t"}

    with open_channels(settings, Credentials(environ)) as channels:
        facebook = channels.channels["facebook"]
    environ.pop("CONECTADOS_META_APP_SECRET")
    with open_channels(settings, Credentials(environ)) as channels:
        unsigned = channels.channels["facebook"]

    assert facebook.api.app_secret == "s3cr3t"
    assert unsigned.api.app_secret is None


def test_instagram_calls_carry_the_proof_and_its_upload_needs_none(sandbox, tmp_path):
    from media_files import jpeg_image

    from channels.meta.instagram import InstagramChannel
    from channels.sandbox.instagram_world import IG_USER_ID

    require_app_secret(sandbox)
    instagram = InstagramChannel(
        IG_USER_ID, TOKEN, sandbox.url, timeout=3, media_dir=tmp_path, app_secret=APP_SECRET
    )
    photo = media_file(tmp_path, "gota.jpg", jpeg_image(1080, 1350))
    reel = media_file(tmp_path, "reel.mp4", mp4_video(20, 1080, 1920))
    post = instagram.publish(Outgoing("i1", "Cuide el agua", media=[photo]))
    instagram.publish(Outgoing("i2", "Así se lava un tanque", media=[reel]))
    sandbox.control(
        "POST",
        "citizen",
        {"network": "instagram", "text": "¿Hasta cuándo?", "on": post.remote_id},
    )
    [comment] = instagram.poll(None).items
    instagram.reply(comment, "Hasta las 6 p. m.", private=False)
    instagram.hide(comment)
    assert instagram.metrics([post.remote_id])

    made = graph_requests(sandbox)
    uploads = [r for r in made if "/ig-api-upload/" in r["path"]]
    calls = [r for r in made if "/ig-api-upload/" not in r["path"]]
    assert uploads and all(r["status"] == 200 for r in uploads)  # Meta asks no proof there
    assert len(calls) >= 8
    assert all(r["appsecret_proof"] and r["status"] == 200 for r in calls), calls
