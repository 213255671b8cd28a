"""A notice reaches each subscriber exactly once through a SIGKILL: a real `conectados daemon`
sending through the simulator is killed mid-send, a second daemon finishes, and every
subscriber got the template once (counted in the simulator, per phone number).

The webhook receiver runs as its own process (`conectados webhooks serve`), as Meta delivers
to one address: the statuses of the sends the killed daemon had in flight still arrive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from conectados.app import App
from conectados.db import Database
from notices.models import Consent, Delivery, DeliveryState, Purpose, Subscriber
from office.cli import run

SUBSCRIBERS = 40
RATE = 20  # messages per second: the kill lands mid-send


def office(folder: Path, sandbox) -> Database:
    """WhatsApp only; the receiver apart from the daemons."""
    (folder / "sectores.yaml").write_text(
        "sectores:\n  - nombre: Centro\n    tipo: barrio\n", encoding="utf-8"
    )
    (folder / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[webhooks]\npuerto = 0\ncon_el_servicio = false\n'
        "[channels.facebook]\nactivo = false\n[channels.instagram]\nactivo = false\n"
        "[channels.x]\nactivo = false\n[publicacion]\ncada_segundos = 0.5\n"
        f"[avisos]\nmensajes_por_segundo = {RATE}\nreserva_segundos = 2\n"
        "espera_confirmacion_segundos = 3\n",
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{folder / 'conectados.db'}")
    database.upgrade()
    with database.transaction(write=True) as connection:
        for number in range(SUBSCRIBERS):
            subscriber_id = connection.execute(
                sa.insert(Subscriber)
                .values(network="whatsapp", address=f"5731{number:08d}")
                .returning(Subscriber.id)
            ).scalar_one()
            connection.execute(
                sa.insert(Consent).values(
                    subscriber_id=subscriber_id,
                    purpose=Purpose.NOTICES,
                    sector="Centro",
                    granted_at=sa.func.current_timestamp(),
                )
            )
    return database


def conectados(folder: Path, *args: str) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    log = (folder / f"daemon-{time.monotonic_ns()}.log").open("w", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "conectados", *args],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def templates_sent(sandbox) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reply in sandbox.control("GET", "state")["whatsapp"]["replies"]:
        if reply.get("type") == "template":
            counts[reply["wa_id"]] = counts.get(reply["wa_id"], 0) + 1
    return counts


def open_deliveries(database: Database) -> int:
    with database.session() as session:
        return session.execute(
            sa.select(sa.func.count(Delivery.id)).where(
                Delivery.state.in_([DeliveryState.QUEUED, DeliveryState.SENDING])
            )
        ).scalar_one()


def wait_for(condition, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, "the daemon ended before it was stopped"
        assert time.monotonic() < deadline, "the daemon never got there"
        time.sleep(0.05)


def logs(folder: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.log")))


def test_a_notice_reaches_each_subscriber_once_through_a_sigkill_mid_send(tmp_path, sandbox):
    database = office(tmp_path, sandbox)
    added = run(
        [
            "avisos", "add", "--sector", "centro", "--desde", "2099-01-05 08:00",
            "--hasta", "2099-01-05 17:00", "--motivo", "cambio de válvula", "--notificar",
        ],
        app=App(environ={}, cwd=tmp_path),
    )  # fmt: skip
    assert added == 0

    receiver = conectados(tmp_path, "webhooks", "serve")
    wait_for(lambda: sandbox.control("GET", "webhooks")["subscriptions"], receiver)
    first = conectados(tmp_path, "-v", "daemon")
    try:
        wait_for(lambda: len(templates_sent(sandbox)) >= 8, first)
        first.send_signal(signal.SIGKILL)  # mid-send: some sent, some claimed, most queued
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert 0 < len(templates_sent(sandbox)) < SUBSCRIBERS

    second = conectados(tmp_path, "-v", "daemon")
    try:
        wait_for(lambda: open_deliveries(database) == 0, second, seconds=60)
        time.sleep(0.5)  # a few more rounds: nothing more goes out
    finally:
        for process in (second, receiver):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    database.dispose()

    counts = templates_sent(sandbox)
    assert len(counts) == SUBSCRIBERS, logs(tmp_path)
    assert set(counts.values()) == {1}, logs(tmp_path)
