"""A 300 MB video to Facebook: the publisher's memory, time and throughput (issue 19 targets).

1. A vertical 300 MB MP4 (a Reel: 30 s, 1080 x 1920) and a horizontal one (Resumable Upload
   API, one streamed POST), each published from the calendar by the real publisher, in this
   process, to a simulator running in another process. Printed: this process's resident
   memory before the upload and its peak, the time and the throughput. Target: peak under
   100 MB (the file is streamed from disk, never read whole).
2. A real `conectados daemon --once` killed (SIGKILL) halfway through the horizontal upload,
   then run again: the second run resumes from the offset the simulator confirms. Printed: the
   bytes sent again (target: well under the file's size) and that it went out once.

The MP4s are sparse files (real ftyp and moov boxes with mvhd and tkhd, then a zero mdat), so
they cost no disk; everything is made in a temporary folder and removed at the end.
"""

from __future__ import annotations

import os
import random
import struct
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# This folder holds bench scripts named like the project's packages: keep it off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import requests  # noqa: E402

from channels.meta.facebook import FacebookChannel  # noqa: E402
from channels.sandbox.graph_world import APP_ID, PAGE_ID  # noqa: E402
from conectados.clock import SystemClock  # noqa: E402
from conectados.db import Database  # noqa: E402
from content_calendar.models import Post, Publication, PublicationState  # noqa: E402
from scheduler.publisher import Publisher  # noqa: E402

MB = 1024 * 1024
SIZE = 300 * MB
PEAK_TARGET_MB = 100
ROOT = Path(__file__).resolve().parent.parent
SIMULATOR = """
import sys
from channels.sandbox import SandboxServer
server = SandboxServer()
server.sandbox.facebook.upload_rate = float(sys.argv[1]) or None
print(server.url, flush=True)
server.serve_forever()
"""


def write_mp4(path: Path, seconds: int, width: int, height: int, size: int) -> None:
    """ftyp, moov (mvhd, trak/tkhd) and a zero-filled mdat to `size` bytes, sparse on disk."""
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"mp42", 0, b"mp42", b"isom")
    mvhd_body = struct.pack(">B3sIIII", 0, b"\0\0\0", 0, 0, 1000, seconds * 1000) + b"\0" * 80
    mvhd = struct.pack(">I4s", 8 + len(mvhd_body), b"mvhd") + mvhd_body
    tkhd_body = (
        struct.pack(">B3s", 0, b"\0\0\x03")
        + b"\0" * 72
        + struct.pack(">II", width << 16, height << 16)
    )
    tkhd = struct.pack(">I4s", 8 + len(tkhd_body), b"tkhd") + tkhd_body
    trak = struct.pack(">I4s", 8 + len(tkhd), b"trak") + tkhd
    moov = struct.pack(">I4s", 8 + len(mvhd) + len(trak), b"moov") + mvhd + trak
    head = ftyp + moov
    with path.open("wb") as handle:
        handle.write(head + struct.pack(">I4s", size - len(head), b"mdat"))
        handle.truncate(size)


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_simulator(rate: float = 0.0) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SIMULATOR, str(rate)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    url = process.stdout.readline().strip()
    if not url.startswith("http"):
        process.kill()
        raise SystemExit("the simulator did not start")
    return process, url


def facebook_state(url: str) -> dict:
    return requests.get(f"{url}/_sandbox/state", timeout=10).json()["facebook"]


def schedule(database: Database, post_id: str, text: str, media: str) -> None:
    due = datetime.now(UTC) - timedelta(seconds=1)
    with database.session() as session:
        session.add(Post(id=post_id, text=text, media=[media], scheduled_at=due))
        session.add(Publication(post_id=post_id, network="facebook", next_attempt_at=due))


