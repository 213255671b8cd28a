"""How many calls the metrics job makes for 500 Instagram media, next to Facebook's for 500
posts, in the same run.

Runs the daemon's own metrics job (`scheduler.figures.MetricsCollector.run_once`) on a
database with 500 published posts on each network, through the real adapters over HTTP
against the local simulator, and prints the simulator's count of each endpoint it was asked.
Instagram's figures come in Graph batch requests of 50: one HTTP call carries 50 insights
requests, and Meta counts each of the 50 against the rate limits; both are printed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# bench/calendar.py would hide the standard library's calendar: keep this folder off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import sqlalchemy as sa  # noqa: E402

from channels.meta.facebook import FacebookChannel  # noqa: E402
from channels.meta.instagram import InstagramChannel  # noqa: E402
from channels.sandbox import SandboxServer  # noqa: E402
from channels.sandbox.graph_world import PAGE_ID  # noqa: E402
from channels.sandbox.instagram_world import IG_USER_ID  # noqa: E402
from conectados.clock import SystemClock  # noqa: E402
from conectados.db import Database  # noqa: E402
from content_calendar.models import Post, Publication, PublicationState  # noqa: E402
from scheduler.figures import MetricsCollector  # noqa: E402

POSTS = 500
NETWORKS = ("facebook", "instagram")


def seed(server: SandboxServer, network: str, now: datetime) -> list[str]:
    """500 posts published over the last three weeks, one every hour."""
    posts = [
        {"text": f"publicación {n}", "created_at": (now - timedelta(hours=n + 1)).isoformat()}
        for n in range(POSTS)
    ]
    return server.control("POST", "posts", {"network": network, "posts": posts})["ids"]


def publish_in(database: Database, ids: dict[str, list[str]], now: datetime) -> None:
    """The publications the metrics job reads: one per post and network, published."""
    with database.session(write=True) as session:
        connection = session.connection()
        connection.execute(
            sa.insert(Post),
            [{"id": f"p{n}", "text": f"publicación {n}", "variants": {}, "media": [],
              "scheduled_at": now, "created_at": now, "updated_at": now}
             for n in range(POSTS)],
        )  # fmt: skip
        connection.execute(
            sa.insert(Publication),
            [{"post_id": f"p{n}", "network": network, "state": PublicationState.PUBLISHED,
              "next_attempt_at": now, "remote_id": remote_id,
              "published_at": now - timedelta(hours=n + 1)}
             for network, remote_ids in ids.items() for n, remote_id in enumerate(remote_ids)],
        )  # fmt: skip


def main() -> int:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder, SandboxServer() as server:
        database = Database(f"sqlite:///{Path(folder) / 'conectados.db'}")
        database.upgrade()
        ids = {network: seed(server, network, now) for network in NETWORKS}
        publish_in(database, ids, now)
        channels = {
            "facebook": FacebookChannel(PAGE_ID, "token", server.url),
            "instagram": InstagramChannel(IG_USER_ID, "token", server.url),
        }
        before = server.control("GET", "state")
        start = time.perf_counter()
        stored = MetricsCollector(database, channels, SystemClock()).run_once()
        elapsed = time.perf_counter() - start
        after = server.control("GET", "state")
        database.dispose()
    print(f"Trabajo de métricas: {POSTS} publicaciones por red ({elapsed * 1000:.0f} ms en total)")
    for network in NETWORKS:
        calls = {
            name: count - before[network]["calls"].get(name, 0)
            for name, count in after[network]["calls"].items()
        }
        calls = {name: count for name, count in calls.items() if count}
        http = sum(count for name, count in calls.items() if not name.startswith("batch: "))
        counted = sum(count for name, count in calls.items() if name != "POST / (batch)")
        print(f"\n{network}: {stored.get(network, 0)} muestras guardadas")
        for name, count in sorted(calls.items()):
            print(f"  {name:<42} {count:>5}")
        print(f"  {'llamadas HTTP':<42} {http:>5}  ({http * 100 / POSTS:.1f} por 100)")
        print(
            f"  {'solicitudes que cuentan para el límite':<42} {counted:>5}  "
            f"({counted * 100 / POSTS:.1f} por 100)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
