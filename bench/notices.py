"""A notice to 10,000 WhatsApp subscribers (issue 21 target).

`conectados avisos add --notificar` through the CLI, then a real `conectados daemon` sending
through the simulator, twice: once at the number's enforced throughput (the simulator's knob
and [avisos] mensajes_por_segundo both at --rate), once with no limit (the baseline, our own
speed). Prints the achieved rate against the limit, the p99 and the last time from `avisos
add` to each send, and the duplicates and losses counted in the simulator (both must be 0).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# This folder holds bench scripts named like the project's packages: keep it off the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from channels.sandbox import SandboxServer  # noqa: E402
from conectados.db import Database  # noqa: E402
from notices.models import Consent, Delivery, DeliveryState, Purpose, Subscriber  # noqa: E402

UNLIMITED = 1000.0  # the highest [avisos] mensajes_por_segundo takes (Meta's top level)


def prepare(folder: Path, sandbox_url: str, subscribers: int, rate: float) -> Database:
    (folder / "sectores.yaml").write_text(
        "sectores:\n  - nombre: Centro\n    tipo: barrio\n", encoding="utf-8"
    )
    (folder / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox_url}"\n[webhooks]\ncon_el_servicio = false\n'
        "[channels.facebook]\nactivo = false\n[channels.instagram]\nactivo = false\n"
        "[channels.x]\nactivo = false\n[publicacion]\ncada_segundos = 1\n"
        f"[avisos]\nmensajes_por_segundo = {rate}\nlimite_diario = {10 * subscribers}\n",
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{folder / 'conectados.db'}")
    database.upgrade()
    now = datetime.now(UTC)
    with database.transaction(write=True) as connection:
        connection.execute(
            sa.insert(Subscriber.__table__),
            [
                {"id": n + 1, "network": "whatsapp", "address": phone(n), "created_at": now}
                for n in range(subscribers)
            ],
        )
        connection.execute(
            sa.insert(Consent.__table__),
            [
                {
                    "subscriber_id": n + 1,
                    "purpose": Purpose.NOTICES.value,
                    "sector": "Centro",
                    "granted_at": now,
                }
                for n in range(subscribers)
            ],
        )
    return database


def phone(n: int) -> str:
    return f"5732{n:08d}"


def conectados(folder: Path, *args: str) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    return subprocess.Popen(
        [sys.executable, "-m", "conectados", *args],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "daemon.log").open("a", encoding="utf-8"),
    )


def open_count(database: Database) -> int:
    with database.session() as session:
        return session.execute(
            sa.select(sa.func.count(Delivery.id)).where(
                Delivery.state.in_([DeliveryState.QUEUED, DeliveryState.SENDING])
            )
        ).scalar_one()


def run(subscribers: int, rate: float | None, timeout: float) -> dict[str, float]:
    """One send of one notice to every subscriber; its figures."""
    with SandboxServer() as sandbox, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = prepare(folder, sandbox.url, subscribers, rate or UNLIMITED)
        enforced = True
        try:
            sandbox.control("POST", "whatsapp", {"throughput": rate, "daily_limit": None})
        except requests.HTTPError:
            enforced = False  # a simulator without the WhatsApp knobs: nothing enforced
        daemon = conectados(folder, "daemon")
        try:
            time.sleep(2)  # the daemon is up and idle before the notice comes
            added_at = datetime.now(UTC)
            started = time.monotonic()
            add = conectados(
                folder, "avisos", "add", "--sector", "Centro", "--desde", "2099-01-05 08:00",
                "--hasta", "2099-01-05 17:00", "--motivo", "cambio de válvula", "--notificar",
            )  # fmt: skip
            assert add.wait(timeout=120) == 0, (folder / "daemon.log").read_text()
            while open_count(database) and time.monotonic() - started < timeout:
                assert daemon.poll() is None, (folder / "daemon.log").read_text()
                time.sleep(0.5)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
        with database.session() as session:
            sent = [
                row
                for row in session.execute(sa.select(Delivery.sent_at)).scalars()
                if row is not None
            ]
        database.dispose()
        replies = sandbox.control("GET", "state")["whatsapp"]["replies"]
    counts: dict[str, int] = {}
    for reply in replies:
        if reply.get("type") == "template":
            counts[reply["wa_id"]] = counts.get(reply["wa_id"], 0) + 1
    waits = sorted((moment - added_at).total_seconds() for moment in sent)
    first_to_last = (max(sent) - min(sent)).total_seconds() if len(sent) > 1 else 0.0
    return {
        "enforced": float(enforced),
        "sent": float(len(sent)),
        "rate": (len(sent) - 1) / first_to_last if first_to_last else 0.0,
        "p99": waits[int(0.99 * (len(waits) - 1))] if waits else float("nan"),
        "last": waits[-1] if waits else float("nan"),
        "median": statistics.median(waits) if waits else float("nan"),
        "duplicates": float(sum(count - 1 for count in counts.values() if count > 1)),
        "losses": float(sum(1 for n in range(subscribers) if phone(n) not in counts)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument(
        "--rate", type=float, default=80.0, help="messages per second (Meta's default: 80)"
    )
    parser.add_argument("--timeout", type=float, default=240.0)
    options = parser.parse_args()
    failed = False
    for label, rate in (("limited", options.rate), ("baseline", None)):
        figures = run(options.subscribers, rate, options.timeout)
        limit = f"{rate:g}/s" if rate else "none"
        note = "" if figures["enforced"] or not rate else " (simulator does not enforce it yet)"
        print(
            f"{label}: {figures['sent']:.0f} sent to {options.subscribers} subscribers; "
            f"achieved {figures['rate']:.1f}/s against limit {limit}{note}; from `avisos add`: "
            f"median {figures['median']:.1f} s, p99 {figures['p99']:.1f} s, last "
            f"{figures['last']:.1f} s; duplicates {figures['duplicates']:.0f} (must be 0), "
            f"losses {figures['losses']:.0f} (must be 0)"
        )
        failed |= bool(figures["duplicates"] or figures["losses"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