def publish_in_process(folder: Path, url: str) -> None:
    """Both shapes, one after the other, through the publisher of this very process."""
    media = folder / "medios"
    media.mkdir()
    write_mp4(media / "reel.mp4", 30, 1080, 1920, SIZE)
    write_mp4(media / "obra.mp4", 600, 1920, 1080, SIZE)
    database = Database(f"sqlite:///{folder / 'conectados.db'}")
    database.upgrade()
    channel = FacebookChannel(PAGE_ID, "token", url, timeout=60, app_id=APP_ID)
    job = Publisher(
        database,
        {"facebook": channel},
        SystemClock(),
        media,
        "bench",
        ZoneInfo("America/Bogota"),
        rng=random.Random(1),
    )
    print(f"publicador: {memory_mb('VmRSS'):.0f} MB antes de subir (proceso {os.getpid()})")
    for post_id, name, shape in (
        ("reel", "reel.mp4", "vertical (Reel)"),
        ("obra", "obra.mp4", "horizontal (Resumable Upload API)"),
    ):
        schedule(database, post_id, f"Video {shape}", name)
        before = memory_mb("VmRSS")
        started = time.perf_counter()
        outcome = job.run_once()
        took = time.perf_counter() - started
        peak = memory_mb("VmHWM")
        assert len(outcome.published) == 1, (outcome, shape)
        print(
            f"  {shape}: {SIZE // MB} MB en {took:.1f} s ({SIZE / MB / took:.0f} MB/s); "
            f"memoria {before:.0f} MB antes, pico {peak:.0f} MB "
            f"({'por debajo de' if peak < PEAK_TARGET_MB else 'POR ENCIMA de'} la meta de {PEAK_TARGET_MB} MB)"
        )
    database.dispose()


def kill_and_resume(folder: Path) -> None:
    """A daemon killed mid-upload, then run again: how much is sent twice."""
    media = folder / "medios"
    media.mkdir()
    write_mp4(media / "obra.mp4", 600, 1920, 1080, SIZE)
    simulator, url = start_simulator(rate=150 * MB)  # ~2 s for the file: room to stop it
    try:
        (folder / "conectados.toml").write_text(
            f'carpeta_medios = "medios"\n[sandbox]\nurl = "{url}"\n'
            "[webhooks]\ncon_el_servicio = false\n"
            "[channels.whatsapp]\nactivo = false\n[channels.x]\nactivo = false\n"
            "[publicacion]\nreserva_segundos = 2\n",
            encoding="utf-8",
        )
        database = Database(f"sqlite:///{folder / 'conectados.db'}")
        database.upgrade()
        schedule(database, "obra", "Video interrumpido", "obra.mp4")
        env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
        env["PYTHONPATH"] = str(ROOT)
        command = [sys.executable, "-m", "conectados", "daemon", "--once"]
        quiet = {"cwd": folder, "env": env, "stdout": subprocess.DEVNULL}
        first = subprocess.Popen(command, stderr=subprocess.DEVNULL, **quiet)
        deadline = time.monotonic() + 60
        while facebook_state(url)["uploaded_bytes"] < SIZE // 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.kill()
        first.wait()
        sent = facebook_state(url)["uploaded_bytes"]
        time.sleep(2.1)  # the dead daemon's lease runs out
        started = time.perf_counter()
        second = subprocess.run(command, stderr=subprocess.PIPE, text=True, **quiet)
        took = time.perf_counter() - started
        state = facebook_state(url)
        with database.session() as session:
            row = session.get(Publication, 1)
            published = row is not None and row.state == PublicationState.PUBLISHED
        database.dispose()
        resent = state["uploaded_bytes"] - sent
        out = [post["text"] for post in state["posts"]].count("Video interrumpido")
        print(
            f"  SIGKILL a los {sent / MB:.0f} MB de {SIZE // MB} MB; la segunda ejecución "
            f"({took:.1f} s) envió {resent / MB:.0f} MB más (no repitió "
            f"{(SIZE - resent) / MB:.0f} MB); publicado {out} vez"
            + ("" if published and out == 1 and second.returncode == 0 else " — ¡FALLA!")
        )
        if not (published and out == 1 and resent < SIZE):
            print(second.stderr[-2000:])
            raise SystemExit(1)
    finally:
        simulator.kill()
        simulator.wait()


def main() -> None:
    print(f"== Video de {SIZE // MB} MB a Facebook por el publicador (simulador en otro proceso)")
    with tempfile.TemporaryDirectory(prefix="conectados-video-") as temporary:
        simulator, url = start_simulator()
        try:
            publish_in_process(Path(temporary), url)
        finally:
            simulator.kill()
            simulator.wait()
    print("== Un servicio detenido con SIGKILL a mitad de la subida, y reanudado")
    with tempfile.TemporaryDirectory(prefix="conectados-video-") as temporary:
        kill_and_resume(Path(temporary))
    if memory_mb("VmHWM") >= PEAK_TARGET_MB:
        raise SystemExit(f"la memoria del publicador pasó de {PEAK_TARGET_MB} MB")


if __name__ == "__main__":
    main()
