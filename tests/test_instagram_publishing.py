"""Instagram content publishing: containers waited for, published once through crashes and
lost answers, refused with Meta's reason in Spanish, and held back (not failed) by the
account's publishing limit; the simulator answers in Meta's documented shapes."""

from __future__ import annotations

import functools
import os
import random
import threading
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa
from contract_files import contract, contract_file
from media_files import MP4, PNG, jpeg_image, media_file, mp4_video
from pyfacebook.exceptions import FacebookError
from sandbox_channels import channels_for

from channels.base import Held, NotReady, Outgoing, Rejected, Transient
from channels.meta.graph import GRAPH_URL
from channels.meta.instagram import InstagramChannel
from channels.meta.instagram_account import publishing_quota
from channels.meta.instagram_errors import container_refusal, subcode_in
from channels.meta.instagram_publishing import ContainerWait
from channels.sandbox import Sandbox, SandboxServer
from channels.sandbox.instagram_world import IG_USER_ID
from conectados.clock import FixedClock, SystemClock
from conectados.userfiles import MB
from content_calendar.models import Post, Publication, PublicationState
from scheduler.daemon import Daemon
from scheduler.publisher import Publisher, PublishPolicy

ZONE = ZoneInfo("America/Bogota")
START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
DAY = timedelta(days=1)
QUICK = ContainerWait(first=0.01, factor=2, longest=0.05, deadline=5, in_call=0.01)
"""Short waits: the simulator answers at once; a test never sleeps for Meta's minute."""


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def ig_sandbox(clock: FixedClock):
    """The simulator on a clock the test moves (containers expire, the limit's window)."""
    with SandboxServer(sandbox=Sandbox(clock)) as server:
        yield server


def world(sandbox):
    return sandbox.sandbox.instagram


def channel(sandbox, folder: Path, wait: ContainerWait = QUICK, **options) -> InstagramChannel:
    return InstagramChannel(
        IG_USER_ID,
        "token-de-prueba",
        sandbox.url,
        timeout=options.pop("timeout", 5),
        clock=sandbox.sandbox.clock,
        media_dir=folder,
        container_wait=wait,
        **options,
    )


def image(folder: Path, name: str = "foto.jpg", width: int = 1080, height: int = 1080) -> Path:
    return media_file(folder, name, jpeg_image(width, height), size=40_000)


def video(folder: Path, name: str = "reel.mp4", seconds: float = 20) -> Path:
    return media_file(folder, name, mp4_video(seconds, 1080, 1920), size=MB + 123)


