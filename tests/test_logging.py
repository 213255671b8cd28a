"""No secret ever reaches a log line, whoever logs it."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from conectados.credentials import Credentials
from conectados.errors import ConfigError
from conectados.logs import Redactor, configure_logging

TOKEN = "EAABsbCS1iHgBAKZCZB7secretPageToken"


@pytest.fixture
def log_output():
    stream = io.StringIO()
    redactor = Redactor()
    handler = configure_logging(verbose=2, stream=stream, redactor=redactor)
    yield stream, redactor
    logging.getLogger().removeHandler(handler)


def test_a_credential_read_from_the_environment_is_redacted_in_any_logger(log_output):
    stream, redactor = log_output
    credentials = Credentials({"CONECTADOS_FACEBOOK_TOKEN": TOKEN}, redactor)

    token = credentials.get("CONECTADOS_FACEBOOK_TOKEN")
    logging.getLogger("urllib3.connectionpool").debug("GET /me?fields=id token %s", token)
    logging.getLogger("channels.facebook").warning(f"answer for {token}: 400")

    assert token == TOKEN
    assert TOKEN not in stream.getvalue()
    assert stream.getvalue().count("***") == 2


def test_a_credential_in_a_traceback_is_redacted(log_output):
    stream, redactor = log_output
    Credentials({"X_SECRET": TOKEN}, redactor).get("X_SECRET")

    try:
        raise RuntimeError(f"request failed: Authorization {TOKEN}")
    except RuntimeError:
        logging.getLogger("scheduler").exception("publish failed")

    assert "Traceback" in stream.getvalue()
    assert TOKEN not in stream.getvalue()


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (
            "GET https://graph.facebook.com/v23.0/me?access_token=EAAunregistered123&x=1",
            "EAAunregistered123",
        ),
        (
            "headers: {'Authorization': 'Bearer AAAAAAAAAAAAAAAAAAAAAunregistered'}",
            "AAAAAAAAAAAAAAAAAAAAAunregistered",
        ),
        ('OAuth oauth_consumer_key="ck123456789", oauth_signature=sig%2Babcdef', "ck123456789"),
        ("connecting to postgresql+psycopg://conectados:s3cr3tpass@db/conectados", "s3cr3tpass"),
        ("oauth_token=123-abc&oauth_token_secret=tokensecretvalue", "tokensecretvalue"),
        ('{"access_token": "EAAjsonvalue123", "id": "1"}', "EAAjsonvalue123"),
        ("{'Authorization': 'Basic dXNlcjpwYXNzd29yZA=='}", "dXNlcjpwYXNzd29yZA=="),
        ("GET /x?" + "a" * 120 + "_access_token=EAAlongname123&y=1", "EAAlongname123"),
    ],
)
def test_credential_shapes_are_redacted_even_when_never_registered(log_output, line, secret):
    stream, _redactor = log_output

    logging.getLogger("requests").info(line)

    assert secret not in stream.getvalue()


def test_credential_can_come_from_a_file_the_variable_names(tmp_path: Path, log_output):
    stream, redactor = log_output
    (tmp_path / "token").write_text(TOKEN + "\n", encoding="utf-8")
    credentials = Credentials({"CONECTADOS_FACEBOOK_TOKEN_FILE": str(tmp_path / "token")}, redactor)

    value = credentials.get("CONECTADOS_FACEBOOK_TOKEN")
    logging.getLogger("x").warning("using %s", value)

    assert value == TOKEN
    assert credentials.is_present("CONECTADOS_FACEBOOK_TOKEN")
    assert TOKEN not in stream.getvalue()


def test_a_missing_credential_names_the_variable_to_set():
    credentials = Credentials({})

    with pytest.raises(ConfigError) as caught:
        credentials.require("CONECTADOS_X_API_KEY", "publicar en X")

    assert "defina la variable de entorno CONECTADOS_X_API_KEY" in caught.value.message


def test_short_values_are_not_treated_as_secrets(log_output):
    stream, redactor = log_output
    redactor.register("si")

    logging.getLogger("x").warning("si, publicado")

    assert "si, publicado" in stream.getvalue()


def test_a_file_variable_naming_no_file_is_not_a_present_credential(tmp_path: Path):
    credentials = Credentials({"CONECTADOS_FACEBOOK_TOKEN_FILE": str(tmp_path / "no-existe")})

    assert not credentials.is_present("CONECTADOS_FACEBOOK_TOKEN")


# --- the journal and the libraries' own lines ---------------------------------------------


def test_lines_written_to_the_journal_carry_their_syslog_priority():
    """systemd's JOURNAL_STREAM names the stream's device:inode; a line starting <N> is
    stored at priority N, so `journalctl -p warning` finds the warnings."""
    import os

    read_end, write_end = os.pipe()
    status = os.fstat(write_end)
    stream = os.fdopen(write_end, "w", encoding="utf-8")
    environ = {"JOURNAL_STREAM": f"{status.st_dev}:{status.st_ino}"}
    handler = configure_logging(verbose=2, stream=stream, redactor=Redactor(), environ=environ)
    try:
        log = logging.getLogger("scheduler.publisher")
        log.error("uno")
        log.warning("dos")
        log.info("tres")
        log.debug("cuatro")
        try:
            raise RuntimeError("falló")
        except RuntimeError:
            log.exception("cinco")
        stream.flush()
    finally:
        logging.getLogger().removeHandler(handler)
        stream.close()
    with os.fdopen(read_end, encoding="utf-8") as pipe:
        lines = pipe.read().splitlines()
    assert [line[:3] for line in lines[:4]] == ["<3>", "<4>", "<6>", "<7>"]
    assert lines[0].startswith("<3>2026-") or lines[0][3:5] == "20"  # our own time stays
    assert "ERROR    scheduler.publisher: uno" in lines[0]
    assert "ATENCIÓN scheduler.publisher: dos" in lines[1]
    assert all(line.startswith("<3>") for line in lines[4:]), "the traceback's lines too"
    assert any("Traceback" in line for line in lines[4:])


def test_another_stream_gets_no_priority_even_with_journal_stream_set():
    """A command whose stderr goes to a file or a pipe inherits JOURNAL_STREAM from a
    service; its lines are not for the journal."""
    stream = io.StringIO()
    environ = {"JOURNAL_STREAM": "8:12345"}
    handler = configure_logging(verbose=1, stream=stream, redactor=Redactor(), environ=environ)
    try:
        logging.getLogger("x").warning("hola")
    finally:
        logging.getLogger().removeHandler(handler)
    assert stream.getvalue()[:3] != "<4>" and "ATENCIÓN x: hola" in stream.getvalue()


def _scheduler_job_failure(verbose: int) -> str:
    """A real APScheduler job that raises, run by APScheduler's own executor code."""
    from datetime import UTC, datetime

    from apscheduler.executors.base import run_job
    from apscheduler.schedulers.background import BackgroundScheduler

    def publish() -> None:
        raise RuntimeError("la red no respondió")

    stream = io.StringIO()
    handler = configure_logging(verbose=verbose, stream=stream, redactor=Redactor())
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)  # never runs the job itself: run_job does, once, here
    try:
        job = scheduler.add_job(publish, "interval", minutes=1, name="Daemon.publish")
        run_job(job, "default", [datetime.now(UTC)], "apscheduler.executors.default")
    finally:
        scheduler.shutdown(wait=False)
        logging.getLogger().removeHandler(handler)
    return stream.getvalue()


def test_a_failed_scheduler_job_is_one_spanish_line_without_traceback():
    output = _scheduler_job_failure(verbose=1)

    lines = output.splitlines()
    assert len(lines) == 1, output
    assert "ERROR    scheduler: la tarea «Daemon.publish» falló: RuntimeError: la red" in lines[0]
    assert "UTC" not in output and "raised" not in output and "Traceback" not in output


def test_a_failed_scheduler_job_shows_its_traceback_at_vv():
    output = _scheduler_job_failure(verbose=2)

    assert "la tarea «Daemon.publish» falló" in output
    assert "Traceback" in output


def test_uvicorn_lifecycle_lines_are_said_in_spanish(log_output):
    stream, _redactor = log_output
    uvicorn_log = logging.getLogger("uvicorn.error")

    uvicorn_log.info("Started server process [%d]", 4242)
    uvicorn_log.info("Shutting down")
    uvicorn_log.info("Finished server process [%d]", 4242)

    output = stream.getvalue()
    assert "uvicorn" not in output and "Started" not in output and "Shutting" not in output
    assert "INFO     webhooks: receptor de webhooks: proceso 4242 iniciado" in output
    assert "receptor de webhooks: deteniéndose" in output
