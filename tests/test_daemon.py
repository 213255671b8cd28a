"""The daemon as a process: it publishes what is due and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
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
    # With -v (as under systemd) the service's lines go to the log, each once.
    assert (out + err).count("Servicio detenido.") == 1 and "Servicio detenido." in err


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
    while "Servicio en marcha" not in log_path.read_text(encoding="utf-8"):
        if process.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    log = log_path.read_text(encoding="utf-8")
    assert "Servicio en marcha" in log and process.poll() is None, log
    return process


NETWORKS = ("facebook", "x")


def _add_posts(database: Database, texts: list[str], due: datetime) -> None:
    """One post per text, due on Facebook and on X (ids interleaved: facebook, x, facebook...)."""
    with database.session() as session:
        for n, text in enumerate(texts):
            session.add(Post(id=f"aviso-{n:03d}", text=text, scheduled_at=due))
            session.flush()
            for network in NETWORKS:
                session.add(
                    Publication(post_id=f"aviso-{n:03d}", network=network, next_attempt_at=due)
                )
                session.flush()


def _out_on(sandbox, network: str) -> list[str]:
    """The texts of the posts the simulator holds on a network, repeats included."""
    return [post["text"] for post in sandbox.control("GET", "state")[network]["posts"]]


def _repeated(texts: list[str]) -> dict[str, int]:
    """The texts that appear more than once, with how many times."""
    return {text: count for text, count in Counter(texts).items() if count > 1}


def _refused_as_duplicates(sandbox) -> list[dict]:
    """Tweets X refused because it already had the text: each one is a post sent twice."""
    return [
        request
        for request in sandbox.control("GET", "requests")["requests"]
        if request["method"] == "POST"
        and request["path"] == "/2/tweets"
        and request["status"] == 403
    ]


def _out_but_not_recorded(database: Database, sandbox) -> set[tuple[str, str]]:
    """(network, post) pairs the network has and the database does not hold as published."""
    with database.session() as session:
        recorded = {
            (network, text)
            for network, text in session.execute(
                sa.select(Publication.network, Post.text)
                .join(Post, Post.id == Publication.post_id)
                .where(Publication.state == PublicationState.PUBLISHED)
            )
        }
    return {
        (network, text) for network in NETWORKS for text in _out_on(sandbox, network)
    } - recorded


def _stop(process: subprocess.Popen) -> str:
    """SIGTERM a daemon, wait for it (SIGKILL if it hangs) and return its log."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return process.log_path.read_text(encoding="utf-8")


def test_killing_the_daemon_mid_call_never_publishes_twice_on_facebook_or_x(
    tmp_path: Path, sandbox
):
    texts = [f"Aviso {n}: corte de agua en el sector {n}" for n in range(6)]  # all distinct
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[webhooks]\ncon_el_servicio = false\n'
        "[channels.whatsapp]\nactivo = false\n"
        "[publicacion]\ncada_segundos = 0.2\nreserva_segundos = 1\nen_paralelo = 2\n",
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    database.upgrade()
    _add_posts(database, texts, datetime.now(UTC) - timedelta(seconds=5))
    # Every answer is slow and comes after the network has carried the call out: a post shows
    # up on the network a good while before the daemon hears back about it.
    for network in NETWORKS:
        sandbox.control(
            "POST",
            "faults",
            {"network": network, "status": "timeout", "count": 10_000, "delay": 0.3},
        )
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    unknown_outcomes: set[tuple[str, str]] = set()

    for network in ("facebook", "x", "facebook"):
        before = len(_out_on(sandbox, network))
        process = _start_daemon(tmp_path, env)
        deadline = time.monotonic() + 30
        while before < len(texts) and time.monotonic() < deadline and process.poll() is None:
            if len(_out_on(sandbox, network)) > before:
                break  # a post just reached the network; its answer is still on the way
            time.sleep(0.01)
        process.kill()  # SIGKILL: no chance to record anything
        process.wait(timeout=10)
        unknown_outcomes |= _out_but_not_recorded(database, sandbox)
    survivor = _start_daemon(tmp_path, env)
    try:
        left = _wait_until_all_published(database, seconds=60)
    finally:
        log = _stop(survivor)

    database.dispose()
    assert left == 0, log[-2000:]
    assert survivor.returncode == 0, "SIGTERM did not stop the daemon: " + log[-2000:]
    # The kills left posts out on both networks without the database knowing: the restarted
    # daemons had to look before publishing again.
    assert {network for network, _ in unknown_outcomes} == set(NETWORKS), unknown_outcomes
    # The simulator is the witness: each post once on each network, and X never had to refuse
    # a post it already had (a second send that its duplicate rule would otherwise hide).
    for network in NETWORKS:
        assert _repeated(_out_on(sandbox, network)) == {}, network
        assert sorted(set(_out_on(sandbox, network))) == sorted(texts), network
    assert _refused_as_duplicates(sandbox) == []


