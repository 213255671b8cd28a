"""Facebook Page videos: Reels for Pages and the Resumable Upload API, streamed, resumed after
an interruption from the offset the server confirms, and published exactly once."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa
from contract_files import contract
from media_files import mp4_video
from sandbox_channels import channels_for

from channels.base import Outgoing, Rejected, Transient
from channels.media import MAX_BOXES, MediaFile, mp4_header
from channels.meta.facebook import FacebookChannel
from channels.meta.facebook_video import (
    absolute_url,
    is_published,
    is_reel,
    uploaded_bytes,
)
from channels.sandbox.graph_checks import SYSTEM_USER_TOKEN
from channels.sandbox.graph_world import APP_ID, PAGE_ID
from conectados.clock import SystemClock
from conectados.db import Database
from conectados.userfiles import MB
from content_calendar.models import Post, Publication, PublicationState
from content_calendar.publications import claim_due, remember_upload
from scheduler.publisher import Publisher, PublishPolicy

ZONE = ZoneInfo("America/Bogota")
PART = 16 * MB
"""A size for files "larger than one piece": where a test stops an upload."""


def video(folder: Path, name: str, seconds: float, width: int, height: int, size: int) -> Path:
    """A MP4 whose headers say how long and how big it is, padded (sparse) to `size` bytes."""
    path = folder / name
    with path.open("wb") as handle:
        handle.write(mp4_video(seconds, width, height))
        handle.truncate(size)
    return path


def reel(folder: Path, size: int = 3 * MB, name: str = "reel.mp4") -> Path:
    return video(folder, name, 30, 1080, 1920, size)


def horizontal(folder: Path, size: int = 3 * MB, name: str = "obra.mp4") -> Path:
    return video(folder, name, 300, 1920, 1080, size)


def fb(sandbox, app_id: str | None = APP_ID) -> FacebookChannel:
    return FacebookChannel(PAGE_ID, "token-de-prueba", sandbox.url, timeout=5, app_id=app_id)


def world(sandbox):
    return sandbox.sandbox.facebook


def posts(sandbox) -> list[dict]:
    return sandbox.control("GET", "state")["facebook"]["posts"]


def calls(sandbox) -> dict[str, int]:
    return sandbox.control("GET", "state")["facebook"]["calls"]


class Remembered:
    """What a publisher keeps of an upload: the last session the channel handed over. It may
    stop the upload (raise, as a lost lease or a crash would) at its `stop_at`-th call."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.sessions: list[dict] = []
        self.stop_at = stop_at

    def __call__(self, session: dict) -> None:
        self.sessions.append(session)
        if self.stop_at is not None and len(self.sessions) >= self.stop_at:
            raise Transient("el servicio se detuvo")

    @property
    def last(self) -> dict:
        return self.sessions[-1]


def settled(sandbox) -> int:
    """The bytes the simulator received, once no more arrive (a stopped POST's last ones)."""
    seen = -1
    while seen != world(sandbox).bytes_received:
        seen = world(sandbox).bytes_received
        time.sleep(0.2)
    return seen


# --- reading a MP4's header ---------------------------------------------------------------


def test_the_picture_size_and_length_come_from_the_tkhd_and_mvhd_boxes(tmp_path: Path):
    vertical = MediaFile.inspect(reel(tmp_path))
    wide = MediaFile.inspect(horizontal(tmp_path))

    assert (vertical.width, vertical.height, vertical.seconds) == (1080, 1920, 30)
    assert (wide.width, wide.height, wide.seconds) == (1920, 1080, 300)
    assert is_reel(vertical) and not is_reel(wide)
    # Too long, too short or too small for a Reel: a Page video.
    assert not is_reel(MediaFile.inspect(video(tmp_path, "largo.mp4", 120, 1080, 1920, MB)))
    assert not is_reel(MediaFile.inspect(video(tmp_path, "corto.mp4", 2, 1080, 1920, MB)))
    assert not is_reel(MediaFile.inspect(video(tmp_path, "chico.mp4", 30, 360, 640, MB)))


