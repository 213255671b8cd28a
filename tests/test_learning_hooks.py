"""Every review decision becomes a learned example, in the same transaction, once: approve (as
is, edited, or under another protocol), reject as none of the company's business, file as a
PQR. A plain rejection teaches nothing, and a person's erasure forgets what was learned from
their messages."""

from __future__ import annotations

import io

import sqlalchemy as sa

from conectados.db import Database
from responders.examples import ExampleAction
from responders.learning import record
from responders.models import Interaction, LearnedExample, Reply
from tests.test_subscriber_commands import MARTA, NOW, message
from tests.test_subscriber_commands import filled as subscribers
from tests.x_office import ANA, citizen, office


def _learned(tmp_path) -> list:
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    try:
        with database.session() as session:
            return list(
                session.execute(
                    sa.select(LearnedExample.__table__).order_by(LearnedExample.id)
                ).all()
            )
    finally:
        database.dispose()


def _reply(tmp_path, reply_id: int):
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    try:
        with database.session() as session:
            reply = session.get(Reply, reply_id)
            return reply, session.get(Interaction, reply.interaction_id)
    finally:
        database.dispose()


def _in_review(cli, tmp_path, sandbox, *texts: str) -> None:
    office(cli, tmp_path, sandbox)
    for number, text in enumerate(texts):
        citizen(sandbox, text, author=f"Persona {number}")
    assert cli("daemon", "--once").exit_code == 0


def test_an_approval_is_learned_once_under_its_protocol_with_personal_data_masked(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    _in_review(cli, tmp_path, sandbox, "mi recibo de la cuenta 123456789, ana@correo.co")
    reply, interaction = _reply(tmp_path, 1)

    approved = cli("replies", "approve", "1", env=ANA)
    again = cli("replies", "approve", "1", env=ANA)

    assert approved.exit_code == 0, approved.stderr
    assert again.exit_code == 2
    (example,) = _learned(tmp_path)
    assert (example.protocol, example.action, example.source) == (
        reply.protocol,
        "answer",
        "revision",
    )
    assert example.interaction_id == interaction.id and example.decided_by == "Ana Pérez"
    assert "123456789" not in example.text and "ana@correo.co" not in example.text
    assert "recibo" in example.text


def test_an_edited_approval_under_another_protocol_learns_that_protocol(
    cli, tmp_path, fixed_office, monkeypatch
):
    sandbox, _clock = fixed_office
    _in_review(cli, tmp_path, sandbox, "la cuenta")
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("p\nhorario_contacto\ne\nHola, abrimos a las 8.\na\n")
    )

    reviewed = cli("replies", "review", env=ANA)

    assert reviewed.exit_code == 0, reviewed.stderr
    (example,) = _learned(tmp_path)
    assert (example.protocol, example.action, example.second) == (
        "horario_contacto",
        "answer",
        None,
    )


def test_a_second_draft_approved_under_another_protocol_is_the_example_s_second(
    cli, tmp_path, fixed_office, monkeypatch
):
    sandbox, _clock = fixed_office
    _in_review(cli, tmp_path, sandbox, "revisen mi cuenta de este mes")  # an answer and a filing
    first, _ = _reply(tmp_path, 1)
    assert cli("replies", "approve", "1", env=ANA).exit_code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("p\nhorario_contacto\na\n"))

    reviewed = cli("replies", "review", env=ANA)

    assert reviewed.exit_code == 0, reviewed.stderr
    (example,) = _learned(tmp_path)
    assert (example.protocol, example.second, example.action) == (
        first.protocol,
        "horario_contacto",
        "answer",
    )


def test_a_rejection_as_none_of_our_business_is_learned_and_a_plain_one_is_not(
    cli, tmp_path, fixed_office, monkeypatch
):
    sandbox, _clock = fixed_office
    _in_review(cli, tmp_path, sandbox, "mi recibo", "me facturaron", "la cuenta")
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))

    helped = cli("replies", "reject", "--help")
    plain = cli("replies", "reject", "1", env=ANA)
    not_ours = cli("replies", "reject", "2", "--ajeno", env=ANA)
    by_key = cli("replies", "review", env=ANA)

    assert "--ajeno" in helped.stdout and "no aprende nada" in " ".join(helped.stdout.split())
    assert plain.exit_code == 0 and "aprende" not in plain.stdout
    assert not_ours.exit_code == 0, not_ours.stderr
    assert "no son asunto de la empresa" in not_ours.stdout
    assert "[n] no es de la empresa" in by_key.stdout
    learned = _learned(tmp_path)
    assert [(row.interaction_id, row.protocol, row.action) for row in learned] == [
        (_reply(tmp_path, 2)[1].id, None, "ignore"),
        (_reply(tmp_path, 3)[1].id, None, "ignore"),
    ]
    assert "no es asunto de la empresa" in cli("replies", "show", "2").stdout


