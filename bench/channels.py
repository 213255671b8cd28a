"""API calls the channels spend: per idle poll cycle, per metrics collection of 500 posts.

Runs the real adapters (pyfacebook, tweepy) over HTTP against the local sandbox and
prints, for each network, the calls and the time each operation took.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# This file is named like the package it measures: keep its folder off the import path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

from channels.meta.facebook import FacebookChannel  # noqa: E402
from channels.sandbox import SandboxServer  # noqa: E402
from channels.sandbox.graph_world import PAGE_ID  # noqa: E402
from channels.sandbox.x_world import ACCOUNT_ID  # noqa: E402
from channels.x import XChannel, XCredentials  # noqa: E402

POSTS = 500


def build(network: str, url: str):
    if network == "facebook":
        return FacebookChannel(PAGE_ID, "token", url)
    return XChannel(XCredentials("k", "s", "t", "ts"), ACCOUNT_ID, url)


def seed(server: SandboxServer, network: str, count: int, every_hours: int = 12) -> list[str]:
    now = datetime.now(UTC)
    # Posts going back in time (two a day by default), as a utility's page accumulates them.
    posts = [
        {
            "text": f"publicación {n}",
            "created_at": (now - timedelta(hours=every_hours * n)).isoformat(),
        }
        for n in range(count)
    ]
    return server.control("POST", "posts", {"network": network, "posts": posts})["ids"]


def measure(network: str, server: SandboxServer) -> dict[str, str]:
    figures = {}
    for history in (3, 300):
        server.control("POST", "reset")
        seed(server, network, history)
        channel = build(network, server.url)
        cursor = channel.poll(None).cursor
        batch = channel.poll(cursor)
        figures[f"sondeo sin actividad, {history} publicaciones"] = f"{batch.calls} llamadas"

    server.control("POST", "reset")
    # The metrics job asks for the posts of the last 90 days: 500 of them is six a day.
    ids = seed(server, network, POSTS, every_hours=4)
    channel = build(network, server.url)
    cursor = channel.poll(None).cursor
    kind = "comment" if network == "facebook" else "mention"
    for n in range(50):
        server.control(
            "POST",
            "citizen",
            {"network": network, "kind": kind, "text": f"pregunta {n}", "on": ids[n % 5]},
        )
    start = time.perf_counter()
    batch = channel.poll(cursor)
    elapsed = time.perf_counter() - start
    figures["sondeo con 50 comentarios nuevos"] = (
        f"{batch.calls} llamadas, {len(batch.items)} recibidos, {elapsed * 1000:.0f} ms"
    )

    before = channel.session.calls
    start = time.perf_counter()
    samples = channel.metrics(ids)
    elapsed = time.perf_counter() - start
    calls = channel.session.calls - before
    figures[f"métricas de {POSTS} publicaciones"] = (
        f"{calls} llamadas, {len(samples)} muestras, {elapsed * 1000:.0f} ms"
    )
    return figures


def main() -> None:
    with SandboxServer() as server:
        for network in ("facebook", "x"):
            print(f"{network}:")
            for name, value in measure(network, server).items():
                print(f"  {name:<42} {value}")


if __name__ == "__main__":
    main()
