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