def test_a_filing_from_review_is_learned_as_a_ticket_under_its_protocol(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    _in_review(cli, tmp_path, sandbox, "revisen mi cuenta de este mes")
    complaint, interaction = _reply(tmp_path, 2)

    filed = cli("pqr", "radicar", "--respuesta", "2", env=ANA)

    assert filed.exit_code == 0, filed.stderr
    (example,) = _learned(tmp_path)
    assert complaint.protocol
    assert (example.interaction_id, example.protocol, example.action) == (
        interaction.id,
        complaint.protocol,
        "ticket",
    )
    assert example.decided_by == "Ana Pérez"


def test_a_message_filed_from_the_inbox_with_another_type_is_a_complaint_without_protocol(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    _in_review(cli, tmp_path, sandbox, "¿cuál es el horario de atención?")

    filed = cli("pqr", "radicar", "--mensaje", "1", "--tipo", "peticion", env=ANA)

    assert filed.exit_code == 0, filed.stderr
    (example,) = _learned(tmp_path)
    assert (example.interaction_id, example.protocol, example.action) == (1, None, "ticket")


def test_an_erasure_forgets_what_was_learned_from_the_person_pqr_included(cli, tmp_path):
    database = subscribers(tmp_path)  # Marta: a consent message and a PQR's message
    with database.session(write=True) as session:
        connection = session.connection()
        someone = message(connection, "wamid.9", "573009998877", "Otro", "¿horario?", "x")
        for interaction_id in (1, 2, someone):
            record(connection, interaction_id=interaction_id, text="hola", protocol=None,
                   action=ExampleAction.IGNORE, reviewer="Ana", now=NOW)  # fmt: skip
    database.dispose()

    erased = cli("suscriptores", "borrar", MARTA[2:], "--si")

    assert erased.exit_code == 0, erased.stderr
    assert [row.interaction_id for row in _learned(tmp_path)] == [someone]


def test_a_person_s_own_answer_to_a_message_without_protocol_teaches_nothing(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    _in_review(cli, tmp_path, sandbox, "oigan ustedes que hacen")
    reply, _ = _reply(tmp_path, 1)
    assert reply.protocol is None

    approved = cli("replies", "approve", "1", "--texto", "Somos la empresa de acueducto.")

    assert approved.exit_code == 0, approved.stderr
    assert _learned(tmp_path) == []


def test_a_draft_approved_under_a_protocol_that_files_is_learned_as_a_ticket(
    cli, tmp_path, fixed_office, monkeypatch
):
    sandbox, _clock = fixed_office
    _in_review(cli, tmp_path, sandbox, "revisen mi cuenta de este mes")
    assert cli("pqr", "radicar", "--respuesta", "2", env=ANA).exit_code == 0
    # The question's draft, still pending: under the billing complaint, now filed.
    monkeypatch.setattr("sys.stdin", io.StringIO("p\nreclamo_facturacion\na\n"))

    reviewed = cli("replies", "review", env=ANA)

    assert reviewed.exit_code == 0, reviewed.stderr
    assert "Aprobada" in reviewed.stdout, reviewed.stdout
    (example,) = _learned(tmp_path)
    assert (example.protocol, example.action) == ("reclamo_facturacion", "ticket")


def test_an_acknowledgement_approved_without_the_catalogue_is_learned_as_a_ticket(
    cli, tmp_path, fixed_office
):
    from responders import replies
    from responders.models import ReplyKind, ReplyState, ReplyVisibility
    from responders.review import decide_reply

    sandbox, clock = fixed_office
    _in_review(cli, tmp_path, sandbox, "mi recibo")
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    try:
        with database.session(write=True) as session:
            (acknowledgement,) = replies.queue(
                session.connection(),
                [
                    {
                        "interaction_id": 1,
                        "protocol": "un_protocolo_ya_borrado",
                        "kind": ReplyKind.ACKNOWLEDGEMENT,
                        "visibility": ReplyVisibility.PRIVATE,
                        "text": "Radicamos su reclamo.",
                        "state": ReplyState.PENDING,
                        "created_at": clock.now(),
                    }
                ],
            )
        decide_reply(database, acknowledgement, True, "Ana", clock.now())
    finally:
        database.dispose()

    (example,) = _learned(tmp_path)
    assert (example.protocol, example.action) == ("un_protocolo_ya_borrado", "ticket")


def test_a_long_message_full_of_personal_data_is_learned_within_its_column(database_url):
    """Masking lengthens a text («a@b.co» -> «dato personal»): PostgreSQL refuses more than
    the column holds, and the decision itself would fail with it."""
    database = Database(database_url)
    database.upgrade()
    try:
        with database.session(write=True) as session:
            connection = session.connection()
            written = message(connection, "wamid.1", MARTA, "Marta", "hola", "x")
            record(connection, interaction_id=written, text="a@b.co x " * 2_000, protocol=None,
                   action=ExampleAction.IGNORE, reviewer="Ana", now=NOW)  # fmt: skip
        with database.session() as session:
            (text,) = session.execute(sa.select(LearnedExample.text)).scalars().all()
    finally:
        database.dispose()

    assert 1_900 <= len(text) <= 2_000 and text.split()[-1] in {"dato", "personal", "por"}


def test_a_filed_complaint_stays_a_complaint_when_its_question_is_approved_later(database_url):
    """File first, then approve the question's draft: the example is still a ticket (learned as
    an answer it would teach the responder to answer such complaints alone)."""
    database = Database(database_url)
    database.upgrade()
    try:
        with database.session(write=True) as session:
            connection = session.connection()
            written = message(connection, "wamid.2", MARTA, "Marta", "me cobraron doble", "x")
            for protocol, action in (
                ("reclamo_facturacion", ExampleAction.TICKET),
                ("pago", ExampleAction.ANSWER),
            ):
                record(connection, interaction_id=written, text="me cobraron doble, ¿dónde pago?",
                       protocol=protocol, action=action, reviewer="Ana", now=NOW)  # fmt: skip
        with database.session() as session:
            rows = session.execute(sa.select(LearnedExample.protocol, LearnedExample.action)).all()
    finally:
        database.dispose()

    assert [tuple(row) for row in rows] == [("reclamo_facturacion", "ticket")]
