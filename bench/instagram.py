"""How much later Instagram posts go out than Facebook's, because of the container wait
(issue 20's bench: "with 100 Instagram posts due at once, the lateness the container wait
adds (p50, p99) compared with Facebook in the same run").

100 Facebook image posts and 100 Instagram image posts, all due at the same second, go out
through one real `conectados daemon` process (its default 8 publications at a time) against
the local sandbox; then each network's 100 alone, for comparison. The simulator keeps each
Instagram container IN_PROGRESS for CONTAINER_SECONDS after its image was fetched (a
realistic small value: Meta answers an image container in a second or two). The adapter
asks about a new container at once and again after ContainerWait.in_call (1 s) inside the
call; still IN_PROGRESS, it hands the post back (NotReady) to be asked about again after 1 s,
then 2 s, 4 s..., the thread free for the other posts meanwhile. A post's lateness is when
its publishing request reached the network (Facebook: `POST /{page-id}/photos`; Instagram:
`POST /{ig-user-id}/media_publish`) less its due time, from the sandbox's request log; each
Instagram post's container wait is from its container's creation to its publication, from
the simulator's own records.

The metrics half of issue 20's bench is bench/instagram_metrics.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# This folder holds bench scripts named like the project's packages: keep it off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]
sys.path.append(str(Path(__file__).resolve().parent.parent / "tests"))

import sqlalchemy as sa  # noqa: E402
from media_files import jpeg_image, media_file  # noqa: E402

from channels.sandbox import SandboxServer  # noqa: E402
from conectados.db import Database  # noqa: E402
from content_calendar.models import Post, Publication  # noqa: E402

POSTS = 100
CONTAINER_SECONDS = 2.0
WORKERS = 8
PUBLISHING_PATHS = {"facebook": "/photos", "instagram": "/media_publish"}


def prepare(folder: Path, sandbox_url: str, due: datetime, networks: tuple[str, ...]) -> Database:
    (folder / "medios").mkdir()
    media_file(folder / "medios", "foto.jpg", jpeg_image(1080, 1080), size=60_000)
    (folder / "conectados.toml").write_text(
        f'carpeta_medios = "medios"\n[sandbox]\nurl = "{sandbox_url}"\n'
        "[webhooks]\ncon_el_servicio = false\n"
        "[channels.x]\nactivo = false\n[channels.whatsapp]\nactivo = false\n"
        f"[publicacion]\nen_paralelo = {WORKERS}\n",
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{folder / 'conectados.db'}")
    database.upgrade()
    posts, publications = [], []
    # Interleaved (the claim order among posts due at the same second is by row): neither
    # network's posts go first as a block.
    for n in range(POSTS):
        for network in networks:
            post_id = f"{network}-{n:03d}"
            posts.append(
                {
                    "id": post_id,
                    "text": f"Aviso {n} en {network}",
                    "variants": {},
                    "media": ["foto.jpg"],
                    "scheduled_at": due,
                    "source_file": "bench",
                    "source_line": n,
                    "created_at": due,
                    "updated_at": due,
                }
            )
            publications.append(
                {
                    "post_id": post_id,
                    "network": network,
                    "state": "scheduled",
                    "attempts": 0,
                    "next_attempt_at": due,
                }
            )
    with database.session() as session:
        session.execute(sa.insert(Post.__table__), posts)
        session.execute(sa.insert(Publication.__table__), publications)
    return database


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * share) - 1)]


def run(networks: tuple[str, ...]) -> dict[str, list[float]]:
    """Each network's lateness, and each Instagram post's container wait, in seconds."""
    with tempfile.TemporaryDirectory() as folder, SandboxServer() as sandbox:
        sandbox.control("POST", "instagram", {"container_seconds": CONTAINER_SECONDS})
        due = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
        database = prepare(Path(folder), sandbox.url, due, networks)
        env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
        daemon = subprocess.Popen(
            [sys.executable, "-m", "conectados", "daemon"],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = time.monotonic()
        try:
            while time.monotonic() - started < 170:
                state = sandbox.control("GET", "state")
                if all(len(state[network]["posts"]) >= POSTS for network in networks):
                    break
                time.sleep(0.5)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
            database.dispose()
        requests = sandbox.control("GET", "requests")["requests"]
        world = sandbox.sandbox.instagram
        late: dict[str, list[float]] = {network: [] for network in networks}
        late["wait"] = [
            (media.created - world.containers[media.container_id].created).total_seconds()
            for media in world.media.values()
        ]
    for request in requests:
        if request["method"] != "POST" or request["status"] != 200:
            continue
        for network in networks:
            if request["path"].endswith(PUBLISHING_PATHS[network]):
                late[network].append(request["arrived"] - due.timestamp())
    return late


def figures(name: str, values: list[float]) -> str:
    if len(values) < POSTS:
        return f"    {name:<10} incompleto: salieron {len(values)} de {POSTS}"
    return (
        f"    {name:<10} retraso al publicar   p50 {percentile(values, 0.5):6.2f} s   "
        f"p99 {percentile(values, 0.99):6.2f} s   máximo {max(values):6.2f} s"
    )


def main() -> None:
    print(
        f"{POSTS} publicaciones con imagen por red, todas para el mismo segundo, un servicio con "
        f"{WORKERS} a la vez; el simulador tiene cada contenedor de Instagram EN PROCESO "
        f"{CONTAINER_SECONDS:g} s:"
    )
    runs = {
        "solo Facebook": ("facebook",),
        "solo Instagram": ("instagram",),
        "Facebook e Instagram juntas": ("facebook", "instagram"),
    }
    results = {}
    for title, networks in runs.items():
        late = results[title] = run(networks)
        print(f"  {title}:")
        for network in networks:
            print(figures(network.capitalize(), late[network]))
        if late.get("wait"):
            print(
                "    cada publicación de Instagram, de crear su contenedor a publicarlo: "
                f"p50 {percentile(late['wait'], 0.5):.2f} s   "
                f"p99 {percentile(late['wait'], 0.99):.2f} s "
                "(el hilo queda libre mientras Meta lo prepara)"
            )
    alone, together = results["solo Facebook"]["facebook"], results["Facebook e Instagram juntas"]
    facebook, instagram = together["facebook"], together["instagram"]
    if not (alone and facebook and instagram):
        return
    print(
        "  lo que añade la espera del contenedor (Instagram menos Facebook, juntas): "
        f"p50 {percentile(instagram, 0.5) - percentile(facebook, 0.5):+.2f} s   "
        f"p99 {percentile(instagram, 0.99) - percentile(facebook, 0.99):+.2f} s"
    )
    print(
        "  lo que Instagram retrasa a Facebook (Facebook junto a Instagram menos solo): "
        f"p50 {percentile(facebook, 0.5) - percentile(alone, 0.5):+.2f} s   "
        f"p99 {percentile(facebook, 0.99) - percentile(alone, 0.99):+.2f} s"
    )


if __name__ == "__main__":
    main()