class Remembered:
    """What a publisher keeps of a post's containers: the last state handed over; it may stop
    the attempt (raise, as a crash or a lost lease would) at its `stop_at`-th call."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.states: list[dict] = []
        self.stop_at = stop_at

    def __call__(self, state: dict) -> None:
        self.states.append(state)
        if self.stop_at is not None and len(self.states) >= self.stop_at:
            raise Transient("el servicio se detuvo")

    @property
    def last(self) -> dict:
        return self.states[-1]


def outgoing(text: str, media: list[Path], remembered=None, upload=None) -> Outgoing:
    return Outgoing(text[:10], text, tuple(media), START, upload=upload, remember=remembered)


def calls(sandbox) -> dict[str, int]:
    return dict(world(sandbox).calls)


def published_containers(sandbox) -> list[str]:
    return [c.id for c in world(sandbox).containers.values() if c.status_code == "PUBLISHED"]


def configure(sandbox, **settings) -> dict:
    return sandbox.control("POST", "instagram", settings)


# --- Meta's documented answers ------------------------------------------------------------


def test_the_simulator_answers_in_the_documented_shapes(ig_sandbox, tmp_path: Path):
    base = f"{ig_sandbox.url}/v24.0"
    token = {"access_token": "t"}
    photo = image(tmp_path).resolve().as_uri()
    created = requests.post(f"{base}/{IG_USER_ID}/media", data={"image_url": photo, **token})
    resumable = requests.post(
        f"{base}/{IG_USER_ID}/media",
        data={"media_type": "REELS", "upload_type": "resumable", "caption": "Reel", **token},
    ).json()
    status = requests.get(
        f"{base}/{created.json()['id']}", params={"fields": "status_code", **token}
    ).json()
    path = video(tmp_path)
    uploaded = requests.post(
        resumable["uri"],
        headers={"Authorization": "OAuth t", "offset": "0", "file_size": str(path.stat().st_size),
                 "Content-Type": "application/octet-stream"},
        data=path.read_bytes(),
    ).json()  # fmt: skip
    published = requests.post(
        f"{base}/{IG_USER_ID}/media_publish", data={"creation_id": created.json()["id"], **token}
    ).json()
    limit = requests.get(
        f"{base}/{IG_USER_ID}/content_publishing_limit",
        params={"fields": "quota_usage,config", **token},
    ).json()

    assert created.json().keys() == contract("ig-publishing.media.container.json").keys()
    documented = contract("ig-publishing.media.resumable-container.json")
    assert resumable.keys() == documented.keys()
    assert resumable["uri"] == f"{ig_sandbox.url}/ig-api-upload/v24.0/{resumable['id']}"
    assert status.keys() == contract("ig-publishing.container.status.json").keys()
    assert status["status_code"] == "FINISHED"
    assert uploaded == contract("ig-publishing.rupload.success.json")
    assert published.keys() == contract("ig-publishing.media-publish.json").keys()
    shape = contract("ig-publishing.content-publishing-limit.json")["data"][0]
    assert limit["data"][0].keys() == shape.keys()
    assert limit["data"][0]["config"].keys() == shape["config"].keys()
    assert limit["data"][0]["quota_usage"] == 1


def test_the_adapter_reads_the_documented_answers_and_errors():
    limit = contract("ig-publishing.content-publishing-limit.json")
    error = contract_file("ig-publishing.error.image-too-large.json")
    channel = InstagramChannel(IG_USER_ID, "t", "http://127.0.0.1:9")

    refused = channel._publishing_refusal(FacebookError(error["body"]))
    quota = channel._publishing_refusal(
        FacebookError({"error": {"message": "You reached maximum number of posts", "code": 9,
                                 "error_subcode": 2207042, "type": "OAuthException"}})
    )  # fmt: skip

    builder = channel._publishing_refusal(
        FacebookError({"error": {"message": "The media builder with creation id = 1 does not "
                                 "exist or has been expired.", "code": 24,
                                 "error_subcode": 2207008, "type": "OAuthException"}})
    )  # fmt: skip
    assert isinstance(builder, Transient) and "ya no existe o venció" in builder.reason
    assert publishing_quota(limit) == (2, 50, 86400)
    assert publishing_quota({"data": []}) == (None, None, 86400)
    assert isinstance(refused, Rejected) and "pesa demasiado" in refused.reason
    assert "2207004" in refused.reason  # Meta's words follow, for the technician
    assert isinstance(quota, Transient) and not isinstance(quota, Rejected)
    failed = "Error: You reached maximum number of posts with error code 2207042"
    assert subcode_in(failed) == 2207042
    assert container_refusal(failed).startswith("la cuenta de Instagram llegó a su límite")


# --- publishing ---------------------------------------------------------------------------


def test_an_image_a_carousel_and_a_reel_each_go_out_once(ig_sandbox, tmp_path: Path):
    photo, other, reel = image(tmp_path), image(tmp_path, "b.jpg", 1080, 1350), video(tmp_path)
    ig = channel(ig_sandbox, tmp_path)

    single = ig.publish(outgoing("Corte de agua el martes", [photo]))
    carousel = ig.publish(outgoing("Así quedó la planta", [photo, other, reel]))
    short = ig.publish(outgoing("Cómo lavar el tanque", [reel]))

    media = {m.id: m for m in world(ig_sandbox).media.values()}
    assert [media[r.remote_id].media_type for r in (single, carousel, short)] == [
        "IMAGE",
        "CAROUSEL_ALBUM",
        "VIDEO",
    ]
    assert media[short.remote_id].media_product_type == "REELS"
    assert len(media[carousel.remote_id].children) == 3
    assert short.url.startswith("https://www.instagram.com/reel/")
    assert single.created_at is not None
    done = calls(ig_sandbox)
    assert done["POST /{ig-user-id}/media_publish"] == 3
    assert done["POST /{ig-user-id}/media"] == 6  # 1 + (3 items + the carousel) + 1
    assert done["POST rupload /ig-api-upload/{ig-container-id}"] == 2  # the videos, once each
    assert world(ig_sandbox).upload_bytes == 2 * reel.stat().st_size
    # Twice a post: before its containers are made, and again before media_publish.
    assert done["GET /{ig-user-id}/content_publishing_limit"] == 6


def test_images_go_by_url_under_url_medios_quoted(ig_sandbox, tmp_path: Path):
    folder = tmp_path / "medios"
    (folder / "cortes").mkdir(parents=True)
    image(folder / "cortes", "barrio ñ.jpg")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/publico"
        # The simulator fetches from this machine only: the folder is served at the root.
        served = f"http://127.0.0.1:{server.server_address[1]}"
        ig = channel(ig_sandbox, folder, media_url=served + "/")
        receipt = ig.publish(outgoing("Corte en el barrio", [folder / "cortes" / "barrio ñ.jpg"]))
        assert InstagramChannel(IG_USER_ID, "t", GRAPH_URL, media_dir=folder, media_url=base)._image_url(
            folder / "cortes" / "barrio ñ.jpg"
        ) == f"{base}/cortes/barrio%20%C3%B1.jpg"  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()

    [container] = [c for c in world(ig_sandbox).containers.values() if c.url]
    assert container.url == f"{served}/cortes/barrio%20%C3%B1.jpg"
    assert receipt.remote_id in world(ig_sandbox).media


def test_a_real_account_without_url_medios_is_told_to_set_it(tmp_path: Path):
    photo = image(tmp_path)
    real = InstagramChannel(IG_USER_ID, "t", GRAPH_URL, media_dir=tmp_path, media_url="")

    with pytest.raises(Rejected) as refused:
        real.publish(outgoing("Aviso", [photo]))

    assert "url_medios" in refused.value.reason and "[channels.instagram]" in refused.value.reason


def test_a_post_without_media_is_refused_before_any_call(ig_sandbox, tmp_path: Path):
    with pytest.raises(Rejected) as refused:
        channel(ig_sandbox, tmp_path).publish(outgoing("Solo texto", []))

    assert "imagen o un video" in refused.value.reason
    assert calls(ig_sandbox) == {}


def test_an_image_outside_instagrams_aspect_ratio_is_refused_in_spanish(ig_sandbox, tmp_path):
    tall = image(tmp_path, "alta.jpg", 1080, 1920)  # 9:16 is taller than 4:5

    with pytest.raises(Rejected) as refused:
        channel(ig_sandbox, tmp_path).publish(outgoing("Aviso", [tall]))

    # Refused before Meta is asked (the calendar's rules): no container is made.
    assert "proporción 0,56:1" in refused.value.reason and "4:5" in refused.value.reason
    assert world(ig_sandbox).media == {} and world(ig_sandbox).containers == {}


def test_a_container_in_error_is_refused_with_metas_reason(ig_sandbox, tmp_path: Path):
    # A MP4 whose header gives no duration passes our checks (a warning only) and Meta's
    # processing refuses it: the container ends in ERROR with Meta's words.
    short = media_file(tmp_path, "corto.mp4", MP4, size=4096)

    with pytest.raises(Rejected) as refused:
        channel(ig_sandbox, tmp_path).publish(outgoing("Muy corto", [short]))

    assert "formato del video" in refused.value.reason and "2207026" in refused.value.reason
    assert published_containers(ig_sandbox) == []


# --- the simulator refuses what Meta refuses ----------------------------------------------


def _create(sandbox, **data) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/v24.0/{IG_USER_ID}/media", data={**data, "access_token": "t"}
    )


def _subcode(response: requests.Response) -> int:
    return response.json()["error"]["error_subcode"]


def test_the_simulator_refuses_what_meta_refuses(ig_sandbox, tmp_path: Path):
    png = media_file(tmp_path, "a.png", PNG).resolve().as_uri()
    big = media_file(tmp_path, "b.jpg", jpeg_image(1080, 1080), size=9 * MB).resolve().as_uri()
    wide = image(tmp_path, "w.jpg", 2000, 1000).resolve().as_uri()
    good = image(tmp_path).resolve().as_uri()
    item = _create(ig_sandbox, image_url=good, is_carousel_item="true").json()["id"]

    assert _subcode(_create(ig_sandbox, image_url=png)) == 2207005
    assert _subcode(_create(ig_sandbox, image_url=big)) == 2207004
    assert _subcode(_create(ig_sandbox, image_url=wide)) == 2207009
    assert _subcode(_create(ig_sandbox, image_url=good, media_type="GIF")) == 2207023
    assert _subcode(_create(ig_sandbox, media_type="CAROUSEL", children=item)) == 2207028
    eleven = ",".join([item] * 11)
    assert _subcode(_create(ig_sandbox, media_type="CAROUSEL", children=eleven)) == 2207028
    assert (
        _subcode(_create(ig_sandbox, image_url=good, caption=" ".join(["#agua"] * 31))) == 2207010
    )
    refused = _create(ig_sandbox, image_url=png)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 36001


def test_the_simulator_fetches_media_only_from_disk_or_this_machine(ig_sandbox, tmp_path):
    image(tmp_path)
    asked: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args) -> None:
            asked.append(self.path)

    server = ThreadingHTTPServer(("0.0.0.0", 0), Handler)  # reachable by other addresses
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        far = _create(ig_sandbox, image_url=f"http://127.0.0.2:{port}/foto.jpg").json()["id"]
        near = _create(ig_sandbox, image_url=f"http://localhost:{port}/foto.jpg").json()["id"]
    finally:
        server.shutdown()
        server.server_close()
    status = functools.partial(
        requests.get, params={"fields": "status_code,status", "access_token": "t"}
    )

    refused = status(f"{ig_sandbox.url}/v24.0/{far}").json()
    assert refused["status_code"] == "ERROR" and "2207052" in refused["status"]
    assert status(f"{ig_sandbox.url}/v24.0/{near}").json()["status_code"] == "FINISHED"
    assert len(asked) == 1  # only the request by a loopback name reached the server


def test_media_publish_refuses_what_is_not_ready_or_already_out(ig_sandbox, tmp_path: Path):
    configure(ig_sandbox, container_seconds=60)
    container = _create(ig_sandbox, image_url=image(tmp_path).resolve().as_uri()).json()["id"]
    publish = functools.partial(
        requests.post,
        f"{ig_sandbox.url}/v24.0/{IG_USER_ID}/media_publish",
        data={"creation_id": container, "access_token": "t"},
    )

    assert _subcode(publish()) == 2207027  # IN_PROGRESS: not ready
    configure(ig_sandbox, container_seconds=0)
    assert publish().status_code == 200
    again = publish()
    assert again.status_code == 400 and len(world(ig_sandbox).media) == 1
    configure(ig_sandbox, quota_total=1)
    other = _create(ig_sandbox, image_url=image(tmp_path).resolve().as_uri()).json()["id"]
    over = requests.post(
        f"{ig_sandbox.url}/v24.0/{IG_USER_ID}/media_publish",
        data={"creation_id": other, "access_token": "t"},
    )
    assert over.json()["error"]["code"] == 9 and _subcode(over) == 2207042


# --- exactly once -------------------------------------------------------------------------


STEPS = ContainerWait(first=2, factor=3, longest=10, deadline=60, in_call=0)
"""A wait whose steps are easy to tell apart: 2 s, 6 s, then 10 s (capped)."""


def test_a_container_still_processing_is_waited_for_on_the_next_attempt_not_made_again(
    ig_sandbox, clock, tmp_path: Path
):
    configure(ig_sandbox, container_seconds=3600)
    ig = channel(ig_sandbox, tmp_path, STEPS)
    photo = image(tmp_path)
    kept, asked = Remembered(), []

    # The thread is let go at once: each attempt says when to ask again, growing, capped.
    for _ in range(4):
        with pytest.raises(NotReady) as waiting:
            ig.publish(outgoing("Aviso de lavado", [photo], kept, kept.states[-1:] and kept.last))
        asked.append((waiting.value.retry_after, waiting.value.first))
        clock.advance(timedelta(seconds=waiting.value.retry_after))

    assert asked == [(2, True), (6, False), (10, False), (10, False)]
    assert "aún procesa" in waiting.value.reason
    container = kept.last["container"]["id"]
    assert kept.last["wait"] == {
        "container": container,
        "since": START.isoformat(),  # when the wait began, whichever attempt goes on with it
        "pause": 10,
    }
    configure(ig_sandbox, container_seconds=0)
    receipt = ig.publish(outgoing("Aviso de lavado", [photo], Remembered(), kept.last))

    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 1
    assert published_containers(ig_sandbox) == [container]
    assert world(ig_sandbox).media[receipt.remote_id].container_id == container
    # The limit asked before the container was made and before media_publish, not at each look.
    assert calls(ig_sandbox)["GET /{ig-user-id}/content_publishing_limit"] == 2


def test_a_container_ready_within_the_short_wait_goes_out_in_the_same_call(sandbox, tmp_path):
    # On the real clock: Meta has the image 0.2 s after it is fetched; the call asks again
    # after its in-call second, so it publishes without handing the post back.
    configure(sandbox, container_seconds=0.2)
    ig = channel(sandbox, tmp_path, ContainerWait(first=30, in_call=1))

    receipt = ig.publish(outgoing("Aviso", [image(tmp_path)], Remembered()))

    container = world(sandbox).media[receipt.remote_id].container_id
    asked = sandbox.control("GET", "requests")["requests"]
    assert len([r for r in asked if r["path"].endswith(f"/{container}")]) == 2  # now, 1 s later


def test_each_carousel_item_keeps_its_own_wait(ig_sandbox, clock, tmp_path: Path):
    configure(ig_sandbox, container_seconds=3600)
    ig = channel(ig_sandbox, tmp_path, STEPS)
    files = [image(tmp_path), image(tmp_path, "b.jpg")]
    kept, asked = Remembered(), []

    for _ in range(3):
        with pytest.raises(NotReady) as waiting:
            ig.publish(outgoing("Carrusel", files, kept, kept.states[-1:] and kept.last))
        asked.append((waiting.value.retry_after, waiting.value.first))
        clock.advance(timedelta(seconds=waiting.value.retry_after))
        if len(asked) == 1:  # Meta finishes the first item; the second takes longer
            first_item = kept.last["children"][0]["id"]
            world(ig_sandbox).containers[first_item].ready_at = clock.now()

    # The second item's wait begins when the first is done, and then grows: a finished item
    # does not throw away the wait of the one still processing.
    assert asked == [(2, True), (2, True), (6, False)]
    assert kept.last["wait"]["container"] == kept.last["children"][1]["id"]
    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 2  # the items, once each


def test_past_the_deadline_the_wait_spends_an_attempt_and_begins_again(
    ig_sandbox, clock, tmp_path: Path
):
    configure(ig_sandbox, container_seconds=3600)
    ig = channel(ig_sandbox, tmp_path, STEPS)
    photo = image(tmp_path)
    kept = Remembered()
    with pytest.raises(NotReady):
        ig.publish(outgoing("Aviso", [photo], kept))
    container = kept.last["container"]["id"]

    clock.advance(timedelta(seconds=STEPS.deadline))
    with pytest.raises(Transient) as late:
        ig.publish(outgoing("Aviso", [photo], kept, kept.last))
    again = pytest.raises(NotReady)
    with again:
        ig.publish(outgoing("Aviso", [photo], kept, kept.last))

    assert not isinstance(late.value, NotReady) and late.value.retry_after == 60
    assert "próximo intento" in late.value.reason
    assert again.excinfo.value.first and again.excinfo.value.retry_after == STEPS.first
    assert kept.last["container"]["id"] == container  # the same container all along
    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 1


def test_an_expired_container_is_replaced_and_never_published(ig_sandbox, clock, tmp_path: Path):
    configure(ig_sandbox, container_seconds=3600)
    kept = Remembered()
    ig = channel(ig_sandbox, tmp_path, ContainerWait(0.01, 2, 0.02, deadline=0.05))
    photo = image(tmp_path)
    with pytest.raises(Transient):
        ig.publish(outgoing("Aviso", [photo], kept))
    old = kept.last["container"]["id"]

    clock.advance(timedelta(hours=25))
    configure(ig_sandbox, container_seconds=0)
    ig.publish(outgoing("Aviso", [photo], Remembered(), kept.last))

    assert world(ig_sandbox).containers[old].status_code == "EXPIRED"
    assert len(published_containers(ig_sandbox)) == 1 and old not in published_containers(
        ig_sandbox
    )
    assert len(world(ig_sandbox).media) == 1


def test_a_published_container_is_found_and_never_published_twice(ig_sandbox, tmp_path: Path):
    kept = Remembered()
    ig = channel(ig_sandbox, tmp_path)
    photo = image(tmp_path)
    first = ig.publish(outgoing("Ya salió", [photo], kept))
    assert kept.last["publishing"] is True

    again = ig.publish(outgoing("Ya salió", [photo], Remembered(), kept.last))
    found = ig.find_published(
        outgoing("Ya salió", [photo], upload=kept.last), START - timedelta(hours=1)
    )
    unmarked = {key: value for key, value in kept.last.items() if key != "publishing"}
    by_container = ig.publish(outgoing("Ya salió", [photo], upload=unmarked))
    # The file replaced and the caption corrected since: its container went out all the same.
    edited = ig.publish(outgoing("Ya salió (corregido)", [image(tmp_path)], upload=kept.last))
    # The same, its marker lost (another process published it): its status says it is out.
    edited_unmarked = ig.publish(outgoing("Ya salió (corregido)", [photo], upload=unmarked))

    assert again.remote_id == first.remote_id == found.remote_id == edited.remote_id
    assert edited_unmarked.remote_id == first.remote_id
    assert by_container.remote_id == first.remote_id
    assert calls(ig_sandbox)["POST /{ig-user-id}/media_publish"] == 1
    assert len(world(ig_sandbox).media) == 1


def test_a_container_that_went_out_meanwhile_is_found_not_failed(ig_sandbox, tmp_path: Path):
    def published_elsewhere(state: dict) -> None:
        if state.get("publishing"):  # right before media_publish: another process does it
            requests.post(
                f"{ig_sandbox.url}/v24.0/{IG_USER_ID}/media_publish",
                data={"creation_id": state["container"]["id"], "access_token": "t"},
            )

    receipt = channel(ig_sandbox, tmp_path).publish(
        outgoing("Aviso", [image(tmp_path)], published_elsewhere)
    )

    [media] = world(ig_sandbox).media.values()
    assert receipt.remote_id == media.id
    assert calls(ig_sandbox)["POST /{ig-user-id}/media_publish"] == 2  # the second refused


def test_a_stored_container_not_yet_published_is_not_found(ig_sandbox, tmp_path: Path):
    configure(ig_sandbox, container_seconds=3600)
    kept = Remembered()
    ig = channel(ig_sandbox, tmp_path, ContainerWait(0.01, 2, 0.02, deadline=0.05))
    with pytest.raises(Transient):
        ig.publish(outgoing("Aviso", [image(tmp_path)], kept))

    found = ig.find_published(outgoing("Aviso", [], upload=kept.last), START)

    assert found is None
    assert calls(ig_sandbox).get("GET /{ig-user-id}/media", 0) == 0  # its status said enough


def test_a_carousel_interrupted_after_its_items_reuses_them(ig_sandbox, tmp_path: Path):
    files = [image(tmp_path), image(tmp_path, "b.jpg"), video(tmp_path)]
    stopped = Remembered(stop_at=3)  # the plan, the first item, the second item: stop
    ig = channel(ig_sandbox, tmp_path)
    with pytest.raises(Transient):
        ig.publish(outgoing("Carrusel", files, stopped))
    made = [entry["id"] for entry in stopped.last["children"] if entry]
    assert len(made) == 2

    ig.publish(outgoing("Carrusel", files, Remembered(), stopped.last))

    [album] = world(ig_sandbox).media.values()
    assert album.children[:2] == made
    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 4  # 3 items + the carousel


def test_a_stored_plan_for_other_files_or_another_caption_is_not_reused(ig_sandbox, tmp_path):
    configure(ig_sandbox, container_seconds=3600)
    kept = Remembered()
    ig = channel(ig_sandbox, tmp_path, ContainerWait(0.01, 2, 0.02, deadline=0.05))
    photo = image(tmp_path)
    with pytest.raises(Transient):
        ig.publish(outgoing("Primero", [photo], kept))
    configure(ig_sandbox, container_seconds=0)

    ig.publish(outgoing("Otro texto", [photo], Remembered(), kept.last))

    [media] = world(ig_sandbox).media.values()
    assert media.caption == "Otro texto" and media.container_id != kept.last["container"]["id"]


def test_an_interrupted_reel_upload_is_sent_again_to_the_same_container(ig_sandbox, tmp_path):
    reel = video(tmp_path)
    stopped = Remembered(stop_at=2)  # the plan, then the container: stop before the bytes
    ig = channel(ig_sandbox, tmp_path)
    with pytest.raises(Transient):
        ig.publish(outgoing("Reel", [reel], stopped))

    ig.publish(outgoing("Reel", [reel], Remembered(), stopped.last))

    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 1
    assert world(ig_sandbox).upload_bytes == reel.stat().st_size


def test_a_reels_bytes_are_not_sent_again_while_meta_processes_them(ig_sandbox, tmp_path):
    configure(ig_sandbox, container_seconds=3600)
    reel = video(tmp_path)
    kept = Remembered()
    ig = channel(ig_sandbox, tmp_path, ContainerWait(0.01, 2, 0.02, deadline=0.05))
    with pytest.raises(Transient):
        ig.publish(outgoing("Reel", [reel], kept))
    assert kept.last["container"]["uploaded"] is True

    with pytest.raises(Transient):  # still processing at the next attempt
        ig.publish(outgoing("Reel", [reel], Remembered(), kept.last))

    assert calls(ig_sandbox)["POST rupload /ig-api-upload/{ig-container-id}"] == 1
    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 1


def test_the_token_goes_only_to_metas_upload_host(ig_sandbox, tmp_path: Path):
    reel = video(tmp_path)
    ig = channel(ig_sandbox, tmp_path)
    entry = {"id": "17000000000000001", "uri": "https://evil.example/ig-api-upload/v24.0/1"}

    with pytest.raises(Rejected):
        ig._send_if_needed(outgoing("R", [reel]), {}, entry, _inspect(reel), "IN_PROGRESS")


def _inspect(path: Path):
    from channels.media import MediaFile

    return MediaFile.inspect(path)


def test_a_full_quota_holds_the_post_until_the_oldest_post_of_the_day_leaves_it(
    ig_sandbox, clock, tmp_path: Path
):
    configure(ig_sandbox, quota_total=2)
    ig = channel(ig_sandbox, tmp_path)
    photo = image(tmp_path)
    ig.publish(outgoing("Primero", [photo]))
    clock.advance(timedelta(hours=3))
    ig.publish(outgoing("Segundo", [photo]))
    clock.advance(timedelta(hours=1))

    with pytest.raises(Held) as held:
        ig.publish(outgoing("Tercero", [photo]))

    assert held.value.retry_after == pytest.approx(20 * 3600, abs=5)  # the first leaves at 24 h
    assert calls(ig_sandbox)["POST /{ig-user-id}/media_publish"] == 2


# --- through the publisher ----------------------------------------------------------------


def schedule(database, post_id: str, text: str, media: list[str], at: datetime) -> None:
    with database.session() as session:
        session.add(Post(id=post_id, text=text, media=media, scheduled_at=at))
        session.add(Publication(post_id=post_id, network="instagram", next_attempt_at=at))


def publisher(database, sandbox, folder: Path, clock, **options) -> Publisher:
    return Publisher(
        database,
        {"instagram": channel(sandbox, folder, **options)},
        clock,
        folder,
        "daemon-1",
        ZONE,
        PublishPolicy(),
        random.Random(7),
    )


def publication(database, post_id: str) -> Publication:
    with database.session() as session:
        return session.execute(
            sa.select(Publication).where(Publication.post_id == post_id)
        ).scalar_one()


@pytest.fixture
def any_database(database_url: str):
    """A migrated database on each backend in turn (SQLite; PostgreSQL when available)."""
    from conectados.db import Database

    found = Database(database_url)
    found.upgrade()
    yield found
    found.dispose()


def test_posts_beyond_the_publishing_limit_wait_and_go_out_once_a_slot_frees(
    any_database, ig_sandbox, clock, tmp_path: Path
):
    database = any_database
    configure(ig_sandbox, quota_total=1)
    image(tmp_path)
    for number in (1, 2, 3):
        schedule(database, f"aviso-{number}", f"Aviso {number}", ["foto.jpg"], START)
    office = publisher(database, ig_sandbox, tmp_path, clock)

    first = office.run_once()

    assert len(first.published) == 1 and len(first.held) == 2 and not first.failed
    waiting = publication(database, "aviso-2")
    assert waiting.state == PublicationState.SCHEDULED and waiting.attempts == 0
    assert "24 horas" in waiting.last_error and "cupo" in waiting.last_error
    assert waiting.next_attempt_at >= START + timedelta(hours=24)

    clock.advance(timedelta(hours=7))  # past the 6-hour deadline: still waiting, not failed
    assert office.run_once().failed == []
    clock.advance(timedelta(hours=17, minutes=1))
    second = office.run_once()

    assert len(second.published) == 1 and len(second.held) == 1 and not second.failed
    states = sorted(publication(database, f"aviso-{n}").state for n in (1, 2, 3))
    assert states == ["published", "published", "scheduled"]
    assert calls(ig_sandbox)["POST /{ig-user-id}/media_publish"] == 2
    assert len(world(ig_sandbox).media) == 2


def test_a_lost_media_publish_answer_is_recovered_as_published_not_sent_again(
    database, ig_sandbox, clock, tmp_path: Path
):
    configure(ig_sandbox, publish_delay=1.5)
    image(tmp_path)
    schedule(database, "aviso", "Corte programado", ["foto.jpg"], START)
    office = publisher(database, ig_sandbox, tmp_path, clock, timeout=0.5)

    lost = office.run_once()
    assert lost.retried and publication(database, "aviso").outcome_unknown
    configure(ig_sandbox, publish_delay=0)
    clock.advance(timedelta(minutes=5))
    found = office.run_once()

    assert len(found.recovered) == 1
    row = publication(database, "aviso")
    assert row.state == PublicationState.PUBLISHED
    assert row.remote_id in world(ig_sandbox).media
    assert calls(ig_sandbox)["POST /{ig-user-id}/media_publish"] == 1


# --- the container wait leaves the thread -------------------------------------------------


def rows_of(database, post_id: str) -> dict[str, Publication]:
    with database.session() as session:
        found = session.execute(sa.select(Publication).where(Publication.post_id == post_id))
        return {row.network: row for row in found.scalars()}


@pytest.mark.parametrize("workers", [1, 4])
def test_a_facebook_post_due_with_a_processing_instagram_one_goes_out_in_the_same_round(
    database, ig_sandbox, clock, tmp_path: Path, workers: int
):
    configure(ig_sandbox, container_seconds=3600)  # Meta takes an hour over the image
    image(tmp_path)
    with database.session() as session:
        session.add(Post(id="corte", text="Corte de agua", media=["foto.jpg"], scheduled_at=START))
        for network in ("instagram", "facebook"):  # Instagram's is claimed first
            session.add(Publication(post_id="corte", network=network, next_attempt_at=START))

    def channels() -> dict:
        return {
            "instagram": channel(ig_sandbox, tmp_path, STEPS),
            "facebook": channels_for(ig_sandbox)["facebook"],
        }

    office = Publisher(
        database, channels(), clock, tmp_path, "daemon-1", ZONE, PublishPolicy(),
        random.Random(7), workers=workers, channel_factory=channels,
    )  # fmt: skip

    first = office.run_once()

    assert [claimed.network for claimed, _ in first.published] == ["facebook"]
    assert [claimed.network for claimed in first.waiting] == ["instagram"]
    assert not first.retried and not first.held and not first.failed
    rows = rows_of(database, "corte")
    assert rows["facebook"].state == PublicationState.PUBLISHED
    waiting = rows["instagram"]
    assert waiting.state == PublicationState.SCHEDULED and waiting.attempts == 0
    assert waiting.next_attempt_at == START + timedelta(seconds=STEPS.first)  # no 30 s minimum
    assert waiting.held_until is None and not waiting.outcome_unknown  # lateness, not a hold
    assert "aún procesa" in waiting.last_error

    configure(ig_sandbox, container_seconds=0)  # Meta finished meanwhile
    clock.advance(timedelta(seconds=STEPS.first))
    second = office.run_once()
    office.close()

    assert [claimed.network for claimed, _ in second.published] == ["instagram"]
    assert rows_of(database, "corte")["instagram"].state == PublicationState.PUBLISHED
    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 1  # the same container
    assert calls(ig_sandbox)["POST /{ig-user-id}/media_publish"] == 1
    assert len(world(ig_sandbox).media) == 1
    assert len(ig_sandbox.control("GET", "state")["facebook"]["posts"]) == 1


def test_waiting_for_a_container_spends_no_attempt_until_its_deadline(
    database, ig_sandbox, clock, tmp_path: Path
):
    configure(ig_sandbox, container_seconds=3600)
    image(tmp_path)
    schedule(database, "aviso", "Aviso", ["foto.jpg"], START)
    office = publisher(database, ig_sandbox, tmp_path, clock, wait=STEPS)

    steps = []
    while office.run_once().waiting:
        row = publication(database, "aviso")
        assert row.attempts == 0 and row.state == PublicationState.SCHEDULED
        steps.append((row.next_attempt_at - clock.now()).total_seconds())
        clock.advance(row.next_attempt_at - clock.now())

    # 2 s, growing by 3, capped at 10, the last one cut to the 60 s deadline; past it, the
    # plain retry: an attempt spent, with the publisher's own backoff.
    assert steps == [2, 6, 10, 10, 10, 10, 10, 2]
    late = publication(database, "aviso")
    assert late.attempts == 1 and late.state == PublicationState.SCHEDULED
    assert "próximo intento" in late.last_error
    assert late.next_attempt_at >= clock.now() + timedelta(seconds=60)

    clock.advance(late.next_attempt_at - clock.now())
    again = office.run_once()  # a new wait begins: its first step, no attempt spent

    assert len(again.waiting) == 1
    row = publication(database, "aviso")
    assert row.attempts == 1 and row.next_attempt_at == clock.now() + timedelta(seconds=2)
    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 1
    assert calls(ig_sandbox).get("POST /{ig-user-id}/media_publish", 0) == 0


def test_the_daemon_wakes_when_a_waiting_container_is_to_be_asked_about_again(
    database, sandbox, tmp_path: Path
):
    # On the real clock (the daemon's scheduler runs on it); the steps are long enough that
    # no slowness of this machine matters.
    configure(sandbox, container_seconds=3600)
    image(tmp_path)
    now = datetime.now(UTC)
    schedule(database, "aviso", "Aviso", ["foto.jpg"], now)
    with database.session() as session:  # long overdue on a network this daemon does not use
        session.add(Post(id="viejo", text="Aviso viejo", media=[], scheduled_at=now))
        session.add(Publication(post_id="viejo", network="x", next_attempt_at=now - DAY))
    wait = ContainerWait(first=30, in_call=0)
    office = Publisher(
        database, {"instagram": channel(sandbox, tmp_path, wait)}, SystemClock(), tmp_path,
        "daemon-1", ZONE, PublishPolicy(), random.Random(7),
    )  # fmt: skip
    daemon = Daemon(office, every_seconds=600)
    daemon.scheduler.add_job(daemon.publish, "interval", seconds=600, id="publish")

    round_ = daemon.publish()

    assert len(round_.waiting) == 1
    due = publication(database, "aviso").next_attempt_at
    assert now < due <= datetime.now(UTC) + timedelta(seconds=30)
    assert daemon.scheduler.get_job("publish").next_run_time == due  # not in 10 minutes


# --- a container in ERROR: held, made again, or refused, by its subcode -------------------


def test_a_reel_whose_upload_failed_at_meta_goes_out_once_with_a_new_container(
    database, ig_sandbox, clock, tmp_path: Path
):
    configure(ig_sandbox, containers_in_error=1)  # 2207053, Meta's "unknown upload error"
    reel = video(tmp_path)
    schedule(database, "lavado", "Cómo lavar el tanque", ["reel.mp4"], START)
    office = publisher(database, ig_sandbox, tmp_path, clock)

    first = office.run_once()

    assert len(first.retried) == 1 and not first.failed and not first.held
    row = publication(database, "lavado")
    assert row.state == PublicationState.SCHEDULED and row.attempts == 1
    assert "2207053" in row.last_error and "otro contenedor" in row.last_error
    assert "container" not in row.upload  # dropped: the next attempt makes a new one
    clock.advance(row.next_attempt_at - clock.now())
    second = office.run_once()

    assert len(second.published) == 1
    assert publication(database, "lavado").state == PublicationState.PUBLISHED
    failed, used = world(ig_sandbox).containers.values()
    assert failed.status_code == "ERROR" and used.status_code == "PUBLISHED"
    assert calls(ig_sandbox)["POST /{ig-user-id}/media_publish"] == 1
    assert len(world(ig_sandbox).media) == 1
    assert world(ig_sandbox).upload_bytes == 2 * reel.stat().st_size  # once to each container


def test_a_carousel_item_in_error_is_made_again_and_the_others_reused(ig_sandbox, tmp_path):
    configure(ig_sandbox, containers_in_error=1, error_subcode=2207032)  # "re-create media"
    files = [image(tmp_path), image(tmp_path, "b.jpg"), video(tmp_path)]
    kept = Remembered()
    ig = channel(ig_sandbox, tmp_path)

    with pytest.raises(Transient) as failed:
        ig.publish(outgoing("Carrusel", files, kept))

    assert not isinstance(failed.value, NotReady | Held) and "2207032" in failed.value.reason
    dropped, *others = kept.last["children"]
    assert dropped is None and all(others)
    receipt = ig.publish(outgoing("Carrusel", files, Remembered(), kept.last))

    album = world(ig_sandbox).media[receipt.remote_id]
    assert album.children[1:] == [entry["id"] for entry in others]
    first_made = next(iter(world(ig_sandbox).containers.values()))
    assert first_made.status_code == "ERROR" and first_made.id not in album.children
    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 5  # 3 items, the first again, album
    assert calls(ig_sandbox)["POST /{ig-user-id}/media_publish"] == 1


def test_a_stored_container_that_ends_in_error_for_the_limit_holds_the_post(
    ig_sandbox, clock, tmp_path: Path
):
    configure(ig_sandbox, container_seconds=3600, containers_in_error=1, error_subcode=2207042)
    ig = channel(ig_sandbox, tmp_path, STEPS)
    photo = image(tmp_path)
    kept = Remembered()
    with pytest.raises(NotReady):
        ig.publish(outgoing("Aviso", [photo], kept))
    old = kept.last["container"]["id"]
    configure(ig_sandbox, container_seconds=0)  # Meta's processing ends: ERROR, the limit

    with pytest.raises(Held) as held:
        ig.publish(outgoing("Aviso", [photo], kept, kept.last))

    assert "cupo" in held.value.reason and "no cuenta como intento" in held.value.reason
    assert "container" not in kept.last and "wait" not in kept.last
    receipt = ig.publish(outgoing("Aviso", [photo], Remembered(), kept.last))
    assert world(ig_sandbox).media[receipt.remote_id].container_id != old
    assert calls(ig_sandbox)["POST /{ig-user-id}/media_publish"] == 1


def test_a_stored_carousel_item_that_ends_in_error_is_made_again(ig_sandbox, clock, tmp_path: Path):
    configure(ig_sandbox, container_seconds=3600, containers_in_error=1, error_subcode=2207001)
    ig = channel(ig_sandbox, tmp_path, STEPS)
    files = [image(tmp_path), image(tmp_path, "b.jpg")]
    kept = Remembered()
    with pytest.raises(NotReady):
        ig.publish(outgoing("Carrusel", files, kept))
    made = [entry["id"] for entry in kept.last["children"]]
    configure(ig_sandbox, container_seconds=0)

    with pytest.raises(Transient) as failed:
        ig.publish(outgoing("Carrusel", files, kept, kept.last))

    assert not isinstance(failed.value, NotReady | Held) and "2207001" in failed.value.reason
    assert kept.last["children"] == [None, {"id": made[1]}]
    receipt = ig.publish(outgoing("Carrusel", files, Remembered(), kept.last))
    assert world(ig_sandbox).media[receipt.remote_id].children[1] == made[1]
    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 4  # 2 items, the first again, album


# --- the publishing limit before any container ---------------------------------------------


def test_at_the_publishing_limit_no_container_is_made_and_no_byte_uploaded(ig_sandbox, tmp_path):
    configure(ig_sandbox, quota_total=1)
    ig = channel(ig_sandbox, tmp_path)
    photo, reel = image(tmp_path), video(tmp_path)
    ig.publish(outgoing("Primero", [photo]))

    for media in ([reel], [photo, image(tmp_path, "b.jpg"), reel]):
        with pytest.raises(Held):
            ig.publish(outgoing("Después", media, Remembered()))

    assert calls(ig_sandbox)["POST /{ig-user-id}/media"] == 1  # the first post's only
    assert calls(ig_sandbox).get("POST rupload /ig-api-upload/{ig-container-id}", 0) == 0
    assert world(ig_sandbox).upload_bytes == 0


# --- a plan that changed since (a file touched, a caption corrected) ---------------------


def touch(path: Path) -> None:
    """A new modification time, the same bytes (a re-sync of carpeta_medios): a new plan."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_changed_plan_publishes_the_container_it_was_publishing_not_a_new_one(
    ig_sandbox, tmp_path: Path
):
    photo = image(tmp_path)
    stopped = Remembered(stop_at=3)  # the plan, the container, the publishing marker: stop
    ig = channel(ig_sandbox, tmp_path)
    with pytest.raises(Transient):
        ig.publish(outgoing("Aviso", [photo], stopped))
    assert stopped.last["publishing"] is True and world(ig_sandbox).media == {}
    touch(photo)

    receipt = ig.publish(outgoing("Aviso", [photo], Remembered(), stopped.last))

    assert published_containers(ig_sandbox) == [stopped.last["container"]["id"]]
    assert len(world(ig_sandbox).containers) == 1
    assert world(ig_sandbox).media[receipt.remote_id].caption == "Aviso"


