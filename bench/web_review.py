"""How fast the web office's review page answers with a large office behind it.

Target (issue 23): the review page answers p99 under 100 ms with 10,000 pending replies and
100,000 interactions in SQLite. A real server (uvicorn, the web office as `conectados web`
builds it) on a temporary database filled with bulk inserts; a signed-in requests session
asks, in turns, for a case page (a random pending reply), the queue's first page, a later
page of the queue, and two baselines measured in the same run: the sign-in page (a template,
no database) and the stylesheet (a static file).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# This folder holds bench scripts named like the project's packages: keep it off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from conectados.app import App  # noqa: E402
from office.web_office import build_office  # noqa: E402
from responders.models import Interaction, Reply  # noqa: E402
from web.accounts import add_user  # noqa: E402
from web.app import build_web_app  # noqa: E402
from web.models import Role  # noqa: E402
from web.server import WebServer  # noqa: E402

INTERACTIONS = 100_000
PENDING = 10_000
ROUNDS = 300
NETWORKS = ("facebook", "instagram", "x", "whatsapp")
TEXTS = (
    "Buenas tardes, me llegó el recibo muy alto este mes y no entiendo por qué",
    "¿Hasta qué hora atienden en la oficina del centro?",
    "Desde ayer no hay agua en el barrio La Esperanza, ¿cuándo vuelve?",
    "El agua está saliendo turbia, ¿se puede tomar?",
    "Quiero saber cómo hago para cambiar el titular del contrato",
)


def fill(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    start = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    interactions = []
    for number in range(INTERACTIONS):
        network = NETWORKS[number % len(NETWORKS)]
        interactions.append(
            {
                "network": network,
                "kind": "comment" if number % 3 else "message",
                "remote_id": f"b-{number}",
                "author_id": f"autor-{number % 7_000}",
                "author_name": f"Persona {number % 7_000}",
                "text": TEXTS[number % len(TEXTS)],
                "written_at": start + timedelta(seconds=20 * number),
                "received_at": start + timedelta(seconds=20 * number + 5),
                "state": "in_review" if number % 10 == 0 else "answered",
            }
        )
    table = Interaction.__table__
    with engine.begin() as connection:
        connection.execute(table.insert(), interactions)
        ids = [
            row[0]
            for row in connection.execute(
                sa.select(table.c.id).where(table.c.state == "in_review").order_by(table.c.id)
            )
        ]
        connection.execute(
            Reply.__table__.insert(),
            [
                {
                    "interaction_id": interaction_id,
                    "kind": "answer",
                    "protocol": "reclamo_facturacion",
                    "confidence": 0.55,
                    "text": "Hola, gracias por escribirnos. Revisamos su caso.",
                    "visibility": "public",
                    "state": "pending",
                    "review_note": "confianza baja",
                    "attempts": 0,
                    "outcome_unknown": False,
                    "created_at": start,
                }
                for interaction_id in ids[:PENDING]
            ],
        )
    engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "conectados.toml").write_text('base_datos = "oficina.db"\n', encoding="utf-8")
        app = App(environ={}, cwd=root, config_path=str(root / "conectados.toml"))
        app.database.upgrade()
        began = time.perf_counter()
        fill(app.settings.database_url.render_as_string(hide_password=False))
        print(
            f"Base: {INTERACTIONS:,} interacciones y {PENDING:,} respuestas pendientes "
            f"(llenada en {time.perf_counter() - began:.1f} s)"
        )
        database = app.ready_database()
        add_user(database, "ana", "Ana", Role.COMMUNICATIONS, "clave-de-prueba-1")
        with WebServer(build_web_app(build_office(app, database)), "127.0.0.1", 0) as server:
            browser = requests.Session()
            page = browser.get(server.url + "/entrar")
            token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            signed = browser.post(
                server.url + "/entrar",
                data={"csrf": token, "usuario": "ana", "contrasena": "clave-de-prueba-1"},
            )
            assert signed.url.endswith("/revision"), signed.text[-300:]
            with database.transaction() as connection:
                pending = list(
                    connection.execute(
                        sa.select(Reply.__table__.c.id).where(Reply.__table__.c.state == "pending")
                    ).scalars()
                )
            randomly = random.Random(23)
            targets = {
                "caso (/revision/ID)": lambda: f"/revision/{randomly.choice(pending)}",
                "cola, primera página": lambda: "/revision",
                "cola, página 100": lambda: f"/revision?despues={pending[len(pending) // 2]}",
                "base: /entrar": lambda: "/entrar",
                "base: hoja de estilo": lambda: "/static/office.css",
            }
            times: dict[str, list[float]] = {name: [] for name in targets}
            for _ in range(20):  # warm up every path
                for path in targets.values():
                    browser.get(server.url + path())
            for _ in range(ROUNDS):
                for name, path in targets.items():
                    url = server.url + path()
                    start = time.perf_counter()
                    answer = browser.get(url)
                    times[name].append((time.perf_counter() - start) * 1000)
                    assert answer.status_code == 200, (url, answer.status_code)
        app.close()
    print(f"{ROUNDS} peticiones por ruta, por turnos (milisegundos):")
    print(f"  {'ruta':<24} {'p50':>7} {'p95':>7} {'p99':>7} {'máx':>7}")
    for name, values in times.items():
        print(
            f"  {name:<24} {statistics.median(values):7.1f} {percentile(values, 0.95):7.1f} "
            f"{percentile(values, 0.99):7.1f} {max(values):7.1f}"
        )
    worst = max(percentile(times[name], 0.99) for name in list(targets)[:3])
    print(f"Revisión, p99 de la peor ruta: {worst:.1f} ms (meta: menos de 100 ms)")


if __name__ == "__main__":
    main()
