"""What a PQR officer found: answers the network cannot deliver, closing, approving a draft
that promises a filing, names instead of ids, accents, the export's gaps, exit codes."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from conectados.db import Database
from responders.models import Reply, ReplyKind, ReplyState
from tests.x_office import ANA, citizen, office, sent_on_x

COMPLAINT = "Me cobraron dos veces el cargo fijo de noviembre, exijo la devolución."


def _facebook_office(cli, tmp_path, sandbox) -> str:
    """A complaint in a Facebook comment, filed by the service: its private acknowledgement
    used the one private reply Facebook allows to that comment."""
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.x]\nactivo = false\n'
        "[channels.whatsapp]\nactivo = false\n",
        encoding="utf-8",
    )
    assert cli("init").exit_code == 0
    post = sandbox.control("POST", "posts", {"network": "facebook", "posts": [{"text": "Aviso"}]})
    sandbox.control("POST", "citizen", {"network": "facebook", "kind": "comment",
                                        "on": post["ids"][0], "text": COMPLAINT, "author": "Luis"})  # fmt: skip
    assert cli("daemon", "--once").exit_code == 0
    assert "2026-000001" in cli("pqr", "list").stdout
    return "2026-000001"


def _private_on_facebook(sandbox) -> list[dict]:
    return [r for r in sandbox.control("GET", "state")["facebook"]["replies"] if not r["public"]]


def _export(cli, tmp_path) -> tuple[list[dict], str]:
    result = cli("pqr", "export", "--mes", "2026-03", "-o", "pqr.csv")
    assert result.exit_code == 0, result.stderr
    with (tmp_path / "pqr.csv").open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file, delimiter=";")), result.stdout


def test_an_answer_facebook_cannot_deliver_is_said_at_once_and_must_be_notified(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    radicado = _facebook_office(cli, tmp_path, sandbox)
    private_before = len(_private_on_facebook(sandbox))

    answered = cli("pqr", "answer", radicado, "--texto", "Le devolvemos el cobro.",
                   "--tipo-respuesta", "accede", env=ANA)  # fmt: skip
    cli("daemon", "--once")
    closed = cli("pqr", "close", radicado, env=ANA)

    assert answered.exit_code == 0, answered.stderr
    said = " ".join(answered.stdout.split())
    assert "No se puede enviar por Facebook" in said and "una sola por comentario" in said
    assert "enviará" not in said
    assert f"«conectados pqr notificar {radicado} --medio telefono»" in said
    assert len(_private_on_facebook(sandbox)) == private_before  # nothing queued to fail
    assert closed.exit_code == 2 and closed.stderr.count("\n") == 1, closed.stderr
    assert "no le llegó al ciudadano" in closed.stderr and "--sin-respuesta" in closed.stderr
    listed = " ".join(cli("pqr", "list").stdout.split())  # still to do: on the daily list
    assert radicado in listed and "respuesta sin entregar" in listed
    shown = " ".join(cli("pqr", "show", radicado).stdout.split())
    assert "La respuesta no le llegó al ciudadano por la red" in shown
    rows, _said = _export(cli, tmp_path)
    assert rows[0]["dentro_del_termino"] == "respuesta sin entregar"

    notified = cli("pqr", "notificar", radicado, "--medio", "teléfono", env=ANA)
    again = cli("pqr", "notificar", radicado, "--medio", "correo", env=ANA)
    closed = cli("pqr", "close", radicado, env=ANA)

    assert notified.exit_code == 0, notified.stderr
    assert "notificada por teléfono" in notified.stdout
    assert again.exit_code == 2 and "ya se notificó por teléfono" in again.stderr
    assert closed.exit_code == 0, closed.stderr
    shown = " ".join(cli("pqr", "show", radicado).stdout.split())
    assert "Respuesta notificada por teléfono el 2026-03-10 10:00 (lo registró Ana Pérez)" in shown
    rows, _said = _export(cli, tmp_path)
    assert (rows[0]["dentro_del_termino"], rows[0]["notificada_por"]) == ("sí", "teléfono")
    assert rows[0]["fecha_notificacion"] == "2026-03-10"


def test_a_comment_past_facebooks_seven_days_is_not_answered_in_private(
    cli, tmp_path, fixed_office
):
    sandbox, clock = fixed_office
    radicado = _facebook_office(cli, tmp_path, sandbox)
    with Database(f"sqlite:///{tmp_path / 'conectados.db'}").session(write=True) as session:
        # Even without the acknowledgement's private reply, the window is what refuses.
        session.execute(sa.update(Reply).values(state=ReplyState.REJECTED))
    clock.advance(timedelta(days=8))

    answered = cli("pqr", "answer", radicado, "--texto", "Le devolvemos el cobro.", env=ANA)

    assert answered.exit_code == 0, answered.stderr
    assert "comentario de los últimos 7 días" in answered.stdout


def test_a_failed_delivery_is_no_answer_in_the_export(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, COMPLAINT)
    cli("daemon", "--once")
    answered = cli("pqr", "answer", "2026-000001", "--texto", "Le devolvemos el cobro.", env=ANA)
    assert "El servicio la enviará en privado" in answered.stdout
    with Database(f"sqlite:///{tmp_path / 'conectados.db'}").session(write=True) as session:
        # What the send job records when the network refuses it.
        session.execute(
            sa.update(Reply)
            .where(Reply.kind == ReplyKind.TICKET_ANSWER)
            .values(state=ReplyState.FAILED, last_error="la red la rechazó: usuario bloqueado")
        )

    rows, _said = _export(cli, tmp_path)
    closed = cli("pqr", "close", "2026-000001")

    assert rows[0]["dentro_del_termino"] == "respuesta sin entregar"
    assert closed.exit_code == 2 and "usuario bloqueado" in closed.stderr


def test_an_answer_on_its_way_or_delivered_closes(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, COMPLAINT)
    cli("daemon", "--once")
    cli("pqr", "answer", "2026-000001", "--texto", "Le devolvemos el cobro.", env=ANA)

    waiting = cli("pqr", "close", "2026-000001")
    cli("daemon", "--once")
    closed = cli("pqr", "close", "2026-000001")

    assert waiting.exit_code == 2 and "aún no ha salido" in waiting.stderr
    assert closed.exit_code == 0, closed.stderr
    assert any("Le devolvemos el cobro" in r["text"] for r in sent_on_x(sandbox))
    rows, said = _export(cli, tmp_path)
    assert rows[0]["dentro_del_termino"] == "sí" and rows[0]["notificada_por"] == "la red"
    assert "sin tipo de respuesta: 2026-000001" in " ".join(said.split())


def test_closing_without_any_answer_is_said_explicitly(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    cli("pqr", "radicar", "--canal", "teléfono", "--ciudadano", "Rosa Gil", "--contacto", "310",
        "--texto", "Pido copia del contrato", "--tipo", "petición", env=ANA)  # fmt: skip

    refused = cli("pqr", "close", "2026-000001")
    closed = cli("pqr", "close", "2026-000001", "--sin-respuesta")
    again = cli("pqr", "close", "2026-000001", "--sin-respuesta")

    assert refused.exit_code == 2 and "no tiene respuesta registrada" in refused.stderr
    assert "--sin-respuesta" in refused.stderr
    assert closed.exit_code == 0 and "sin que el ciudadano recibiera respuesta" in closed.stdout
    assert again.exit_code == 2 and "ya estaba cerrado" in again.stderr
    rows, _said = _export(cli, tmp_path)
    assert rows[0]["dentro_del_termino"] == "cerrada sin respuesta"


def test_closing_a_ticket_closed_meanwhile_by_another_process_changes_nothing(
    cli, tmp_path, fixed_office
):
    from responders import tickets
    from responders.errors import ChangedMeanwhile
    from responders.models import Ticket, TicketStatus
    from responders.pqr import close_ticket, find_ticket

    sandbox, clock = fixed_office
    office(cli, tmp_path, sandbox)
    cli("pqr", "radicar", "--canal", "teléfono", "--ciudadano", "Rosa Gil", "--contacto", "310",
        "--texto", "Pido copia del contrato", "--tipo", "petición", env=ANA)  # fmt: skip
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session() as session:
        seen = find_ticket(session, "2026-000001")  # as `pqr close` loaded it
        session.expunge(seen)
    with database.session(write=True) as session:  # meanwhile, another process closes it
        assert tickets.close(session.connection(), seen.id, seen.status, "Beto", clock.now())

    with database.session(write=True) as session:
        try:
            close_ticket(session, seen, "Ana", clock.now() + timedelta(hours=1), True)
        except ChangedMeanwhile as error:
            refused = str(error)
        else:
            refused = ""
    again = cli("pqr", "close", "2026-000001", "--sin-respuesta", env=ANA)

    assert "al mismo tiempo" in refused
    with database.session() as session:
        ticket = session.execute(sa.select(Ticket)).scalars().one()
    assert (ticket.status, ticket.closed_by, ticket.closed_at) == (
        TicketStatus.CLOSED, "Beto", clock.now()
    )  # fmt: skip
    assert again.exit_code == 2 and "ya estaba cerrado" in again.stderr


def test_an_answer_by_phone_is_notified_then_closed(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    cli("pqr", "radicar", "--canal", "teléfono", "--ciudadano", "Rosa Gil", "--contacto", "310",
        "--texto", "Me cobraron dos veces", "--tipo", "reclamo", env=ANA)  # fmt: skip

    answered = cli("pqr", "answer", "2026-000001", "--texto", "Le devolvemos el cobro.")
    refused = cli("pqr", "close", "2026-000001")
    typed = cli("pqr", "answer", "2026-000001", "--tipo-respuesta", "Accede parcialmente")
    cli("pqr", "notificar", "2026-000001", "--medio", "telefono")
    closed = cli("pqr", "close", "2026-000001")

    assert "No se envía nada por las redes" in answered.stdout
    assert "Falta el tipo de respuesta" in answered.stdout
    assert "--tipo-respuesta accede" in answered.stdout
    assert "pqr notificar 2026-000001" in answered.stdout
    assert refused.exit_code == 2
    assert typed.exit_code == 0 and "Accede parcialmente" in typed.stdout
    assert closed.exit_code == 0, closed.stderr
    listed = cli("pqr", "list", "--estado", "todos").stdout
    assert "teléfono" in listed and "telefono" not in listed


# --- approving a draft that promises a filing -----------------------------------------------


def _promising_draft(cli, tmp_path, sandbox) -> None:
    """Reply 2 tells the citizen «una persona de nuestro equipo la radicará»."""
    office(cli, tmp_path, sandbox)
    citizen(sandbox, "revisen mi cuenta de este mes")
    assert cli("daemon", "--once").exit_code == 0
    assert "una persona de nuestro equipo la radicará" in cli("replies", "show", "2").stdout


def test_approving_a_draft_that_promises_a_filing_points_to_filing_it(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    _promising_draft(cli, tmp_path, sandbox)

    approved = cli("replies", "approve", "2", env=ANA)
    private = cli("replies", "approve", "2", "--privado", env=ANA)
    filed = cli("pqr", "radicar", "--respuesta", "2", env=ANA)

    for result in (approved, private):
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        assert "aprobarla no la radica" in result.stderr
        assert "«conectados pqr radicar --respuesta 2»" in result.stderr
    assert filed.exit_code == 0, filed.stderr
    assert "Radicado 2026-000001" in filed.stdout


def test_the_review_keys_a_and_v_point_to_d_for_a_draft_that_promises_a_filing(
    cli, tmp_path, fixed_office, monkeypatch
):
    sandbox, _clock = fixed_office
    _promising_draft(cli, tmp_path, sandbox)
    # The first reply: skipped; the second: [a], [v], then [d] with the suggested type.
    monkeypatch.setattr("sys.stdin", io.StringIO("s\na\nv\nd\n\n\n"))

    result = cli("replies", "review", env=ANA)

    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stdout.split())
    assert said.count("aprobarla no la radica: radíquela con la tecla [d]") == 2
    assert "Radicado 2026-000001: queja" in said
    assert "0 aprobadas, 0 rechazadas, 1 radicada, 1 saltada" in said
    cli("daemon", "--once")
    sent = sent_on_x(sandbox)
    assert len(sent) == 1 and "2026-000001" in sent[0]["text"]
    assert "radicará" not in sent[0]["text"]


# --- names, accents, hints, exit codes, labels -----------------------------------------------


def test_the_review_shows_names_and_picks_a_protocol_by_number(
    cli, tmp_path, fixed_office, monkeypatch
):
    sandbox, _clock = fixed_office
    _promising_draft(cli, tmp_path, sandbox)
    # Reply 1: [p] then Enter (back to the menu), [p] and a number, then [a].
    monkeypatch.setattr("sys.stdin", io.StringIO("p\n\np\n7\na\nq\n"))

    result = cli("replies", "review", env=ANA)

    said = " ".join(result.stdout.split())
    assert result.exit_code == 0, result.stderr
    assert "Otra respuesta para este mensaje: 2 (Queja por la atención" in said
    assert "Escriba el id" not in said and "No existe el protocolo" not in said
    assert "7. Horario de atención y datos de contacto" in said
    assert "Sin cambios." in said
    assert "Protocolo cambiado a Horario de atención y datos de contacto" in said
    shown = " ".join(cli("replies", "show", "1").stdout.split())
    assert "Protocolo sugerido: Horario de atención y datos de contacto (horario_contacto)" in shown


def test_the_filing_key_takes_spanish_type_names_and_lists_the_causales(
    cli, tmp_path, fixed_office, monkeypatch
):
    sandbox, _clock = fixed_office
    _promising_draft(cli, tmp_path, sandbox)
    # Reply 1: [d], «Petición» with its accent, «?» for the causales, Enter.
    monkeypatch.setattr("sys.stdin", io.StringIO("d\nPetición\n?\n\nq\n"))

    result = cli("replies", "review", env=ANA)

    said = " ".join(result.stdout.split())
    assert "Tipo de PQR (petición, queja, reclamo, recurso, solicitud de información" in said
    assert "107 Cobro múltiple y/o acumulado" in said
    assert "Radicado 2026-000001: petición." in said, said


def test_the_pqr_options_take_accents(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    phone = ("--ciudadano", "Rosa", "--contacto", "310", "--texto", "Pido copia")

    filed = [
        cli("pqr", "radicar", "--canal", "teléfono", *phone, "--tipo", "petición"),
        cli("pqr", "radicar", "--canal", "Teléfono", *phone, "--tipo", "solicitud de información"),
        cli("pqr", "radicar", "--canal", "oficina", *phone, "--tipo", "reporte de daño"),
    ]
    answered = cli("pqr", "answer", "2026-000001", "--texto", "Va la copia.",
                   "--tipo-respuesta", "accede parcialmente")  # fmt: skip
    wrong = cli("pqr", "radicar", "--canal", "fax", *phone, "--tipo", "queja")
    missing = cli("pqr", "radicar", "--canal", "carta", *phone)

    for result in (*filed, answered):
        assert result.exit_code == 0, result.stderr
    assert "solicitud de información" in filed[1].stdout
    assert wrong.exit_code == 2 and "use uno de: teléfono, oficina, correo, carta" in wrong.stderr
    assert missing.exit_code == 2 and "falta --tipo: petición, queja" in missing.stderr
    listed = " ".join(cli("pqr", "list", "--estado", "todos").stdout.split())
    assert "teléfono" in listed and "red: telefono" not in listed
    assert "Accede parcialmente" in cli("pqr", "show", "2026-000001").stdout


def test_a_wrong_causal_says_how_to_see_them(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    _promising_draft(cli, tmp_path, sandbox)

    wrong = cli("pqr", "radicar", "--respuesta", "2", "--causal", "999")
    listed = cli("pqr", "causales")

    assert wrong.exit_code == 2 and "«conectados pqr causales»" in wrong.stderr
    assert "sspd.py" not in wrong.stderr
    assert "107  Cobro múltiple y/o acumulado" in listed.stdout
    assert "Facturación:" in listed.stdout and "Prestación:" in listed.stdout


def test_requests_that_cannot_be_done_exit_2_and_hints_only_point_to_what_works(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    _promising_draft(cli, tmp_path, sandbox)
    cli("pqr", "radicar", "--respuesta", "2", env=ANA)
    cli("replies", "reject", "1", env=ANA)
    cli("avisos", "add", "--sector", "Centro", "--desde", "2026-03-10 08:00",
        "--hasta", "2026-03-10 18:00", "--motivo", "Obras")  # fmt: skip
    cli("avisos", "close", "1")

    decided = cli("pqr", "radicar", "--respuesta", "2", env=ANA)
    rejected = cli("replies", "reject", "1", env=ANA)
    notice = cli("avisos", "close", "1")

    assert decided.exit_code == 2, decided.stderr
    assert "ya está radicado con el número 2026-000001" in decided.stderr
    assert "«conectados pqr show 2026-000001»" in decided.stderr
    assert "--mensaje" not in decided.stderr
    assert rejected.exit_code == 2 and "ya está rechazada" in rejected.stderr
    assert notice.exit_code == 2 and "ya estaba cerrado" in notice.stderr
    narrow = {"COLUMNS": "60"}  # one card per reply: the state reads whole
    listed = " ".join(cli("replies", "list", "--estado", "todas", env=narrow).stdout.split())
    assert "reemplazada por el radicado 2026-000001" in listed


def test_pqr_show_counts_the_days_left_and_replies_list_names_pqr_answers(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    office(cli, tmp_path, sandbox)
    citizen(sandbox, COMPLAINT)
    cli("daemon", "--once")  # filed Tuesday 10 March 2026, due 1 April

    shown = " ".join(cli("pqr", "show", "2026-000001").stdout.split())
    cli("pqr", "answer", "2026-000001", "--texto", "Le devolvemos el cobro.", env=ANA)
    listed = cli("replies", "list", "--estado", "todas", env={"COLUMNS": "60"}).stdout

    # After Tuesday 10 March: 11-13, 16-20, 24-27 (San José on the 23rd), 30, 31, 1 April.
    assert "Vence: 2026-04-01 (quedan 15 días hábiles)" in shown
    assert "Plazo: 15 días hábiles desde el día siguiente a la radicación" in shown
    answer_card = listed.split("id 2 ·")[1]
    assert "respuesta de PQR" in answer_card and "0 %" not in answer_card