def test_an_odd_mp4_gives_what_it_can_and_never_walks_forever():
    header = mp4_video(30, 1080, 1920)
    truncated = header[: len(header) - 6]
    # A box that says it is larger than the file, and a file of endless empty boxes.
    lying = header[:24] + b"\xff\xff\xff\xf0moov" + header[32:]
    endless = b"\x00\x00\x00\x08free" * (MAX_BOXES + 10)

    assert mp4_header(io.BytesIO(truncated), len(truncated)).width is None
    assert mp4_header(io.BytesIO(lying), len(lying)).seconds is None
    assert mp4_header(io.BytesIO(endless), len(endless)).seconds is None


# --- Meta's documented answers ------------------------------------------------------------


def test_the_documented_status_answers_read_as_meta_shows_them():
    interrupted = contract("reels-publishing.status-interrupted-upload.json")["status"]
    failed = contract("reels-publishing.status-processing-error.json")["status"]

    assert uploaded_bytes(interrupted, 10**6) == 50002
    assert uploaded_bytes({"uploading_phase": {"bytes_transferred": 7}}, 10) == 7
    assert uploaded_bytes(failed, 10**6) == 10**6  # uploading_phase complete
    assert not is_published(interrupted) and not is_published(failed)
    assert absolute_url("/100/videos/200/") == "https://www.facebook.com/100/videos/200/"


def test_the_simulator_answers_in_the_documented_shapes(sandbox):
    base = f"{sandbox.url}/v24.0"
    start = requests.post(
        f"{base}/{PAGE_ID}/video_reels", data={"upload_phase": "start", "access_token": "t"}
    ).json()
    status = requests.get(
        f"{base}/{start['video_id']}", params={"fields": "status", "access_token": "t"}
    ).json()["status"]
    session = requests.post(
        f"{base}/{APP_ID}/uploads",
        params={"file_name": "a.mp4", "file_length": 10, "file_type": "video/mp4"},
        data={"access_token": "t"},
    ).json()
    offset = requests.get(f"{base}/{session['id']}", params={"access_token": "t"}).json()

    assert start.keys() == contract("reels-publishing.start.json").keys()
    documented = contract("reels-publishing.status-interrupted-upload.json")["status"]
    assert documented.keys() <= status.keys()
    assert status["uploading_phase"]["bytes_transfered"] == 0
    assert session.keys() == contract("resumable-upload-api.session.json").keys()
    assert session["id"].startswith("upload:")
    assert offset.keys() == contract("resumable-upload-api.interrupted.json").keys()


def test_the_simulator_refuses_a_wrong_offset_like_meta(sandbox, tmp_path: Path):
    start = requests.post(
        f"{sandbox.url}/v24.0/{PAGE_ID}/video_reels",
        data={"upload_phase": "start", "access_token": "t"},
    ).json()
    answer = requests.post(
        start["upload_url"],
        headers={"Authorization": "OAuth t", "offset": "5", "file_size": "10",
                 "Content-Type": "application/octet-stream"},
        data=b"x" * 5,
    )  # fmt: skip

    assert answer.json()["debug_info"]["type"] == "OffsetInvalidError"
    assert world(sandbox).bytes_received == 0


# --- publishing ---------------------------------------------------------------------------


def schedule(database: Database, post_id: str, text: str, media: list[str], at: datetime) -> None:
    with database.session() as session:
        session.add(Post(id=post_id, text=text, media=media, scheduled_at=at))
        session.add(Publication(post_id=post_id, network="facebook", next_attempt_at=at))


def publisher(database: Database, sandbox, media_dir: Path, lease=timedelta(minutes=10)):
    return Publisher(
        database,
        channels_for(sandbox),
        SystemClock(),
        media_dir,
        "daemon-1",
        ZONE,
        PublishPolicy(lease=lease),
        random.Random(7),
    )


def publication(database: Database, post_id: str) -> Publication:
    with database.session() as session:
        return session.execute(
            sa.select(Publication).where(Publication.post_id == post_id)
        ).scalar_one()