@pytest.mark.parametrize("meta_shows", ["FINISHED", "nothing"])
def test_a_changed_plan_whose_container_went_out_is_found_not_published_again(
    ig_sandbox, tmp_path: Path, meta_shows: str
):
    kept = Remembered()
    ig = channel(ig_sandbox, tmp_path)
    first = ig.publish(outgoing("Aviso", [image(tmp_path)], kept))
    [container] = world(ig_sandbox).containers.values()
    if meta_shows == "FINISHED":
        container.status_code = "FINISHED"  # its status lags behind media_publish
    else:
        del world(ig_sandbox).containers[container.id]  # its status can no longer be read

    edited = outgoing("Aviso (corregido)", [image(tmp_path, "otra.jpg")], Remembered(), kept.last)
    again = ig.publish(edited)

    assert again.remote_id == first.remote_id
    assert calls(ig_sandbox)["POST /{ig-user-id}/media_publish"] == 1
    assert len(world(ig_sandbox).media) == 1


# --- no stored plan: nothing made, nothing out ---------------------------------------------


def test_with_no_stored_plan_another_post_of_the_same_caption_is_not_taken_for_it(
    database, ig_sandbox, clock, tmp_path: Path
):
    text = "Corte de agua el martes en el barrio Centro"
    image(tmp_path)
    video(tmp_path)
    schedule(database, "corte-foto", text, ["foto.jpg"], START)
    office = publisher(database, ig_sandbox, tmp_path, clock)
    assert len(office.run_once().published) == 1
    # The same notice as a Reel, due at the same hour, its earlier outcome unknown (a call
    # cut short before it stored any plan): nothing of it can be out.
    schedule(database, "corte-reel", text, ["reel.mp4"], START)
    with database.session() as session:
        session.execute(
            sa.update(Publication)
            .where(Publication.post_id == "corte-reel")
            .values(outcome_unknown=True)
        )

    second = office.run_once()

    assert len(second.published) == 1 and not second.recovered
    photo, reel = (publication(database, name) for name in ("corte-foto", "corte-reel"))
    assert reel.state == PublicationState.PUBLISHED and reel.remote_id != photo.remote_id
    assert len(world(ig_sandbox).media) == 2
    # A caller that stores no plan still finds a post by its caption.
    bare = outgoing(text, [tmp_path / "reel.mp4"])
    assert channel(ig_sandbox, tmp_path).find_published(bare, START) is not None
