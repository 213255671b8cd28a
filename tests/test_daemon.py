"""The daemon as a process: it publishes what is due and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from conectados.db import Database
from content_calendar.models import Post, Publication, PublicationState


def test_the_daemon_publishes_what_is_due_and_stops_on_sigterm(tmp_path: Path, sandbox):
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[webhooks]\ncon_el_servicio = false\n', encoding="utf-8"
    )
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    database.upgrade()
    due = datetime.now(UTC) - timedelta(seconds=1)
    with database.session() as session:
        session.add(Post(id="aviso", text="Aviso del servicio", scheduled_at=due))
        session.add(Publication(post_id="aviso", network="facebook", next_attempt_at=due))
        session.add(Publication(post_id="aviso", network="x", next_attempt_at=due))
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    out_path, err_path = tmp_path / "daemon.out", tmp_path / "daemon.err"
    process = subprocess.Popen(
        [sys.executable, "-m", "conectados", "-v", "daemon"],
        cwd=tmp_path,
        env=env,
        stdout=out_path.open("w", encoding="utf-8"),
        stderr=err_path.open("w", encoding="utf-8"),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = sandbox.control("GET", "state")
            if state["facebook"]["posts"] and state["x"]["posts"]:
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    out, err = out_path.read_text(encoding="utf-8"), err_path.read_text(encoding="utf-8")

    with database.session() as session:
        states = set(session.execute(sa.select(Publication.state)).scalars())
    database.dispose()
    assert process.returncode == 0, err
    assert states == {PublicationState.PUBLISHED}
    assert len(state["facebook"]["posts"]) == len(state["x"]["posts"]) == 1
    assert "publicada aviso en facebook" in err
    assert "Servicio detenido." in out


def test_daemon_once_reports_what_it_did(cli, tmp_path: Path, sandbox):
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n', encoding="utf-8"
    )
    cli("init")
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    due = datetime.now(UTC) - timedelta(seconds=1)
    with database.session() as session:
        session.add(Post(id="aviso", text="Aviso", scheduled_at=due))
        session.add(Publication(post_id="aviso", network="x", next_attempt_at=due))
    database.dispose()

    result = cli("daemon", "--once")

    assert result.exit_code == 0, result.stderr
    assert "Publicadas: 1; para reintentar: 0; fallidas: 0." in result.stdout


def _wait_until_all_published(database: Database, seconds: float) -> int:
    """Poll the database until every publication is out; return how many are not."""
    deadline = time.monotonic() + seconds
    while True:
        with database.session() as session:
            left = session.execute(
                sa.select(sa.func.count())
                .select_from(Publication)
                .where(Publication.state != PublicationState.PUBLISHED)
            ).scalar()
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.3)


def _start_daemon(folder: Path, env: dict[str, str]) -> subprocess.Popen:
    """A daemon process logging to a file of its own (a pipe nobody reads could fill up)."""
    log_path = folder / f"daemon-{time.monotonic_ns()}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "conectados", "-v", "daemon"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_path.open("w", encoding="utf-8"),
    )
    process.log_path = log_path  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30  # a generous limit: the outcome is asserted, not the time
    while "servicio en marcha" not in log_path.read_text(encoding="utf-8"):
        if process.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    log = log_path.read_text(encoding="utf-8")
    assert "servicio en marcha" in log and process.poll() is None, log
    return process


def test_killing_the_daemon_at_random_moments_never_publishes_twice(tmp_path: Path, sandbox):
    import random

    posts = 12
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.facebook]\nactivo = false\n'
        "[channels.whatsapp]\nactivo = false\n"
        "[publicacion]\ncada_segundos = 0.2\nreserva_segundos = 1\n",
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    database.upgrade()
    due = datetime.now(UTC) - timedelta(seconds=5)
    with database.session() as session:
        for n in range(posts):
            session.add(Post(id=f"aviso-{n:02d}", text=f"Aviso número {n}", scheduled_at=due))
            session.add(Publication(post_id=f"aviso-{n:02d}", network="x", next_attempt_at=due))
    # Every call to X takes a while, so the kills land in the middle of calls.
    sandbox.control(
        "POST", "faults", {"network": "x", "status": "timeout", "count": 10_000, "delay": 0.15}
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    rng = random.Random(2026)

    for _ in range(8):
        process = _start_daemon(tmp_path, env)
        time.sleep(rng.uniform(0.05, 0.9))
        process.kill()  # SIGKILL: no chance to clean up
        process.wait(timeout=10)
    survivor = _start_daemon(tmp_path, env)
    try:
        left = _wait_until_all_published(database, seconds=60)
    finally:
        survivor.send_signal(signal.SIGTERM)
        try:
            survivor.wait(timeout=30)
        except subprocess.TimeoutExpired:
            survivor.kill()
            survivor.wait()

    texts = [post["text"] for post in sandbox.control("GET", "state")["x"]["posts"]]
    database.dispose()
    assert left == 0
    assert survivor.returncode == 0, (
        "SIGTERM did not stop the daemon: " + survivor.log_path.read_text(encoding="utf-8")[-2000:]
    )
    assert sorted(texts) == sorted(f"Aviso número {n}" for n in range(posts))  # each exactly once


def test_two_daemon_processes_on_postgresql_share_200_posts_exactly_once(
    tmp_path: Path, sandbox, postgres_url: str
):
    posts = 200
    (tmp_path / "conectados.toml").write_text(
        f'base_datos = "{postgres_url}"\n[sandbox]\nurl = "{sandbox.url}"\n'
        "[channels.facebook]\nactivo = false\n[channels.whatsapp]\nactivo = false\n"
        "[publicacion]\ncada_segundos = 0.3\nen_paralelo = 2\n",
        encoding="utf-8",
    )
    database = Database(postgres_url)
    database.upgrade()
    sandbox.control(
        "POST", "faults", {"network": "x", "status": "timeout", "count": 10_000, "delay": 0.02}
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    daemons = [_start_daemon(tmp_path, env) for _ in range(2)]
    try:
        # Both are running, idle, when the work arrives: as in production.
        due = datetime.now(UTC) - timedelta(seconds=5)
        with database.session() as session:
            for n in range(posts):
                session.add(Post(id=f"aviso-{n:03d}", text=f"Aviso número {n}", scheduled_at=due))
                session.add(Publication(post_id=f"aviso-{n:03d}", network="x", next_attempt_at=due))
        left = _wait_until_all_published(database, seconds=120)
    finally:
        logs = []
        for process in daemons:
            process.send_signal(signal.SIGTERM)
        for process in daemons:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            logs.append(process.log_path.read_text(encoding="utf-8"))

    texts = [post["text"] for post in sandbox.control("GET", "state")["x"]["posts"]]
    database.dispose()
    assert left == 0
    assert [process.returncode for process in daemons] == [0, 0], "SIGTERM did not stop them"
    assert sorted(texts) == sorted(f"Aviso número {n}" for n in range(posts))
    done_by_each = [log.count("publicada aviso-") for log in logs]
    assert sum(done_by_each) == posts and all(done_by_each), done_by_each


def test_with_nothing_set_up_the_daemon_starts_on_the_embedded_defaults(cli, tmp_path: Path):
    result = cli("daemon", "--once")

    assert result.exit_code == 0, result.stderr
    assert "Base de datos nueva" in result.stdout and (tmp_path / "conectados.db").exists()


def test_the_daemon_receives_whatsapp_by_webhook_and_answers_once(tmp_path: Path, sandbox):
    # Port 0: the receiver takes a free port from the system and subscribes the simulator to it.
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[webhooks]\npuerto = 0\n'
        "[publicacion]\ncada_segundos = 0.5\n",
        encoding="utf-8",
    )
    Database(f"sqlite:///{tmp_path / 'conectados.db'}").upgrade()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    process = _start_daemon(tmp_path, env)
    try:
        item = sandbox.control(
            "POST",
            "citizen",
            {"network": "whatsapp", "text": "¿Dónde puedo pagar la factura?", "author": "Rosa"},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replies = sandbox.control("GET", "state")["whatsapp"]["replies"]
            if replies:
                break
            time.sleep(0.2)
        time.sleep(1.5)  # a few more rounds of the daemon: nothing more goes out
        replies = sandbox.control("GET", "state")["whatsapp"]["replies"]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    log = process.log_path.read_text(encoding="utf-8")

    assert item["webhooks"][0]["status"] == 200, log
    assert [(reply["to"], reply["in_reply_to"], reply["status"]) for reply in replies] == [
        (item["from"], item["id"], "sent")
    ], log
    assert process.returncode == 0, log


def test_daemon_once_fails_when_no_network_answers(cli, tmp_path: Path):
    import socket

    # A port held (bound, not listening) for the whole test: connecting to it is refused.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        (tmp_path / "conectados.toml").write_text(
            f'[sandbox]\nurl = "http://127.0.0.1:{port}"\n', encoding="utf-8"
        )
        cli("init")

        result = cli("daemon", "--once")

    assert result.exit_code == 1, result.stdout
    assert "Publicadas: 0" in result.stdout  # the summary of the round is still there
    assert "Error: ninguna red respondió en esta ronda (facebook: sin conexión" in result.stderr
    assert "x: sin conexión con X" in result.stderr and "«conectados status»" in result.stderr


def test_daemon_once_fails_when_every_network_fails_the_round(cli, tmp_path: Path, sandbox):
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n', encoding="utf-8"
    )
    cli("init")
    for network in ("facebook", "x"):
        sandbox.control("POST", "faults", {"network": network, "status": 503, "count": 100})

    result = cli("daemon", "--once")

    assert result.exit_code == 1, result.stdout
    assert "ninguna red respondió en esta ronda (facebook: " in result.stderr


def test_daemon_once_with_one_network_down_succeeds_and_names_it(cli, tmp_path: Path, sandbox):
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n', encoding="utf-8"
    )
    cli("init")
    sandbox.control("POST", "faults", {"network": "x", "status": 503, "count": 100})

    result = cli("daemon", "--once")

    assert result.exit_code == 0, result.stderr
    assert "Aviso: no todas las redes respondieron (x: " in result.stdout
    assert "facebook:" not in result.stdout


def test_daemon_once_fails_when_every_network_is_paused(cli, tmp_path: Path, sandbox):
    from scheduler.pauses import pause_channel

    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n', encoding="utf-8"
    )
    cli("init")
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    now = datetime.now(UTC)
    with database.session() as session:
        for network in ("facebook", "x"):
            pause_channel(
                session.connection(), network, now + timedelta(hours=1), "token revocado", now
            )
    database.dispose()

    result = cli("daemon", "--once")

    assert result.exit_code == 1, result.stdout
    assert "ninguna red respondió en esta ronda (facebook: en pausa hasta" in result.stderr
    assert "(token revocado)" in result.stderr