def test_a_reel_and_a_horizontal_video_go_out_from_the_calendar(database, sandbox, tmp_path: Path):
    reel(tmp_path, 5 * MB)
    horizontal(tmp_path, PART + 3 * MB)
    due = datetime.now(UTC) - timedelta(seconds=1)
    schedule(database, "reel-01", "Así se lava un tanque", ["reel.mp4"], due)
    schedule(database, "obra-01", "Avance de la obra del acueducto", ["obra.mp4"], due)

    outcome = publisher(database, sandbox, tmp_path).run_once()

    assert len(outcome.published) == 2 and not outcome.retried and not outcome.failed
    assert sorted(post["text"] for post in posts(sandbox)) == [
        "Así se lava un tanque",
        "Avance de la obra del acueducto",
    ]
    assert all(post["media"][0]["type"] == "video" for post in posts(sandbox))
    done = calls(sandbox)
    assert done["POST /{page-id}/video_reels"] == 2  # start, finish
    assert done["POST rupload /video-upload/{video-id}"] == 1
    assert done["POST /{app-id}/uploads"] == 1
    assert done["POST /{upload-session-id}"] == 1  # the whole file in one streamed POST
    assert done["POST /{page-id}/videos"] == 1
    for post_id in ("reel-01", "obra-01"):
        row = publication(database, post_id)
        assert row.state == PublicationState.PUBLISHED
        assert row.remote_url and row.remote_url.startswith("https://www.facebook.com/")
        assert row.upload is None  # done with: forgotten
    assert world(sandbox).bytes_received == 5 * MB + PART + 3 * MB


def test_an_interrupted_resumable_upload_goes_on_from_the_servers_offset(sandbox, tmp_path: Path):
    path = horizontal(tmp_path, 2 * PART + MB)
    size = path.stat().st_size
    stopped = Remembered(stop_at=2)  # the session, then the first progress call: stop
    with pytest.raises(Transient):
        fb(sandbox).publish(Outgoing("obra", "Obra", (path,), remember=stopped))
    sent_before = settled(sandbox)  # what was on its way when the POST stopped, arrived
    assert 0 < sent_before < size

    again = Remembered()
    receipt = fb(sandbox).publish(Outgoing("obra", "Obra", (path,), upload=stopped.last,
                                           remember=again))  # fmt: skip

    resent = world(sandbox).bytes_received - sent_before
    assert resent == size - sent_before < size
    assert [post["text"] for post in posts(sandbox)] == ["Obra"]
    assert receipt.remote_id == posts(sandbox)[0]["id"]
    assert calls(sandbox)["POST /{app-id}/uploads"] == 1  # the same session, resumed
    assert again.last["video_id"] and again.last["handle"]


def test_an_interrupted_reel_goes_on_from_the_bytes_the_server_has(sandbox, tmp_path: Path):
    path = reel(tmp_path, 4 * MB)
    size = path.stat().st_size
    stopped = Remembered(stop_at=1)  # the session is kept; the daemon dies before any byte
    with pytest.raises(Transient):
        fb(sandbox).publish(Outgoing("reel", "Reel", (path,), remember=stopped))
    session = stopped.last
    # What the dead daemon's connection carried before it was cut: the first 1.5 MB.
    half = int(1.5 * MB)
    requests.post(
        session["upload_url"],
        headers={"Authorization": "OAuth t", "offset": "0", "file_size": str(size),
                 "Content-Type": "application/octet-stream"},
        data=path.read_bytes()[:half],
    )  # fmt: skip
    assert world(sandbox).bytes_received == half

    fb(sandbox).publish(Outgoing("reel", "Reel", (path,), upload=session))

    assert world(sandbox).bytes_received == size  # only the rest went
    assert [post["text"] for post in posts(sandbox)] == ["Reel"]
    assert calls(sandbox)["POST /{page-id}/video_reels"] == 2  # one start, one finish


