"""Instagram exactly once through crashes, with real `conectados daemon` processes: a carousel
and a Reel from a calendar file publish once each through a SIGKILL between container creation
and publishing, and a post whose `media_publish` answer never came back is found, not sent
again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from media_files import jpeg_image, media_file, mp4_video

from conectados.app import App
from conectados.clock import FixedClock
from conectados.db import Database
from content_calendar.models import Publication, PublicationState
from office.cli import run

ZONE = ZoneInfo("America/Bogota")
LEASE_SECONDS = 2


def world(sandbox):
    return sandbox.sandbox.instagram


@pytest.fixture
def office(tmp_path: Path, sandbox):
    """A company folder on the test's simulator: Instagram only, short leases."""
    (tmp_path / "medios").mkdir()
    (tmp_path / "conectados.toml").write_text(
        f'carpeta_medios = "medios"\n[sandbox]\nurl = "{sandbox.url}"\n'
        "[webhooks]\ncon_el_servicio = false\n[channels.facebook]\nactivo = false\n"
        "[channels.whatsapp]\nactivo = false\n[channels.x]\nactivo = false\n"
        f"[publicacion]\nreserva_segundos = {LEASE_SECONDS}\n",
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    yield tmp_path, database
    database.dispose()


def import_calendar(folder: Path, entries: str) -> None:
    """Import a calendar whose posts are due a minute ago: the import runs on a clock ten
    minutes back (a calendar is written before its day), the daemon on the real one."""
    due = datetime.now(ZONE).replace(second=0, microsecond=0) - timedelta(minutes=1)
    text = "zona_horaria: America/Bogota\npublicaciones:\n" + entries.replace(
        "FECHA", due.strftime("%Y-%m-%d %H:%M")
    )
    (folder / "calendario.yaml").write_text(text, encoding="utf-8")
    app = App(environ={}, cwd=folder, clock=FixedClock(due - timedelta(minutes=10)))
    assert run(["init"], app=app) == 0
    assert run(["calendar", "import", "calendario.yaml"], app=app) == 0


def daemon_once(folder: Path) -> subprocess.Popen:
    return daemon(folder, "--once")


def daemon(folder: Path, *options: str) -> subprocess.Popen:
    """`conectados daemon` (it runs until stopped), or one round of it with --once."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    log = (folder / f"daemon-{time.monotonic_ns()}.log").open("w", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "conectados", "-v", "daemon", *options],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def wait_for(condition, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, "the daemon ended before it was stopped"
        assert time.monotonic() < deadline, "the daemon never got there"
        time.sleep(0.05)


def wait_until_due(database: Database, seconds: float = 60) -> None:
    """Until every publication may be taken again: its lease run out (a call cut short) and
    its next attempt come (a container Meta was still processing). The rows are read again
    until the clock is past both, so a next daemon (started later still) takes them all."""
    deadline = time.monotonic() + seconds
    while not all(_may_be_taken(row) for row in rows(database).values()):
        assert time.monotonic() < deadline, "the killed daemon's publications never came due"
        time.sleep(0.05)


def _may_be_taken(row: Publication) -> bool:
    now = datetime.now(UTC)
    times = [row.next_attempt_at, row.lease_expires_at or row.next_attempt_at]
    return all(_utc(moment) < now for moment in times)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rows(database: Database) -> dict[str, Publication]:
    with database.session() as session:
        found = session.execute(sa.select(Publication)).scalars().all()
        return {row.post_id: row for row in found}


def test_a_carousel_and_a_reel_publish_once_each_through_a_sigkill_before_publishing(
    office, sandbox
):
    folder, database = office
    for name, height in (("planta-1.jpg", 1080), ("planta-2.jpg", 1350), ("planta-3.jpg", 1080)):
        media_file(folder / "medios", name, jpeg_image(1080, height), size=50_000)
    reel = media_file(folder / "medios", "tanque.mp4", mp4_video(30, 1080, 1920), size=2_000_000)
    import_calendar(
        folder,
        "  - id: planta-carrusel\n    fecha: FECHA\n    redes: [instagram]\n"
        "    texto: Así quedó la planta de tratamiento\n"
        "    medios: [planta-1.jpg, planta-2.jpg, planta-3.jpg]\n"
        "  - id: tanque-reel\n    fecha: FECHA\n    redes: [instagram]\n"
        "    texto: Cómo lavar el tanque de su casa\n    medios: [tanque.mp4]\n",
    )
    world(sandbox).set_container_seconds(3600)  # every container stays IN_PROGRESS

    # The service asks about its containers every few seconds, a thread busy only meanwhile.
    first = daemon(folder)

    def both_waiting() -> bool:
        # The carousel's items wait to be FINISHED before the carousel is made (Meta's
        # order); the Reel's bytes are in and it is processing.
        containers = list(world(sandbox).containers.values())
        items = [c for c in containers if c.is_carousel_item]
        reels = [c for c in containers if c.media_type == "REELS" and c.media_in is not None]
        if len(items) < 3 or not reels:
            return False
        kept = rows(database)  # and the daemon has recorded them (it may be killed any time)
        children = (kept["planta-carrusel"].upload or {}).get("children") or []
        reel_entry = (kept["tanque-reel"].upload or {}).get("container") or {}
        return len([c for c in children if c]) == 3 and reel_entry.get("uploaded") is True

    wait_for(both_waiting, first)
    first.kill()  # SIGKILL between container creation and publishing: nothing recorded
    first.wait(timeout=10)
    made = set(world(sandbox).containers)
    assert len(made) == 4 and world(sandbox).media == {}  # 3 items and the Reel
    kept = rows(database)
    assert len(kept["planta-carrusel"].upload["children"]) == 3
    assert kept["tanque-reel"].upload["container"]["id"] in made

    world(sandbox).set_container_seconds(0)  # Meta finished processing meanwhile
    wait_until_due(database)  # killed mid-call (its lease runs out) or between two asks
    second = daemon_once(folder)
    assert second.wait(timeout=90) == 0

    media = list(world(sandbox).media.values())
    assert sorted(m.caption for m in media) == [
        "Así quedó la planta de tratamiento",
        "Cómo lavar el tanque de su casa",
    ]
    # The items and the Reel were reused; only the carousel itself was made since.
    assert made < set(world(sandbox).containers) and len(world(sandbox).containers) == 5
    published = [c for c in world(sandbox).containers.values() if c.status_code == "PUBLISHED"]
    assert len(published) == 2
    assert world(sandbox).calls["POST /{ig-user-id}/media_publish"] == 2
    assert world(sandbox).upload_bytes == reel.stat().st_size  # the Reel's bytes went once
    for row in rows(database).values():
        assert row.state == PublicationState.PUBLISHED and row.remote_id in world(sandbox).media
        assert row.upload is None


def test_a_post_whose_publish_answer_was_lost_is_found_not_published_again(office, sandbox):
    folder, database = office
    media_file(folder / "medios", "corte.jpg", jpeg_image(1080, 1080), size=50_000)
    import_calendar(
        folder,
        "  - id: corte-norte\n    fecha: FECHA\n    redes: [instagram]\n"
        "    texto: Corte de agua en el sector norte\n    medios: [corte.jpg]\n",
    )
    sandbox.control("POST", "instagram", {"publish_delay": 60})  # carried out, answered late

    first = daemon_once(folder)
    wait_for(lambda: bool(world(sandbox).media), first)
    first.kill()  # after media_publish reached Meta, before its answer was recorded
    first.wait(timeout=10)
    [row] = rows(database).values()
    assert row.state == PublicationState.PUBLISHING and row.upload["publishing"] is True

    sandbox.control("POST", "instagram", {"publish_delay": 0})
    wait_until_due(database)  # the killed daemon's lease ran out
    second = daemon_once(folder)
    assert second.wait(timeout=90) == 0

    [media] = world(sandbox).media.values()
    [row] = rows(database).values()
    assert row.state == PublicationState.PUBLISHED and row.remote_id == media.id
    assert world(sandbox).calls["POST /{ig-user-id}/media_publish"] == 1
    assert len(world(sandbox).containers) == 1
