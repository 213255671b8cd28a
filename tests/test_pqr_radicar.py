"""Filing a PQR by hand: from a reply in review, a message in the inbox, or a phone call."""

from __future__ import annotations

import csv
import io

from tests.x_office import ANA, citizen, office, sent_on_x


def _question_and_complaint(cli, tmp_path, sandbox) -> None:
    """A message with two drafts in review: the question's answer and the complaint's
    acknowledgement, which promises «una persona de nuestro equipo la radicará»."""
    office(cli, tmp_path, sandbox)
    citizen(sandbox, "revisen mi cuenta de este mes")
    assert cli("daemon", "--once").exit_code == 0
    draft = cli("replies", "show", "2").stdout
    assert "una persona de nuestro equipo la radicará" in draft


def test_a_reply_in_review_is_filed_and_its_acknowledgement_replaces_the_draft(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    _question_and_complaint(cli, tmp_path, sandbox)

    filed = cli("pqr", "radicar", "--respuesta", "2", env=ANA)
    again = cli("pqr", "radicar", "--respuesta", "2", env=ANA)
    cli("daemon", "--once")

    assert filed.exit_code == 0, filed.stderr
    assert "Radicado 2026-000001: queja, causal 315 Quejas administrativas." in filed.stdout
    assert "Vence el 1 de abril de 2026 (15 días hábiles" in filed.stdout
    assert "mensaje directo (privado) en X" in filed.stdout
    assert "La respuesta 1 sigue pendiente de revisión." in filed.stdout
    assert again.exit_code == 2 and again.stderr.count("\n") == 1, again.stderr
    sent = sent_on_x(sandbox)
    assert len(sent) == 1 and not sent[0]["public"]
    assert "radicado 2026-000001" in sent[0]["text"] and "1 de abril de 2026" in sent[0]["text"]
    assert "radicará" not in sent[0]["text"]
    listed = cli("replies", "list", "--estado", "rechazada").stdout
    assert "reemplazada por el acuse" in listed
    shown = cli("pqr", "show", "2026-000001").stdout
    assert "la radicó Ana Pérez" in shown and "revisen mi cuenta" in shown
    assert "radicado" in cli("inbox").stdout


def test_the_review_key_files_the_current_reply_through_the_same_path(
    cli, tmp_path, fixed_office, monkeypatch
):
    sandbox, _clock = fixed_office
    _question_and_complaint(cli, tmp_path, sandbox)
    # The first reply: skipped; the second: [d], the suggested type, no causal.
    monkeypatch.setattr("sys.stdin", io.StringIO("s\nd\n\n\n"))

    result = cli("replies", "review", env=ANA)

    assert result.exit_code == 0, result.stderr
    assert "[d] radicar PQR" in result.stdout
    assert "Radicado 2026-000001: queja" in result.stdout, result.stdout
    assert "Revisión terminada: 0 aprobadas, 0 rechazadas, 1 radicada, 1 saltada." in result.stdout
    assert "la radicó Ana Pérez" in cli("pqr", "show", "2026-000001").stdout


def test_a_public_mention_from_the_inbox_is_acknowledged_where_the_automatic_path_would(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, "¿cuál es el horario de atención?", kind="mention", author="Eva")
    cli("daemon", "--once")
    answered = len(sent_on_x(sandbox))

    filed = cli("pqr", "radicar", "--mensaje", "1", "--tipo", "solicitud_informacion", env=ANA)
    cli("daemon", "--once")

    assert filed.exit_code == 0, filed.stderr
    assert "Radicado 2026-000001: solicitud de información." in filed.stdout
    # 10 working days from Tuesday 10 March, past San José (Monday 23 March).
    assert "Vence el 25 de marzo de 2026 (10 días hábiles" in filed.stdout
    assert "respuesta pública a la mención en X" in filed.stdout
    assert "mensaje directo (privado) en X" in filed.stdout
    sent = sent_on_x(sandbox)[answered:]
    public = [reply["text"] for reply in sent if reply["public"]]
    private = [reply["text"] for reply in sent if not reply["public"]]
    assert len(public) == 1 and "Ley 1581" not in public[0]
    assert len(private) == 1 and "2026-000001" in private[0] and "Ley 1581" in private[0]


def test_a_phone_call_is_filed_with_its_channel_and_nothing_is_sent(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)

    filed = cli(
        "pqr", "radicar", "--canal", "telefono", "--ciudadano", "Rosa Gil",
        "--contacto", "310 555 1234", "--texto", "Me cobraron dos veces el cargo fijo",
        "--tipo", "reclamo", env=ANA,
    )  # fmt: skip
    cli("daemon", "--once")

    assert filed.exit_code == 0, filed.stderr
    assert "Radicado 2026-000001: reclamo, causal 107" in filed.stdout
    assert "Vence el 1 de abril de 2026" in filed.stdout
    assert "No se envía nada" in filed.stdout
    assert sent_on_x(sandbox) == []
    shown = cli("pqr", "show", "2026-000001").stdout
    assert "por una llamada telefónica (la radicó Ana Pérez)" in shown
    assert "Rosa Gil (310 555 1234) pidió:" in shown and "cargo fijo" in shown
    answered = cli("pqr", "answer", "2026-000001", "--texto", "Le devolvemos el cobro.", env=ANA)
    assert answered.exit_code == 0 and "enviará" not in answered.stdout
    cli("pqr", "export", "--mes", "2026-03", "-o", "pqr.csv")
    with (tmp_path / "pqr.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    assert rows[0]["canal"] == "teléfono"
    assert "Rosa" not in (tmp_path / "pqr.csv").read_text(encoding="utf-8")


def test_filing_by_hand_says_what_is_wrong_in_one_sentence(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    _question_and_complaint(cli, tmp_path, sandbox)
    phone = ("--canal", "telefono", "--ciudadano", "Rosa", "--contacto", "310", "--texto", "x")
    wrong = {
        ("pqr", "radicar"): "una de --respuesta",
        ("pqr", "radicar", "--respuesta", "99"): "no hay ninguna respuesta con id 99",
        ("pqr", "radicar", "--mensaje", "99"): "no hay ningún mensaje con id 99",
        ("pqr", "radicar", "--respuesta", "1"): "falta el tipo de PQR",
        ("pqr", "radicar", "--respuesta", "2", "--mensaje", "1"): "una de --respuesta",
        ("pqr", "radicar", "--respuesta", "2", "--causal", "999"): "no es una causal",
        ("pqr", "radicar", "--mensaje", "1", "--texto", "x"): "solo van con --canal",
        ("pqr", "radicar", *phone): "falta --tipo",
        ("pqr", "radicar", *phone[:-2], "--tipo", "queja"): "falta --texto",
        ("pqr", "radicar", *phone[:4], "--tipo", "queja", "--contacto", " ", "--texto", "x"): (
            "falta --contacto"
        ),
    }
    for args, problem in wrong.items():
        result = cli(*args)

        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert problem in result.stderr and result.stderr.count("\n") == 1, (args, result.stderr)
    assert "No hay PQR" in cli("pqr", "list", "--estado", "todos").stdout
    assert "pendiente" in cli("replies", "show", "2").stdout

    cli("pqr", "radicar", "--mensaje", "1", "--tipo", "reclamo")
    twice = cli("pqr", "radicar", "--mensaje", "1", "--tipo", "reclamo")
    decided = cli("pqr", "radicar", "--respuesta", "2", "--tipo", "queja")

    assert twice.exit_code == 2 and "ya está radicado con el número 2026-000001" in twice.stderr
    assert decided.exit_code == 2 and "ya fue decidida" in decided.stderr


def test_a_public_comment_with_personal_data_gets_no_second_public_note(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, "mi recibo, cuenta 4455667", kind="mention", author="Eva")
    cli("daemon", "--once")  # a public note «le escribimos en privado»; the private draft waits
    pending = cli("replies", "list").stdout
    draft = next(line.split("│")[1].strip() for line in pending.splitlines() if "Eva" in line)

    filed = cli("pqr", "radicar", "--respuesta", draft, "--tipo", "reclamo", env=ANA)
    cli("daemon", "--once")

    assert filed.exit_code == 0, filed.stderr
    assert "respuesta pública" not in filed.stdout and "mensaje directo" in filed.stdout
    public = [reply["text"] for reply in sent_on_x(sandbox) if reply["public"]]
    private = [reply["text"] for reply in sent_on_x(sandbox) if not reply["public"]]
    assert len(public) == 1 and "no publique datos personales" in public[0]
    assert len(private) == 1 and "2026-000001" in private[0]
    assert not any("4455667" in text for text in public)


def test_a_public_mention_with_personal_data_the_service_left_is_acknowledged_in_private(
    cli, tmp_path, fixed_office
):
    """The service left it alone (not about water), so nothing went out yet: the filing's
    public part is the note that asks to keep personal data out, as the automatic path's."""
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, "se fue la luz otra vez, cédula 79865432", kind="mention", author="Eva")
    cli("daemon", "--once")
    assert sent_on_x(sandbox) == []

    filed = cli("pqr", "radicar", "--mensaje", "1", "--tipo", "queja", env=ANA)
    cli("daemon", "--once")

    assert filed.exit_code == 0, filed.stderr
    public = [reply["text"] for reply in sent_on_x(sandbox) if reply["public"]]
    private = [reply["text"] for reply in sent_on_x(sandbox) if not reply["public"]]
    assert len(public) == 1 and "no publique datos personales" in public[0], public
    assert "2026-000001" not in public[0] and "79865432" not in public[0]
    assert len(private) == 1 and "2026-000001" in private[0]
