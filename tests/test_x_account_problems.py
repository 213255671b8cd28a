"""X account problems (credits spent, an app outside a Project): the network pauses with
what to do, the post waits, and `status` says it in Spanish."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import sqlalchemy as sa
from contract_files import contract_file
from sandbox_channels import channels_for

from channels.base import AuthFailed
from channels.sandbox import Sandbox, SandboxServer
from channels.x_errors import account_problem, refusal_of, tweepy_error
from conectados.clock import FixedClock
from conectados.db import Database
from content_calendar.models import Post, Publication, PublicationState
from scheduler.publisher import Publisher, PublishPolicy

DUE = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
CASES = [
    ("x_credits_depleted.json", 402, "se quedó sin créditos", "console.x.com"),
    ("x_client_not_enrolled.json", 453, "no está inscrita", "agregue la aplicación a un proyecto"),
]


def answer(status: int, body: bytes, content_type: str = "application/json") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = content_type
    return response


@pytest.mark.parametrize(("fixture", "code", "sentence", "todo"), CASES)
def test_the_documented_bodies_are_account_problems(fixture, code, sentence, todo):
    found = contract_file(fixture)
    error = tweepy_error(answer(found["status"], json.dumps(found["body"]).encode()))

    refusal = refusal_of(error)

    assert isinstance(refusal, AuthFailed)
    assert sentence in refusal.reason and todo in refusal.reason
    assert found["body"]["detail"][:40] in refusal.reason  # X's words for the technician


def test_a_402_that_is_not_json_is_still_out_of_credits():
    error = tweepy_error(answer(402, b"<html>Payment Required</html>", "text/html"))

    assert isinstance(account_problem(error), AuthFailed)
    assert "créditos" in refusal_of(error).reason


def test_a_plain_forbidden_is_not_an_account_problem():
    body = {"detail": "You are not allowed to create a Tweet with duplicate content.",
            "type": "about:blank", "title": "Forbidden", "status": 403}  # fmt: skip
    error = tweepy_error(answer(403, json.dumps(body).encode()))

    assert account_problem(error) is None
    assert not isinstance(refusal_of(error), AuthFailed)


@pytest.mark.parametrize(("fixture", "code", "sentence", "todo"), CASES)
def test_the_simulator_answers_the_documented_bodies(fixture, code, sentence, todo):
    found = contract_file(fixture)
    with SandboxServer() as sandbox:
        sandbox.control(
            "POST", "faults", {"network": "x", "status": "refusal", "code": code, "count": 1}
        )
        got = requests.get(f"{sandbox.url}/2/users/me", timeout=5)

    assert got.status_code == found["status"]
    assert got.json() == found["body"]


@pytest.mark.parametrize(("fixture", "code", "sentence", "todo"), CASES)
def test_publishing_into_an_account_problem_pauses_x_and_status_says_what_to_do(
    cli, tmp_path: Path, fixture, code, sentence, todo
):
    with SandboxServer(sandbox=Sandbox(FixedClock(DUE))) as sandbox:
        (tmp_path / "conectados.toml").write_text(
            f'[sandbox]\nurl = "{sandbox.url}"\n[channels.facebook]\nactivo = false\n',
            encoding="utf-8",
        )
        assert cli("init").exit_code == 0
        database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
        with database.session() as session:
            session.add(Post(id="aviso", text="Corte de agua mañana", scheduled_at=DUE))
            session.add(Publication(post_id="aviso", network="x", next_attempt_at=DUE))
        sandbox.control(
            "POST", "faults", {"network": "x", "status": "refusal", "code": code, "count": 1}
        )
        job = Publisher(
            database,
            {"x": channels_for(sandbox)["x"]},
            FixedClock(DUE),
            Path("."),
            "daemon-1",
            ZoneInfo("America/Bogota"),
            PublishPolicy(),
            random.Random(7),
        )

        outcome = job.run_once()

        assert outcome.paused == ["x"] and outcome.failed == []
        with database.session() as session:
            row = session.exec(sa.select(Publication)).scalars().one()
        database.dispose()
        assert row.state == PublicationState.SCHEDULED and row.attempts == 0
        assert sandbox.control("GET", "state")["x"]["posts"] == []
        cli.clock = FixedClock(DUE + timedelta(minutes=1))
        shown = cli("status")

    said = " ".join(shown.stdout.split())  # the status wraps long lines
    paused = said.split("x EN PAUSA hasta 2026-12-01 08:30: ", 1)[1]
    assert sentence in paused and todo in paused, shown.stdout
    assert "revise el token" not in paused  # a new token does not bring credits back