def _wait_for_blocked_sessions(database: Database, wanted: int) -> None:
    """Wait (three seconds at most) until `wanted` sessions of the database wait on a lock."""
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        with database.engine.connect() as connection:  # a fresh snapshot of the activity
            if connection.execute(query).scalar() >= wanted:
                return
        time.sleep(0.05)


def test_two_daemon_processes_on_postgresql_publish_each_post_once_on_facebook_and_x(
    tmp_path: Path, sandbox, postgres_url: str
):
    from scheduler.pauses import clear_pause, pause_channel

    texts = [f"Aviso {n}: mantenimiento de la red en el barrio {n}" for n in range(40)]
    (tmp_path / "conectados.toml").write_text(
        f'base_datos = "{postgres_url}"\n[sandbox]\nurl = "{sandbox.url}"\n'
        "[webhooks]\ncon_el_servicio = false\n[channels.whatsapp]\nactivo = false\n"
        "[publicacion]\ncada_segundos = 0.3\nen_paralelo = 8\n",
        encoding="utf-8",
    )
    database = Database(postgres_url)
    database.upgrade()
    # Slow answers: a second claim of the same publication is looked up first (its attempt
    # count says an earlier try may be out), so only a slow first publisher lets the look
    # miss; with eight workers each, the later half of a doubly claimed batch is looked up
    # while the other daemon still waits for Facebook's answers about the first half.
    for network in NETWORKS:
        sandbox.control(
            "POST",
            "faults",
            {"network": network, "status": "timeout", "count": 10_000, "delay": 0.2},
        )
    now = datetime.now(UTC)
    with database.session() as session:
        for network in NETWORKS:  # held back until both daemons are in the middle of claiming
            pause_channel(session.connection(), network, now + timedelta(hours=1), "prueba", now)
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    daemons = [_start_daemon(tmp_path, env) for _ in range(2)]
    try:
        # Both are running, idle, when the work arrives: as in production.
        _add_posts(database, texts, now - timedelta(seconds=5))
        # Make both daemons claim at the same moment: hold every publication locked while
        # the networks come back, so each daemon's claim meets the lock, then let go.
        with database.engine.connect() as holder, holder.begin():
            holder.execute(sa.select(Publication.id).with_for_update())
            with database.session() as session:
                for network in NETWORKS:
                    clear_pause(session.connection(), network, now)
            _wait_for_blocked_sessions(database, wanted=2)
        left = _wait_until_all_published(database, seconds=120)
    finally:
        logs = [_stop(process) for process in daemons]

    database.dispose()
    assert left == 0
    assert [process.returncode for process in daemons] == [0, 0], "SIGTERM did not stop them"
    # The simulator is the witness: each post once on each network, none sent twice to X.
    for network in NETWORKS:
        assert _repeated(_out_on(sandbox, network)) == {}, network
        assert sorted(set(_out_on(sandbox, network))) == sorted(texts), network
    assert _refused_as_duplicates(sandbox) == []
    assert all("publicada aviso-" in log for log in logs), "one daemon did all the work"


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
    for network in ("facebook", "instagram", "x"):
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
        for network in ("facebook", "instagram", "x"):
            pause_channel(
                session.connection(), network, now + timedelta(hours=1), "token revocado", now
            )
    database.dispose()

    result = cli("daemon", "--once")

    assert result.exit_code == 1, result.stdout
    assert "ninguna red respondió en esta ronda (facebook: en pausa hasta" in result.stderr
    assert "(token revocado)" in result.stderr
