"""Who decides, where a reply goes, and what a decision does (and does not do) to the report."""

from __future__ import annotations

import io
import json
import logging

import pytest

from conectados.app import App
from conectados.errors import BadInput
from responders.cli_shared import reviewer_name
from responders.models import InteractionKind, ReplyVisibility
from responders.review import destination
from tests.x_office import ANA, citizen, office, sent_on_x


def _pending_id(cli, author: str) -> str:
    listed = cli("replies", "list").stdout
    return next(line.split("│")[1].strip() for line in listed.splitlines() if author in line)


def _shown(cli, reply_id: str) -> str:
    """What `replies show` says, its lines joined as a person reads them."""
    return " ".join(cli("replies", "show", reply_id).stdout.split())


# --- who decides ---------------------------------------------------------------------------


def test_the_person_is_the_variable_then_the_one_behind_sudo_then_the_login(monkeypatch):
    monkeypatch.setenv("LOGNAME", "luisa")  # the login, as getpass reads it
    assert reviewer_name(App(environ={"CONECTADOS_USUARIO": "  Ana   Pérez "})) == "Ana Pérez"
    assert reviewer_name(App(environ={"CONECTADOS_USUARIO": "Ana", "SUDO_USER": "rosa"})) == "Ana"
    assert reviewer_name(App(environ={"USER": "root", "SUDO_USER": "rosa"})) == "rosa"
    assert reviewer_name(App(environ={"SUDO_USER": "root"})) == "luisa"  # root ran sudo: the login
    assert reviewer_name(App(environ={})) == "luisa"
    with pytest.raises(BadInput, match="CONECTADOS_USUARIO"):
        reviewer_name(App(environ={"CONECTADOS_USUARIO": "a" * 101}))


def test_every_decision_records_who_made_it(cli, tmp_path, fixed_office, monkeypatch):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, "el funcionario fue grosero", author="Eva")  # filed automatically
    for text, author in (("mi recibo", "Luis"), ("me facturaron", "Sol"), ("la cuenta", "Max")):
        citizen(sandbox, text, author=author)
    cli("daemon", "--once")
    luis, sol, max_ = (_pending_id(cli, author) for author in ("Luis", "Sol", "Max"))
    too_long = cli("replies", "approve", luis, env={"CONECTADOS_USUARIO": "a" * 101})

    edited = cli("replies", "approve", luis, "--texto", "Hola, Luis.", env=ANA)
    rejected = cli("replies", "reject", sol, env={"SUDO_USER": "rosa"})
    # Another protocol in the interactive review, then approve.
    monkeypatch.setattr("sys.stdin", io.StringIO("p\nhorario_contacto\na\n"))
    reviewed = cli("replies", "review", env={"CONECTADOS_USUARIO": "Luz"})
    filed = cli("pqr", "radicar", "--canal", "oficina", "--ciudadano", "Rosa Gil", "--contacto",
                "Calle 9", "--texto", "Pido copia del contrato", "--tipo", "peticion", env=ANA)  # fmt: skip
    answered = cli("pqr", "answer", "2026-000001", "--texto", "Lo revisamos.", env=ANA)
    closed = cli(
        "pqr", "close", "2026-000002", "--sin-respuesta", env={"CONECTADOS_USUARIO": "Luz"}
    )

    assert too_long.exit_code == 2 and "CONECTADOS_USUARIO" in too_long.stderr
    for result in (edited, rejected, reviewed, filed, answered, closed):
        assert result.exit_code == 0, result.stderr
    assert "Decidió: Ana Pérez, el 2026-03-10 10:00" in _shown(cli, luis)
    assert "Decidió: rosa" in _shown(cli, sol)
    third = _shown(cli, max_)
    assert "Decidió: Luz" in third and "horario_contacto" in third
    automatic = cli("pqr", "show", "2026-000001").stdout
    assert "(la radicó el servicio, automáticamente)" in automatic
    assert "Respuesta de Ana Pérez" in automatic
    by_hand = cli("pqr", "show", "2026-000002").stdout
    assert "(la radicó Ana Pérez)" in by_hand and "Cerrada por Luz" in by_hand

    report = json.loads(cli("report", "--mes", "2026-03", "--json").stdout)
    assert report["decisiones_por_persona"] == {
        "Ana Pérez": {"aprobadas": 1, "rechazadas": 0, "radicadas": 1, "respondidas": 1, "cerradas": 0},
        "Luz": {"aprobadas": 1, "rechazadas": 0, "radicadas": 0, "respondidas": 0, "cerradas": 1},
        "rosa": {"aprobadas": 0, "rechazadas": 1, "radicadas": 0, "respondidas": 0, "cerradas": 0},
    }  # fmt: skip
    terminal = cli("report", "--mes", "2026-03").stdout
    assert "Decisiones por persona:" in terminal
    assert "rosa — respuestas rechazadas: 1" in terminal
    cli("report", "--mes", "2026-03", "--html", "informe.html")
    page = (tmp_path / "informe.html").read_text(encoding="utf-8")
    assert "<h2>Decisiones por persona</h2>" in page and "Ana Pérez" in page


