"""How late posts go out and what the daemon costs when idle (issue 5 targets).

1. 1,000 posts due in the same minute, one network (X, whose sandbox records milliseconds):
   how late after its due time each post's request reached the network (p50, p99), the part
   of that lateness that is ours once the network's own time is taken out, and posts per
   second. Target: p99 under 2 s plus the network's own time.
2. The daemon's resident memory when idle with 10,000 scheduled posts. Target: under 150 MB.

Runs real `conectados daemon` processes against the local sandbox.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# This folder holds bench scripts named like the project's packages: keep it off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import sqlalchemy as sa  # noqa: E402

from channels.sandbox import SandboxServer  # noqa: E402
from conectados.db import Database  # noqa: E402
from content_calendar.models import Post, Publication  # noqa: E402


def prepare(
    folder: Path, sandbox_url: str, posts: int, due: datetime, workers: int = 8
) -> Database:
    (folder / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox_url}"\n[channels.facebook]\nactivo = false\n'
        f"[publicacion]\nen_paralelo = {workers}\n",
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{folder / 'conectados.db'}")
    database.upgrade()
    with database.session() as session:
        session.execute(
            sa.insert(Post.__table__),
            [
                {
                    "id": f"aviso-{n:05d}",
                    "text": f"Aviso número {n}",
                    "variants": {},
                    "media": [],
                    "scheduled_at": due,
                    "source_file": "bench",
                    "source_line": n,
                    "created_at": due,
                    "updated_at": due,
                }
                for n in range(posts)
            ],
        )
        session.execute(
            sa.insert(Publication.__table__),
            [
                {
                    "post_id": f"aviso-{n:05d}",
                    "network": "x",
                    "state": "scheduled",
                    "attempts": 0,
                    "next_attempt_at": due,
                }
                for n in range(posts)
            ],
        )
    return database


def start_daemon(folder: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    return subprocess.Popen(
        [sys.executable, "-m", "conectados", "daemon"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * share) - 1)]


def lateness(workers: int) -> None:
    """Lateness at the network, and the part of it that is ours rather than the network's.

    The sandbox logs when each request arrived and was answered, and from which client port
    (each worker keeps its own connection). A post's lateness is when its request arrived less
    its due time. Before it, its worker waited on the network for its earlier requests: that
    is the network's own time. What remains is ours: claiming, the database, our code.
    """
    posts = 1000
    with tempfile.TemporaryDirectory() as folder, SandboxServer() as sandbox:
        due = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
        database = prepare(Path(folder), sandbox.url, posts, due, workers)
        daemon = start_daemon(Path(folder))
        try:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                done = len(sandbox.control("GET", "state")["x"]["posts"])
                if done >= posts:
                    break
                time.sleep(0.5)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
            database.dispose()
        requests = sandbox.control("GET", "requests")["requests"]
    due_at = due.timestamp()
    late: list[float] = []
    ours: list[float] = []
    service: list[float] = []
    network_time: dict[int, float] = {}
    for request in sorted(requests, key=lambda request: request["arrived"]):
        port = request["client_port"]
        if request["method"] == "POST" and request["path"] == "/2/tweets":
            late.append(request["arrived"] - due_at)
            ours.append(request["arrived"] - due_at - network_time.get(port, 0.0))
            service.append(request["answered"] - request["arrived"])
        if request["arrived"] >= due_at:
            network_time[port] = (
                network_time.get(port, 0.0) + request["answered"] - request["arrived"]
            )
    span = max(late) - min(late)
    print(f"{len(late)} publicaciones para el mismo minuto (X, simulador), {workers} a la vez:")
    print(
        f"  retraso al llegar a la red   p50 {percentile(late, 0.5):6.2f} s   "
        f"p99 {percentile(late, 0.99):6.2f} s   máximo {max(late):6.2f} s"
    )
    print(
        f"  de él, tiempo propio         p50 {percentile(ours, 0.5):6.2f} s   "
        f"p99 {percentile(ours, 0.99):6.2f} s   (meta: p99 < 2 s)"
    )
    print(
        f"  la red tarda en atender cada una: mediana {statistics.median(service) * 1000:.0f} ms; "
        f"ritmo {len(late) / span if span else float('inf'):6.1f} publicaciones por segundo"
    )


def idle_memory() -> None:
    with tempfile.TemporaryDirectory() as folder, SandboxServer() as sandbox:
        due = datetime.now(UTC) + timedelta(days=30)
        database = prepare(Path(folder), sandbox.url, 10_000, due)
        database.dispose()
        daemon = start_daemon(Path(folder))
        try:
            time.sleep(12)  # start-up and a couple of idle rounds
            status = Path(f"/proc/{daemon.pid}/status").read_text()
            rss_kb = int(
                next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]
            )
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
    print(
        f"memoria residente del servicio en reposo con 10.000 publicaciones programadas: {rss_kb / 1024:.0f} MB"
    )


if __name__ == "__main__":
    for workers in (1, 8, 16):
        lateness(workers)
    idle_memory()