def test_a_reel_whose_upload_was_complete_is_only_finished(sandbox, tmp_path: Path):
    path = reel(tmp_path, 2 * MB)
    stopped = Remembered(stop_at=2)  # the second session is "finishing": stop before it
    with pytest.raises(Transient):
        fb(sandbox).publish(Outgoing("reel", "Reel", (path,), remember=stopped))
    assert posts(sandbox) == [] and world(sandbox).bytes_received == 2 * MB

    fb(sandbox).publish(Outgoing("reel", "Reel", (path,), upload=stopped.last))

    assert world(sandbox).bytes_received == 2 * MB
    assert [post["text"] for post in posts(sandbox)] == ["Reel"]


@pytest.mark.parametrize("make", [reel, horizontal], ids=["reel", "horizontal"])
def test_a_video_published_before_a_crash_is_found_not_posted_again(
    database, sandbox, tmp_path: Path, make
):
    path = make(tmp_path)
    due = datetime.now(UTC) - timedelta(seconds=1)
    schedule(database, "aviso", "Video del aviso", [path.name], due)
    kept = Remembered()
    # The daemon published it and died before recording it: its lease ran out.
    fb(sandbox).publish(Outgoing("aviso", "Video del aviso", (path,), remember=kept))
    with database.session() as session:
        session.execute(
            sa.update(Publication).values(
                state=PublicationState.PUBLISHING,
                attempts=1,
                lease_owner="daemon-muerto",
                lease_expires_at=datetime.now(UTC) - timedelta(seconds=1),
                upload=kept.last,
            )
        )
    before = dict(calls(sandbox))

    outcome = publisher(database, sandbox, tmp_path).run_once()

    assert len(outcome.recovered) == 1 and not outcome.published
    assert [post["text"] for post in posts(sandbox)] == ["Video del aviso"]
    assert publication(database, "aviso").state == PublicationState.PUBLISHED
    after = calls(sandbox)
    assert after.get("POST /{page-id}/video_reels", 0) == before.get(
        "POST /{page-id}/video_reels", 0
    )
    assert after.get("POST /{page-id}/videos", 0) == before.get("POST /{page-id}/videos", 0)


@pytest.mark.parametrize("make", [reel, horizontal], ids=["reel", "horizontal"])
def test_a_stored_finished_upload_is_not_posted_again_by_publish(sandbox, tmp_path: Path, make):
    path = make(tmp_path)
    kept = Remembered()
    first = fb(sandbox).publish(Outgoing("aviso", "Aviso", (path,), remember=kept))

    before, sent = dict(calls(sandbox)), world(sandbox).bytes_received

    second = fb(sandbox).publish(Outgoing("aviso", "Aviso", (path,), upload=kept.last))

    assert [post["text"] for post in posts(sandbox)] == ["Aviso"]
    assert second.remote_id == first.remote_id
    # Nothing was sent again: no byte, no start, no finish, no second POST /videos.
    after = calls(sandbox)
    for call in ("POST /{page-id}/video_reels", "POST /{page-id}/videos", "POST /{app-id}/uploads"):
        assert after.get(call, 0) == before.get(call, 0), call
    assert world(sandbox).bytes_received == sent


def test_a_stored_upload_of_another_file_is_not_reused(sandbox, tmp_path: Path):
    path = horizontal(tmp_path, 2 * MB)
    stopped = Remembered(stop_at=1)
    with pytest.raises(Transient):
        fb(sandbox).publish(Outgoing("obra", "Obra", (path,), remember=stopped))
    stamp = path.stat().st_mtime_ns
    horizontal(tmp_path, 3 * MB)  # the team replaced the file with another one
    os.utime(path, ns=(stamp, stamp))  # copied keeping its time: the size tells

    fb(sandbox).publish(Outgoing("obra", "Obra", (path,), upload=stopped.last))

    assert calls(sandbox)["POST /{app-id}/uploads"] == 2
    assert world(sandbox).bytes_received == 3 * MB
    assert [post["text"] for post in posts(sandbox)] == ["Obra"]