def test_a_filing_from_review_counts_once_as_a_filing_not_as_a_rejection(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, "revisen mi cuenta de este mes")  # two drafts: answer and complaint
    cli("daemon", "--once")

    assert cli("pqr", "radicar", "--respuesta", "2", env=ANA).exit_code == 0

    report = json.loads(cli("report", "--mes", "2026-03", "--json").stdout)
    assert report["decisiones_por_persona"]["Ana Pérez"] == {
        "aprobadas": 0, "rechazadas": 0, "radicadas": 1, "respondidas": 0, "cerradas": 0,
    }  # fmt: skip


# --- a rejected reply's request still counts ---------------------------------------------------


def test_a_rejected_reply_still_counts_as_a_request_in_the_report(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, "mi recibo")
    citizen(sandbox, "me facturaron", author="Eva")
    cli("daemon", "--once")
    before = json.loads(cli("report", "--mes", "2026-03", "--json").stdout)["cifras"]

    assert cli("replies", "reject", "1", "--motivo", "ya se le llamó").exit_code == 0
    assert cli("replies", "reject", "2").exit_code == 0

    after = json.loads(cli("report", "--mes", "2026-03", "--json").stdout)["cifras"]
    assert before["solicitudes"] == after["solicitudes"] == 2
    assert after["respuestas_pendientes_al_cierre"] == 0


# --- where a reply goes ----------------------------------------------------------------------


def test_the_review_screen_says_where_the_reply_goes_as_the_sender_sends_it(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, "mi recibo", kind="mention")
    citizen(sandbox, "me facturaron", kind="mention", author="Eva")
    cli("daemon", "--once")

    pending = _shown(cli, "1")
    assert "Se enviará como: respuesta pública a la mención en X." in pending
    assert "En privado ([v] o --privado) iría como: mensaje directo (privado) en X." in pending
    assert "comentario público" not in pending
    assert cli("replies", "approve", "1", "--privado").exit_code == 0
    assert "Se enviará como: mensaje directo (privado) en X." in _shown(cli, "1")
    assert cli("replies", "approve", "2").exit_code == 0
    cli("daemon", "--once")

    publics = [reply["public"] for reply in sent_on_x(sandbox)]
    assert sorted(publics) == [False, True]
    assert "Se envió como: mensaje directo (privado) en X." in _shown(cli, "1")
    assert "Se envió como: respuesta pública a la mención en X." in _shown(cli, "2")


@pytest.mark.parametrize(
    ("network", "kind", "visibility", "words"),
    [
        ("facebook", "comment", "public", "comentario público en Facebook"),
        ("facebook", "comment", "private", "mensaje privado por Messenger (respuesta privada"),
        ("facebook", "message", "public", "mensaje privado por Messenger"),
        ("x", "comment", "public", "respuesta pública a su comentario en X"),
        ("x", "mention", "private", "mensaje directo (privado) en X"),
        ("x", "message", "public", "mensaje directo (privado) en X"),  # x.py: a DM stays one
        ("whatsapp", "message", "private", "mensaje de WhatsApp"),
    ],
)
def test_each_network_names_the_place_its_adapter_sends_to(network, kind, visibility, words):
    assert destination(network, InteractionKind(kind), ReplyVisibility(visibility)).startswith(
        words
    )


def test_the_log_names_a_message_by_its_id_never_the_citizen(cli, tmp_path, fixed_office, caplog):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, "¿cuál es el horario de atención?", kind="mention", author="Rosa Medina Gil")

    with caplog.at_level(logging.INFO, logger="conectados"):
        cli("daemon", "--once")

    assert "mensaje 1 (x, mención): responder" in caplog.text, caplog.text
    assert "Rosa" not in caplog.text and "Medina" not in caplog.text
