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
        f'[sandbox]\nurl = "{sandbox.url}"\n', encoding="utf-8"
    )
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    database.upgrade()
    due = datetime.now(UTC) - timedelta(seconds=1)
    with database.session() as session:
        session.add(Post(id="aviso", text="Aviso del servicio", scheduled_at=due))
        session.add(Publication(post_id="aviso", network="facebook", next_attempt_at=due))
        session.add(Publication(post_id="aviso", network="x", next_attempt_at=due))
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "conectados", "-v", "daemon"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = sandbox.control("GET", "state")
            if state["facebook"]["posts"] and state["x"]["posts"]:
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        out, err = process.communicate(timeout=20)
        stopped_in = time.monotonic() - stopping
    finally:
        if process.poll() is None:
            process.kill()

    with database.session() as session:
        states = set(session.execute(sa.select(Publication.state)).scalars())
    database.dispose()
    assert process.returncode == 0, err
    assert stopped_in < 10
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
