"""What a person sees when running the service, the demo and the status in a terminal."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from channels.registry import SANDBOX_PORT
from conectados.spanish import MONTHS, WEEKDAYS
from office.demo import SAMPLE_CALENDAR
from office.demo_text import shifted_calendar


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    return subprocess.run(
        [sys.executable, "-m", "conectados", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,  # a command that kept trying the port would hang
    )


@contextlib.contextmanager
def _occupied(port: int) -> Iterator[int]:
    """`port` held by a real listening socket (0: any free one), or already held by another
    program (a daemon running on this machine): busy either way."""
    with socket.socket() as busy:
        try:
            busy.bind(("127.0.0.1", port))
            busy.listen()
        except OSError:
            pass  # someone else holds it: just as busy
        yield busy.getsockname()[1] if port == 0 else port


@pytest.mark.usefixtures("fixed_ports")  # holds 8765
def test_the_daemon_on_a_busy_simulator_port_says_what_is_happening(tmp_path: Path):
    with _occupied(SANDBOX_PORT):
        result = _run(["daemon"], tmp_path)

    assert result.returncode == 1, result.stderr
    assert "error inesperado" not in result.stderr
    assert f"el puerto {SANDBOX_PORT} del simulador de redes ya está en uso" in result.stderr
    assert "el servicio ya está en marcha" in result.stderr
    assert "[sandbox] url" in result.stderr


def test_webhooks_serve_on_a_busy_port_says_what_is_happening(tmp_path: Path):
    assert _run(["init"], tmp_path).returncode == 0
    with _occupied(0) as port:
        result = _run(["webhooks", "serve", "--port", str(port)], tmp_path)

    assert result.returncode == 1, result.stderr
    assert "error inesperado" not in result.stderr
    assert f"el puerto {port} del receptor de mensajes de Meta (webhooks)" in result.stderr
    assert "[webhooks] puerto" in result.stderr


def test_status_fits_80_columns_in_words_a_non_programmer_reads(cli):
    cli("init")

    shown = cli("status").stdout

    # Only a path or an address longer than the window may pass it, alone on its line.
    assert all(len(line) <= 80 or " " not in line.strip() for line in shown.splitlines()), shown
    assert "modo de prueba (simulador)" in shown and "sandbox" not in shown
    assert "Receptor de mensajes de Meta (webhooks):" in shown
    assert "«conectados daemon»" in shown and "http://127.0.0.1:8080/webhooks/meta" in shown


# --- the demo ---------------------------------------------------------------------------


def _narrative_too_wide(output: str, width: int = 80) -> list[str]:
    """Lines wider than `width` (the commands to copy too), but for a path or an address
    alone on its line."""
    return [line for line in output.splitlines() if len(line) > width and " " in line.strip()]


def test_make_demo_twice_gives_the_same_show_in_80_columns(tmp_path_factory):
    import sqlalchemy as sa

    from conectados.db import Database
    from responders.models import Reply, ReplyState, ServiceNotice, Ticket

    # A short folder: its «cd» line to copy is as wide as its path (pytest-xdist adds a level).
    tmp_path = tmp_path_factory.mktemp("d")
    first = _run(["demo", "--rapido"], tmp_path, COLUMNS="80")
    again = _run(["demo", "--rapido"], tmp_path, COLUMNS="80")

    assert first.returncode == 0, first.stdout + first.stderr
    assert again.returncode == 0, again.stdout + again.stderr
    assert "se empieza de cero" in again.stdout and "se empieza de cero" not in first.stdout
    for shown in (first.stdout, again.stdout):
        assert "Publicadas: 7 de 7 (" in shown and "No salió" not in shown
        assert "Radicados como PQR: 4 (2026-000001, 2026-000002, 2026-000003, 2026-000004)" in (
            shown
        )
        assert _narrative_too_wide(shown) == [], shown
    folder = tmp_path / "demo"
    database = Database(f"sqlite:///{folder / 'conectados.db'}")
    with database.session() as session:
        tickets = session.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar_one()
        pending = session.execute(
            sa.select(sa.func.count()).select_from(Reply).where(Reply.state == ReplyState.PENDING)
        ).scalar_one()
        notices = session.execute(sa.select(ServiceNotice)).scalars().all()
    database.dispose()
    assert (tickets, pending) == (4, 2)  # the citizens of one show, not of two
    # The work the calendar announces for the 8th of its month has its service notices.
    (calendar,) = folder.glob("calendario-*.yaml")
    month = calendar.stem.removeprefix("calendario-")
    announced = {
        notice.sector: f"{notice.starts_at.astimezone(ZoneInfo('America/Bogota')):%Y-%m-%d %H:%M}"
        for notice in notices
        if notice.sector not in ("Barrio Centro", "Centro")  # Centro: the WhatsApp notice, now
    }
    assert announced == dict.fromkeys(("La Ceiba", "El Prado", "San Martín"), f"{month}-08 08:00")


def test_the_demo_never_deletes_a_folder_of_real_settings(cli, tmp_path: Path):
    (tmp_path / "oficina").mkdir()
    config = tmp_path / "oficina" / "conectados.toml"
    config.write_text('[empresa]\nnombre = "Acueducto real"\n', encoding="utf-8")

    result = cli("demo", "--rapido", "--carpeta", "oficina")

    assert result.exit_code == 2
    assert "no es de la demostración" in result.stderr and "--carpeta" in result.stderr
    assert config.read_text(encoding="utf-8") == '[empresa]\nnombre = "Acueducto real"\n'


@pytest.mark.parametrize("first_day", [date(2027, 1, 1), date(2027, 2, 1), date(2027, 9, 1)])
def test_the_demo_calendar_speaks_of_the_month_it_is_moved_to(first_day: date):
    text = shifted_calendar(SAMPLE_CALENDAR.read_text(encoding="utf-8"), first_day)
    posts = yaml.safe_load(text)["publicaciones"]

    work = date(first_day.year, first_day.month, 8)
    in_words = f"{WEEKDAYS[work.weekday()]} 8 de {MONTHS[first_day.month - 1]}"
    announcement = next(post for post in posts if "La Ceiba" in post["texto"])
    assert in_words in announcement["texto"] and in_words in announcement["texto_x"]
    others = [name for name in MONTHS if name != MONTHS[first_day.month - 1]]
    for post in posts:
        words = f"{post['id']} {post['texto']} {post.get('texto_x', '')}".lower()
        assert not [name for name in others if name in words], post
        assert "navidad" not in words and "año nuevo" not in words and "{" not in words
        assert str(post["fecha"]).startswith(f"{first_day:%Y-%m}"), post


# --- the service says what it does ----------------------------------------------------------


def _watch_daemon(
    folder: Path, *options: str, until: tuple[str, ...], **env: str
) -> tuple[str, str]:
    """Run `conectados [OPTIONS] daemon` until its output holds every text in `until` (or a
    generous minute), stop it as systemd does (SIGTERM) and return its stdout and stderr."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("CONECTADOS_")}
    clean = {key: value for key, value in clean.items() if key != "COLUMNS"} | env
    out_path, err_path = folder / "daemon.out", folder / "daemon.err"
    process = subprocess.Popen(
        [sys.executable, "-m", "conectados", *options, "daemon"],
        cwd=folder,
        env=clean,
        stdout=out_path.open("w", encoding="utf-8"),
        stderr=err_path.open("w", encoding="utf-8"),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            shown = out_path.read_text(encoding="utf-8") + err_path.read_text(encoding="utf-8")
            if all(text in shown for text in until):
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    return out_path.read_text(encoding="utf-8"), err_path.read_text(encoding="utf-8")


def _office_with_work(folder: Path, sandbox) -> None:
    """A post due now and three citizens waiting: one question, one leak, one joke."""
    from datetime import UTC, datetime, timedelta

    from conectados.db import Database
    from content_calendar.models import Post, Publication

    folder.mkdir(exist_ok=True)
    (folder / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[webhooks]\ncon_el_servicio = false\n',
        encoding="utf-8",
    )
    database = Database(f"sqlite:///{folder / 'conectados.db'}")
    database.upgrade()
    due = datetime.now(UTC) - timedelta(seconds=1)
    with database.session() as session:
        session.add(Post(id="aviso", text="Aviso del servicio", scheduled_at=due))
        session.add(Publication(post_id="aviso", network="facebook", next_attempt_at=due))
    database.dispose()
    for author, text in [
        ("Marta Ruiz", "¿Dónde puedo pagar la factura? ¿Reciben PSE?"),
        ("Carlos Díaz", "Hay una fuga grande en la calle 9 con carrera 4, inunda la vía."),
        ("Pedro Ríos", "¿atienden el sábado? jajaja porque entre semana imposible"),
    ]:
        sandbox.control(
            "POST",
            "citizen",
            {"network": "x", "kind": "message", "text": text, "author": author},
        )


EVENTS = ("Publicada «aviso» en Facebook", "radicado como PQR", "para revisar", "enviada en")


def test_the_daemon_in_a_terminal_says_each_thing_it_does_in_one_line(tmp_path: Path, sandbox):
    """One entry per thing, with its time; in a window of 80 columns (the tester's) an entry
    goes on under its time, never past the window's edge."""
    _office_with_work(tmp_path, sandbox)

    out, err = _watch_daemon(
        tmp_path, until=(*EVENTS, "enviada en X (mensaje privado"), COLUMNS="80"
    )

    wide = [line for line in out.splitlines() if len(line) > 80 and " " in line.strip()]
    assert wide == [], out
    assert all(re.match(r"(\d\d:\d\d:\d\d | {9})\S", line) for line in out.splitlines()), out
    out = re.sub(r"\n {9}", " ", out)  # each entry on one line again
    lines = out.splitlines()
    assert all(re.match(r"\d\d:\d\d:\d\d \S", line) for line in lines), out
    assert "Servicio en marcha en " in lines[0] and "Ctrl+C para detenerlo" in lines[0]
    assert "Publica el calendario a su hora, lee Facebook, Instagram y X cada " in lines[1], out
    for event in EVENTS:
        assert event in out, (event, out, err)
    assert re.search(r"Mensaje \d+ de X radicado como PQR 2026-", out), out
    assert "1 mensaje para revisar («conectados replies review»)" in out
    assert re.search(r"Respuesta \d+ enviada en X \(mensaje privado, al mensaje \d+\)", out), out
    assert "Carlos" not in out + err and "Marta" not in out + err  # lines name no citizen
    assert lines[-1].endswith("Servicio detenido.")
    assert "WARNING" not in err and "Traceback" not in err, err


def test_under_systemd_the_journal_gets_one_line_per_event(tmp_path: Path, sandbox):
    """systemd runs `conectados -v daemon` and keeps both its outputs: nothing said twice."""
    _office_with_work(tmp_path, sandbox)

    out, err = _watch_daemon(
        tmp_path, "-v", until=("publicada aviso en facebook", "radicado como PQR", "enviada")
    )

    journal = out + err
    assert journal.count("aviso en facebook") + journal.count("«aviso» en Facebook") == 1, journal
    assert journal.count("radicado como PQR") == 1, journal
    sent = re.findall(r"[Rr]espuesta (\d+) enviada", journal)
    assert sent and len(sent) == len(set(sent)), journal
    assert journal.count("Servicio en marcha en ") == 1 and journal.count("Servicio detenido") == 1
    assert re.search(r"INFO +conectados.servicio: Mensaje \d+ de X radicado", err), err


def test_the_demo_summary_counts_what_went_out_and_names_what_did_not(tmp_path: Path):
    import io

    from rich.console import Console

    from office.demo_text import Outcome, summary

    outcome = Outcome(planned=6, published=5, on_time=4, report=tmp_path / "informe.html")
    outcome.failures = ["hoy-2 en X: la red la rechazó: publicación repetida"]
    stream = io.StringIO()

    summary(Console(file=stream, width=80), tmp_path, outcome)

    shown = stream.getvalue()
    assert "Publicadas: 5 de 6 (4 a su hora, 1 tarde); 1 no salió" in shown
    assert "No salió hoy-2 en X: la red la rechazó: publicación repetida" in shown