def test_a_video_that_is_not_a_reel_needs_the_app_id(sandbox, tmp_path: Path):
    with pytest.raises(Rejected) as refused:
        fb(sandbox, app_id=None).publish(Outgoing("o", "Obra", (horizontal(tmp_path),)))
    fb(sandbox, app_id=None).publish(Outgoing("r", "Reel", (reel(tmp_path),)))

    assert "app_id" in refused.value.reason and "[channels.facebook]" in refused.value.reason
    assert [post["text"] for post in posts(sandbox)] == ["Reel"]


def test_the_token_goes_only_to_metas_upload_host(sandbox, tmp_path: Path):
    path = reel(tmp_path)
    session = {"flow": "reel", "file": path.name, "size": path.stat().st_size,
               "video_id": "1", "upload_url": "https://evil.example/video-upload/1"}  # fmt: skip
    channel = fb(sandbox)

    with pytest.raises(Rejected):
        channel._rupload(Outgoing("r", "Reel"), session, MediaFile.inspect(path), 0)


# --- a real daemon killed mid-upload ------------------------------------------------------


def _daemon_once(folder: Path, env: dict[str, str]) -> subprocess.Popen:
    log = (folder / f"daemon-{time.monotonic_ns()}.log").open("w", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "conectados", "-v", "daemon", "--once"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def test_a_daemon_killed_mid_upload_publishes_the_video_once_on_the_next_run(
    tmp_path: Path, sandbox
):
    media = tmp_path / "medios"
    media.mkdir()
    path = horizontal(media, 2 * PART + 5 * MB, "obra.mp4")
    size = path.stat().st_size
    (tmp_path / "conectados.toml").write_text(
        f'carpeta_medios = "medios"\n[sandbox]\nurl = "{sandbox.url}"\n'
        "[webhooks]\ncon_el_servicio = false\n"
        "[channels.whatsapp]\nactivo = false\n[channels.x]\nactivo = false\n"
        "[publicacion]\nreserva_segundos = 2\n",
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    database.upgrade()
    schedule(database, "obra", "Avance de la obra", ["obra.mp4"], datetime.now(UTC))
    world(sandbox).upload_rate = 25 * MB  # a wide window to stop it in
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}

    first = _daemon_once(tmp_path, env)
    deadline = time.monotonic() + 30
    while world(sandbox).bytes_received < PART + MB and time.monotonic() < deadline:
        assert first.poll() is None, "the daemon ended before it was stopped"
        time.sleep(0.02)
    first.kill()  # SIGKILL mid-upload: no chance to record anything
    first.wait(timeout=10)
    sent_before = world(sandbox).bytes_received
    assert PART < sent_before < size and posts(sandbox) == []
    assert publication(database, "obra").upload["upload_id"].startswith("upload:")

    world(sandbox).upload_rate = None
    time.sleep(2.1)  # the dead daemon's lease runs out
    second = _daemon_once(tmp_path, env)
    assert second.wait(timeout=60) == 0

    resent = world(sandbox).bytes_received - sent_before
    assert resent < size - PART  # the confirmed chunk and more were not sent again
    assert [post["text"] for post in posts(sandbox)] == ["Avance de la obra"]
    row = publication(database, "obra")
    database.dispose()
    assert row.state == PublicationState.PUBLISHED and row.upload is None
    assert calls(sandbox)["POST /{app-id}/uploads"] == 1


def test_an_upload_is_remembered_only_by_the_daemon_that_holds_the_publication(database):
    due = datetime.now(UTC) - timedelta(seconds=1)
    schedule(database, "aviso", "Aviso", ["a.mp4"], due)
    with database.session(write=True) as session:
        [claimed] = claim_due(
            session.connection(), datetime.now(UTC), "daemon-1", timedelta(minutes=1), 5,
            ("facebook",),
        )  # fmt: skip
    upload = {"flow": "resumable", "file": "a.mp4", "size": 10, "upload_id": "upload:1"}

    with database.session(write=True) as session:
        taken = remember_upload(
            session.connection(), claimed, "daemon-2", upload, datetime.now(UTC),
            timedelta(minutes=1),
        )  # fmt: skip
    assert not taken and publication(database, "aviso").upload is None

    later = datetime.now(UTC) + timedelta(minutes=30)
    with database.session(write=True) as session:
        kept = remember_upload(
            session.connection(), claimed, "daemon-1", upload, later, timedelta(minutes=1)
        )
    row = publication(database, "aviso")
    assert kept and row.upload == upload
    assert row.lease_expires_at.replace(tzinfo=UTC) > later  # a long upload keeps its lease


# --- review findings: crashes around the last steps, leases, refusals, files ----------------


class FaultBeforeBytes(Remembered):
    """Hands the simulator a fault when the session is first kept: the upload POST that
    follows (the first call after it) gets it."""

    def __init__(self, sandbox, fault: dict) -> None:
        super().__init__()
        self.sandbox, self.fault = sandbox, fault

    def __call__(self, session: dict) -> None:
        super().__call__(session)
        if len(self.sessions) == 1:
            self.sandbox.control(
                "POST", "faults", {"network": "facebook", "count": 1, **self.fault}
            )


def test_a_video_posted_just_before_a_crash_is_found_among_the_pages_videos(
    sandbox, tmp_path: Path
):
    path = horizontal(tmp_path, 2 * MB)
    world(sandbox).video_processing_seconds = 3600  # Meta lists it in posts once processed
    # POST /videos answered; the daemon died before it kept the video's id.
    stopped = Remembered(stop_at=3)  # session, posting (with the handle), video id
    with pytest.raises(Transient):
        fb(sandbox).publish(Outgoing("obra", "Obra", (path,), remember=stopped))
    posting = stopped.sessions[1]
    assert posting["posting"] and "video_id" not in posting
    listed = requests.get(
        f"{sandbox.url}/v24.0/{PAGE_ID}/published_posts", params={"access_token": "t"}
    ).json()["data"]
    assert listed == []  # processing: its post cannot be found by its text yet

    again = Remembered()
    receipt = fb(sandbox).publish(Outgoing("obra", "Obra", (path,), upload=posting, remember=again))

    assert len(posts(sandbox)) == 1  # never a second post
    assert calls(sandbox)["POST /{page-id}/videos"] == 1
    assert calls(sandbox)["GET /{page-id}/videos"] == 1
    assert receipt.remote_id == again.last["video_id"]


def test_a_repeated_finish_of_a_reel_still_processing_is_retried_not_failed(
    sandbox, tmp_path: Path
):
    path = reel(tmp_path, 2 * MB)
    world(sandbox).video_processing_seconds = 3600
    kept = Remembered()
    fb(sandbox).publish(Outgoing("reel", "Reel", (path,), remember=kept))
    finishing = kept.last  # the daemon died after `finish`, before recording the receipt
    assert finishing["finishing"]

    with pytest.raises(Transient):  # the simulator refuses a 2nd finish while processing
        fb(sandbox).publish(Outgoing("reel", "Reel", (path,), upload=finishing))
    world(sandbox).video_processing_seconds = 0  # processed: the Reel is out
    receipt = fb(sandbox).publish(Outgoing("reel", "Reel", (path,), upload=finishing))

    assert [post["text"] for post in posts(sandbox)] == ["Reel"]
    assert receipt.remote_id == posts(sandbox)[0]["id"]
    assert calls(sandbox)["POST /{page-id}/video_reels"] == 3  # start, finish, refused finish


@pytest.mark.parametrize("make", [reel, horizontal], ids=["reel", "horizontal"])
def test_a_long_upload_post_hands_its_session_over_as_it_goes(sandbox, tmp_path: Path, make):
    path = make(tmp_path, 5 * MB)
    channel = fb(sandbox)
    channel.progress_bytes = MB  # every MB instead of every 16
    kept = Remembered()

    channel.publish(Outgoing("v", "Video", (path,), remember=kept))

    key = "video_id" if make is reel else "upload_id"
    during = [s for s in kept.sessions if not s.get("finishing") and not s.get("handle")]
    assert len(during) >= 5  # kept before the bytes, then once for each MB sent
    assert len({s[key] for s in during}) == 1
    assert world(sandbox).bytes_received == 5 * MB


def test_a_lost_lease_stops_the_upload_mid_post(sandbox, tmp_path: Path):
    path = horizontal(tmp_path, 6 * MB)
    channel = fb(sandbox)
    channel.progress_bytes = MB
    lost = Remembered(stop_at=3)  # another daemon took the publication after 2 MB

    with pytest.raises(Transient):
        channel.publish(Outgoing("obra", "Obra", (path,), remember=lost))

    assert world(sandbox).bytes_received < 6 * MB and posts(sandbox) == []


def test_the_resumable_upload_is_one_post_of_the_rest_of_the_file(sandbox, tmp_path: Path):
    path = horizontal(tmp_path, 3 * MB)
    stopped = Remembered(stop_at=1)
    with pytest.raises(Transient):
        fb(sandbox).publish(Outgoing("obra", "Obra", (path,), remember=stopped))
    session = stopped.last
    # What a cut connection left: the first MB (Meta answers nothing to a cut POST).
    requests.post(
        f"{sandbox.url}/v24.0/{session['upload_id']}",
        headers={"Authorization": "OAuth t", "file_offset": "0",
                 "Content-Type": "application/octet-stream"},
        data=path.read_bytes()[:MB],
    )  # fmt: skip
    assert world(sandbox).bytes_received == MB

    fb(sandbox).publish(Outgoing("obra", "Obra", (path,), upload=session))

    assert calls(sandbox)["POST /{upload-session-id}"] == 2  # the cut one, then the rest
    assert world(sandbox).bytes_received == 3 * MB
    assert [post["text"] for post in posts(sandbox)] == ["Obra"]


@pytest.mark.parametrize(
    "fault",
    [{"status": "refusal", "code": 506}, {"status": 500}, {"status": "refusal", "code": 4}],
    ids=["4xx", "5xx", "limit-403"],
)
@pytest.mark.parametrize("make", [reel, horizontal], ids=["reel", "horizontal"])
def test_a_refused_upload_post_is_retried_from_the_servers_offset(
    sandbox, tmp_path: Path, make, fault
):
    path = make(tmp_path, 2 * MB)
    faulty = FaultBeforeBytes(sandbox, fault)
    with pytest.raises(Transient):
        fb(sandbox).publish(Outgoing("v", "Video", (path,), remember=faulty))

    fb(sandbox).publish(Outgoing("v", "Video", (path,), upload=faulty.sessions[0]))

    assert [post["text"] for post in posts(sandbox)] == ["Video"]


@pytest.mark.parametrize(
    "fault", [{"status": 401}, {"status": "refusal", "code": 200}], ids=["401-190", "403-200"]
)
@pytest.mark.parametrize("make", [reel, horizontal], ids=["reel", "horizontal"])
def test_a_refused_token_on_the_upload_post_pauses_facebook(sandbox, tmp_path: Path, make, fault):
    from channels.base import AuthFailed

    path = make(tmp_path, 2 * MB)
    with pytest.raises(AuthFailed) as refused:
        fb(sandbox).publish(
            Outgoing("v", "Video", (path,), remember=FaultBeforeBytes(sandbox, fault))
        )

    assert "token" in refused.value.reason and "token-de-prueba" not in refused.value.reason


def test_a_bare_403_from_the_upload_host_is_a_token_problem():
    from channels.base import AuthFailed
    from channels.meta.facebook_video import upload_answer

    denied = requests.Response()
    denied.status_code = 403
    denied._content = b'{"debug_info": {"type": "AuthError", "message": "denied"}}'
    busy = requests.Response()
    busy.status_code = 403
    busy._content = b'{"error": {"code": 4, "is_transient": true, "message": "limit"}}'

    with pytest.raises(AuthFailed):
        upload_answer(denied)
    assert upload_answer(busy)["error"]["code"] == 4


def test_a_stored_upload_is_not_reused_when_the_file_changed_in_place(sandbox, tmp_path: Path):
    path = horizontal(tmp_path, 2 * MB)
    stopped = Remembered(stop_at=1)
    with pytest.raises(Transient):
        fb(sandbox).publish(Outgoing("obra", "Obra", (path,), remember=stopped))
    # Replaced by another clip of the very same name and size.
    with path.open("r+b") as handle:
        handle.seek(MB)
        handle.write(b"otro video")
    stamp = path.stat().st_mtime_ns
    os.utime(path, ns=(stamp + 10**9, stamp + 10**9))

    fb(sandbox).publish(Outgoing("obra", "Obra", (path,), upload=stopped.last))

    assert calls(sandbox)["POST /{app-id}/uploads"] == 2
    assert stopped.last["mtime_ns"] != path.stat().st_mtime_ns


@pytest.mark.parametrize("rotation, upright", [(0, False), (90, True), (180, False), (270, True)])
def test_a_phone_clip_stored_turned_is_read_upright(tmp_path: Path, rotation: int, upright: bool):
    path = tmp_path / "telefono.mp4"
    with path.open("wb") as handle:
        handle.write(mp4_video(30, 1920, 1080, rotation=rotation))
        handle.truncate(MB)

    media = MediaFile.inspect(path)

    assert (media.width, media.height) == ((1080, 1920) if upright else (1920, 1080))
    assert is_reel(media) is upright


def test_the_simulators_upload_answers_have_metas_documented_keys(sandbox, tmp_path: Path):
    base = f"{sandbox.url}/v24.0"
    data = mp4_video(30, 1080, 1920)
    start = requests.post(
        f"{base}/{PAGE_ID}/video_reels", data={"upload_phase": "start", "access_token": "t"}
    ).json()
    upload = requests.post(
        start["upload_url"],
        headers={"Authorization": "OAuth t", "offset": "0", "file_size": str(len(data)),
                 "Content-Type": "application/octet-stream"},
        data=data,
    ).json()  # fmt: skip
    finish = requests.post(
        f"{base}/{PAGE_ID}/video_reels",
        data={"upload_phase": "finish", "video_id": start["video_id"],
              "video_state": "PUBLISHED", "description": "Reel", "access_token": "t"},
    ).json()  # fmt: skip
    session = requests.post(
        f"{base}/{APP_ID}/uploads",
        params={"file_name": "a.mp4", "file_length": len(data), "file_type": "video/mp4"},
        data={"access_token": "t"},
    ).json()
    handle = requests.post(
        f"{base}/{session['id']}",
        headers={"Authorization": "OAuth t", "file_offset": "0",
                 "Content-Type": "application/octet-stream"},
        data=data,
    ).json()  # fmt: skip
    video = requests.post(
        f"{base}/{PAGE_ID}/videos",
        data={"fbuploader_video_file_chunk": handle["h"], "description": "Obra",
              "access_token": "t"},
    ).json()  # fmt: skip

    assert upload.keys() == contract("reels-publishing.upload.json").keys()
    assert finish.keys() == contract("reels-publishing.finish.json").keys()
    assert handle.keys() == contract("resumable-upload-api.upload.json").keys()
    assert video.keys() == contract("video-api-publishing.videos.json").keys()


def test_the_resumable_upload_goes_with_the_system_users_token_and_the_post_with_the_pages(
    sandbox, tmp_path: Path
):
    """Meta's Resumable Upload API asks for a User or System User token; the adapter, which
    swaps the configured system user's token for the Page's, keeps the first for the upload."""
    channel = FacebookChannel(
        PAGE_ID, SYSTEM_USER_TOKEN, sandbox.url, timeout=5, app_id=APP_ID, derive_page_token=True
    )

    channel.publish(Outgoing("obra", "La obra", (horizontal(tmp_path, 2 * MB),)))

    made = sandbox.control("GET", "requests")["requests"]
    uploads = [r for r in made if "/uploads" in r["path"] or "/upload:" in r["path"]]
    videos = [r for r in made if r["path"].endswith(f"/{PAGE_ID}/videos")]
    assert uploads and all(r["system_user_token"] for r in uploads)
    assert videos and not any(r["system_user_token"] for r in videos)
