"""The PQR office: legal terms, radicados without gaps, answers, the export, personal data."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_channels import channels_for

from conectados.clock import FixedClock
from conectados.db import Database
from conectados.logs import Redactor
from conectados.privacy import find_personal_data
from conectados.settings import Settings
from responders.models import Interaction, InteractionKind, Reply, ReplyVisibility, Ticket
from responders.protocol_files import load_catalogue
from responders.service import Responder
from scheduler.inbox import Inbox
from scheduler.outbox import Outbox

# Each expected date counted by hand on the calendar (Colombian holidays 2026-2028:
# Holy Thursday and Friday 2026-04-02/03, San José moved to Monday 2026-03-23, Epiphany moved
# to Mondays 2026-01-12 and 2028-01-10, Immaculate Conception 2026-12-08, Christmas, New Year).
TERMS = [
    # filed, type, saturday works, effective filing day, due
    ("2026-04-01", "reclamo", False, "2026-04-01", "2026-04-24"),  # Holy Week in the term
    ("2026-04-01", "reclamo", True, "2026-04-01", "2026-04-21"),
    ("2026-04-03", "queja", False, "2026-04-06", "2026-04-27"),  # filed on Good Friday
    ("2026-04-03", "queja", True, "2026-04-04", "2026-04-22"),  # ... a working Saturday
    ("2026-03-20", "peticion", False, "2026-03-20", "2026-04-15"),  # Emiliani Monday + Holy Week
    ("2026-01-12", "recurso", False, "2026-01-13", "2026-02-03"),  # filed on an Emiliani Monday
    ("2026-11-28", "reclamo", False, "2026-11-30", "2026-12-22"),  # filed on a Saturday
    ("2026-11-28", "reclamo", True, "2026-11-28", "2026-12-17"),
    ("2026-12-24", "reclamo", False, "2026-12-24", "2027-01-19"),  # Christmas and year end
    ("2026-12-24", "reclamo", True, "2026-12-24", "2027-01-14"),
    ("2026-12-27", "peticion", False, "2026-12-28", "2027-01-20"),  # filed on a Sunday
    ("2027-12-24", "reclamo", False, "2027-12-24", "2028-01-17"),  # Epiphany 2028 on Jan 10
    ("2026-11-30", "solicitud_informacion", False, "2026-11-30", "2026-12-15"),  # 10 days
    ("2026-11-30", "consulta", False, "2026-11-30", "2027-01-15"),  # 30 days
]


@pytest.mark.parametrize(("filed", "kind", "saturday", "effective", "due"), TERMS)
def test_due_dates_across_holidays_weekends_and_year_ends(
    cli, tmp_path, filed, kind, saturday, effective, due
):
    (tmp_path / "conectados.toml").write_text(
        f"[pqr]\nsabado_habil = {'true' if saturday else 'false'}\n", encoding="utf-8"
    )

    result = cli("pqr", "vence", filed, "--tipo", kind, "--json")

    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["radicado_en"], answer["vence"]) == (effective, due)
    days = {"solicitud_informacion": 10, "consulta": 30}.get(kind, 15)
    assert answer["dias_habiles"] == days


@pytest.mark.parametrize("typed", ["reporte_daño", "reporte_dano", "reporte de daño"])
def test_a_damage_report_is_due_in_hours(cli, typed: str):
    result = cli("pqr", "vence", "2026-12-24 15:00", "--tipo", typed, "--json")

    assert json.loads(result.stdout)["vence_hora"] == "2026-12-25 15:00"


def test_the_ticket_types_are_offered_with_their_accents(cli):
    helped = cli("pqr", "vence", "--help")
    wrong = cli("pqr", "vence", "2026-12-24", "--tipo", "denuncia")

    assert "petición|queja|reclamo|recurso|solicitud_información|consulta|reporte_daño" in (
        " ".join(helped.stdout.split()).replace("| ", "|")
    )
    assert wrong.exit_code == 2 and "use uno de: petición, queja" in wrong.stderr


def test_a_wrong_date_says_so(cli):
    for fecha in ("24/12/2026", "2026-1-1", "2026-01-1 9:00", ""):
        result = cli("pqr", "vence", fecha)

        assert result.exit_code == 2, fecha
        assert "argumento FECHA" in result.stderr and "AAAA-MM-DD" in result.stderr, fecha
    for fecha in ("0001-01-01", "9999-12-31 10:00"):
        result = cli("pqr", "vence", fecha)

        assert result.exit_code == 2, fecha
        assert "queda fuera de los años que se pueden contar (2000 a 2100)" in result.stderr


def test_the_export_month_is_written_yyyy_mm(cli, tmp_path: Path):
    cli("init")

    for mes in ("2026-1", "", "2026-13", "1999-12"):
        result = cli("pqr", "export", "--mes", mes, "-o", "pqr.csv")

        assert result.exit_code == 2, mes
        assert "opción --mes" in result.stderr and "por ejemplo 2026-01" in result.stderr, mes
        assert not (tmp_path / "pqr.csv").exists(), mes


FILER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo
    from conectados.db import Database
    from responders.terms import TicketType
    from responders.tickets import TermRules, file_ticket

    database = Database(sys.argv[1])
    rules = TermRules(ZoneInfo("America/Bogota"))
    for _ in range(int(sys.argv[2])):
        with database.session(write=True) as session:
            file_ticket(session.connection(), rules, TicketType.RECLAMO, "x",
                        datetime(2026, 12, 1, 15, tzinfo=UTC))
    """
)


def test_two_processes_filing_500_tickets_get_consecutive_radicados(database_url, tmp_path):
    database = Database(database_url)
    database.upgrade()
    script = tmp_path / "filer.py"
    script.write_text(FILER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    filers = [
        subprocess.Popen([sys.executable, str(script), database_url, "250"], env=env)
        for _ in range(2)
    ]
    assert [filer.wait(timeout=300) for filer in filers] == [0, 0]

    with database.session() as session:
        rows = session.execute(sa.select(Ticket.sequence, Ticket.radicado)).all()
    database.dispose()
    assert sorted(sequence for sequence, _ in rows) == list(range(1, 501))
    assert {radicado for _, radicado in rows} == {f"2026-{n:06d}" for n in range(1, 501)}


# --- the office, end to end against the sandbox ------------------------------------------


def _office(cli, tmp_path, sandbox) -> None:
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.facebook]\nactivo = false\n'
        '[pqr]\npolitica_datos_url = "https://acueducto.example/datos"\n',
        encoding="utf-8",
    )
    assert cli("init").exit_code == 0


def test_a_complaint_by_private_message_is_filed_acknowledged_answered_and_exported(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    _office(cli, tmp_path, sandbox)
    sandbox.control(
        "POST",
        "citizen",
        {
            "network": "x",
            "kind": "message",
            "text": "Me cobraron dos veces el cargo fijo de noviembre",
            "author": "Luis",
        },
    )

    assert cli("daemon", "--once").exit_code == 0

    year = 2026
    radicado = f"{year}-000001"
    sent = sandbox.control("GET", "state")["x"]["replies"]
    assert len(sent) == 1 and not sent[0]["public"]
    assert radicado in sent[0]["text"] and "https://acueducto.example/datos" in sent[0]["text"]
    listed = cli("pqr", "list")
    assert radicado in listed.stdout and "días hábiles" in listed.stdout
    shown = cli("pqr", "show", radicado)
    assert "107 Cobro múltiple" in shown.stdout and "acuse de recibo en privado" in shown.stdout
    assert cli("pqr", "export", "--mes", "2026-03", "-o", "abierta.csv").exit_code == 0
    with (tmp_path / "abierta.csv").open(encoding="utf-8-sig", newline="") as file:
        assert next(csv.DictReader(file, delimiter=";"))["dentro_del_termino"] == "en término"

    answered = cli(
        "pqr", "answer", radicado, "--texto", "Revisamos su factura: le devolvemos el doble cobro.",
        "--tipo-respuesta", "accede",
    )  # fmt: skip
    again = cli("pqr", "answer", radicado, "--texto", "otra vez")
    cli("daemon", "--once")
    cli("daemon", "--once")

    assert answered.exit_code == 0, answered.stderr
    assert again.exit_code == 2 and "respondido" in again.stderr
    sent = sandbox.control("GET", "state")["x"]["replies"]
    assert len(sent) == 2 and "le devolvemos el doble cobro" in sent[1]["text"]
    assert not sent[1]["public"]
    month = "2026-03"
    exported = cli("pqr", "export", "--mes", month, "-o", "pqr.csv")
    assert exported.exit_code == 0, exported.stderr
    # For Excel in Colombia: a BOM so the accents show right, «;» as its list separator.
    assert (tmp_path / "pqr.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with (tmp_path / "pqr.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    assert [row["radicado"] for row in rows] == [radicado]
    assert rows[0]["tipo_tramite"] == "Reclamación" and rows[0]["causal_codigo"] == "107"
    assert rows[0]["causal"] == "Cobro múltiple y/o acumulado"
    assert rows[0]["tipo_respuesta"] == "Accede" and rows[0]["dentro_del_termino"] == "sí"
    assert "Luis" not in (tmp_path / "pqr.csv").read_text(encoding="utf-8")
    assert cli("pqr", "close", radicado).exit_code == 0
    assert "cerrado" in cli("pqr", "list", "--estado", "todos").stdout


def test_the_status_of_a_radicado_is_given_only_in_private(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    _office(cli, tmp_path, sandbox)
    sandbox.control("POST", "citizen", {"network": "x", "kind": "message",
                                        "text": "Hay una fuga grande en la calle 9", "author": "Ana"})  # fmt: skip
    cli("daemon", "--once")
    year = 2026
    for kind in ("message", "mention"):
        sandbox.control("POST", "citizen", {"network": "x", "kind": kind,
                                            "text": f"en qué va mi radicado {year}-000001?", "author": "Ana"})  # fmt: skip

    cli("daemon", "--once")

    replies = sandbox.control("GET", "state")["x"]["replies"]
    private = [reply["text"] for reply in replies if not reply["public"]]
    public = [reply["text"] for reply in replies if reply["public"]]
    assert any("está en trámite" in text for text in private), (private, cli("inbox").stdout)
    assert not any("en trámite" in text for text in public)


def test_a_public_comment_with_personal_data_moves_to_private_and_is_hidden(cli, tmp_path, sandbox):
    _office(cli, tmp_path, sandbox)
    post = sandbox.control("POST", "posts", {"network": "x", "posts": [{"text": "Aviso"}]})
    sandbox.control("POST", "citizen", {"network": "x", "kind": "comment", "on": post["ids"][0],
                                        "text": "Me llegó carísimo el recibo, cuenta 4455667, cel 310 555 1234",
                                        "author": "Ana"})  # fmt: skip

    cli("daemon", "--once")

    assert sandbox.control("GET", "state")["x"]["hidden"]  # the comment with the data
    replies = sandbox.control("GET", "state")["x"]["replies"]
    public = [reply["text"] for reply in replies if reply["public"]]
    assert len(public) == 1 and "no publique datos personales" in public[0]
    assert "4455667" not in public[0] and "555" not in public[0]
    assert any(not reply["public"] for reply in replies)


# --- personal data never goes out in public ------------------------------------------------

DOCUMENT = st.integers(1_000_000, 1_999_999_999).map(str)
PHONE = st.builds(
    lambda a, b, c, sep: f"3{a:02d}{sep}{b:03d}{sep}{c:04d}",
    st.integers(0, 50),
    st.integers(0, 999),
    st.integers(0, 9999),
    st.sampled_from(["", " ", "-"]),
)
EMAIL = st.builds(
    lambda user, domain: f"{user}@{domain}.com",
    st.from_regex(r"[a-z]{3,8}\.?[a-z]{0,5}", fullmatch=True),
    st.sampled_from(["gmail", "hotmail", "yahoo", "correo"]),
)
ADDRESS = st.builds(
    lambda street, a, b, c: f"{street} {a} # {b}-{c}",
    st.sampled_from(["Calle", "Carrera", "Cra", "Cl", "Diagonal", "Transversal"]),
    st.integers(1, 150),
    st.integers(1, 99),
    st.integers(1, 99),
)
ACCOUNT = st.builds(
    lambda word, number: f"{word} {number}",
    st.sampled_from(["cuenta", "contrato", "matrícula", "código", "cuenta No."]),
    st.integers(1000, 99_999_999),
)
DEBT = st.builds(lambda n: f"${n:,}".replace(",", "."), st.integers(10_000, 5_000_000))
PERSONAL = st.one_of(
    DOCUMENT.map(lambda n: f"cédula {n}"),
    DOCUMENT.map(lambda n: f"CC {n}"),
    PHONE,
    EMAIL,
    ADDRESS,
    ACCOUNT,
    DEBT,
)
MESSAGES = [
    "Me llegó carísimo el recibo",
    "no hay agua en el barrio La Libertad",
    "¿Dónde puedo pagar la factura?",
    "Hay una fuga grande en la esquina",
    "en qué va mi reclamo",
    "¿Cuál es el horario de atención?",
    "Ya pagué, ¿cuándo me reconectan?",
    "el agua sale amarilla",
]


@pytest.fixture(scope="module")
def responder_world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("privacidad")
    database = Database(f"sqlite:///{folder / 'c.db'}")
    database.upgrade()
    settings = Settings()
    responder = Responder(database, load_catalogue(), settings, FixedClock(datetime.now(UTC)))
    yield database, responder
    database.dispose()


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    message=st.sampled_from(MESSAGES),
    data=st.lists(PERSONAL, min_size=1, max_size=3),
    in_name=st.booleans(),
    kind=st.sampled_from([InteractionKind.COMMENT, InteractionKind.MENTION]),
)
def test_no_public_reply_contains_the_personal_data_a_citizen_wrote(
    responder_world, message, data, in_name, kind
):
    database, responder = responder_world
    text = f"{message}, {' y '.join(data)}"
    author = f"Ana {data[0]}" if in_name else "Ana"
    with database.session() as session:
        interaction = Interaction(
            network="x",
            kind=kind,
            remote_id=f"{datetime.now(UTC).timestamp()}-{len(text)}-{hash(text)}",
            author_id=str(hash(author)),
            author_name=author,
            text=text,
            written_at=datetime.now(UTC),
        )
        session.add(interaction)
        session.flush()
        interaction_id = interaction.id

    responder.run_once()

    with database.session() as session:
        public = (
            session.execute(
                sa.select(Reply.text).where(
                    Reply.interaction_id == interaction_id,
                    Reply.visibility == ReplyVisibility.PUBLIC,
                )
            )
            .scalars()
            .all()
        )
    for reply in public:
        # Our own numbers (a radicado, a date) are not the citizen's: leave them out.
        ours = re.sub(r"\b20\d{2}-\d{6}\b|\b\d{1,2} de [a-z]+ de 20\d{2}\b", " ", reply)
        digits = "".join(ch for ch in ours if ch.isdigit())
        for piece in data:
            assert piece not in reply
            piece_digits = "".join(ch for ch in piece if ch.isdigit())
            if len(piece_digits) >= 5:
                assert piece_digits not in digits


def test_logs_never_carry_personal_data():
    redactor = Redactor()

    line = redactor.redact("respuesta a Ana (cel 310 555 1234, ana@correo.com, CC 1098765432)")

    assert not find_personal_data(line)
    assert "310 555 1234" not in line and "ana@correo.com" not in line


def test_outbox_never_sends_the_private_acknowledgement_in_public(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    channels = channels_for(sandbox)
    sandbox.control("POST", "citizen", {"network": "x", "kind": "mention",
                                        "text": "se reventó el tubo en la calle 9", "author": "Eva"})  # fmt: skip
    Inbox(database, {"x": channels["x"]}, clock).run_once()

    Responder(database, load_catalogue(), Settings(), clock).run_once()
    Outbox(database, {"x": channels["x"]}, clock, "d").run_once()

    replies = sandbox.control("GET", "state")["x"]["replies"]
    public = [reply["text"] for reply in replies if reply["public"]]
    private = [reply["text"] for reply in replies if not reply["public"]]
    assert len(public) == 1 and len(private) == 1
    assert "Ley 1581" not in public[0] and "Ley 1581" in private[0]


@pytest.mark.parametrize(
    "text",
    [
        "3 1 0 5 5 5 1 2 3 4",
        "(310) 555 1234",
        "ana(at)gmail.com",
        "ana @ gmail.com",
        "Av. Boyacá 45-10",
        "mi cuenta es la 12345",
        "Calle 10 N° 12-34",
        "calle 10 sur # 12-34",
        "CC. 1.098.765.432",
    ],
)
def test_personal_data_written_in_unusual_ways_is_found(text):
    from conectados.privacy import mask

    assert find_personal_data(text)
    assert not any(char.isdigit() for char in mask(text))


@pytest.mark.parametrize(
    "text",
    ["radicado 2026-001234", "2026-11-28 04:00:00", "son las 10:30", "sin agua en la 15 con 8"],
)
def test_our_own_numbers_are_not_personal_data(text):
    assert not find_personal_data(text)


def test_the_status_of_a_radicado_is_told_only_to_whoever_filed_it(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    _office(cli, tmp_path, sandbox)
    sandbox.control("POST", "citizen", {"network": "x", "kind": "message",
                                        "text": "Hay una fuga grande en la calle 9", "author": "Ana"})  # fmt: skip
    cli("daemon", "--once")
    year = 2026
    sandbox.control("POST", "citizen", {"network": "x", "kind": "message",
                                        "text": f"en qué va el radicado {year}-000001?", "author": "Eva"})  # fmt: skip

    cli("daemon", "--once")

    replies = sandbox.control("GET", "state")["x"]["replies"]
    assert not any("en trámite" in reply["text"] for reply in replies)


def test_a_pqr_answer_with_personal_data_goes_only_by_private_message(cli, tmp_path, fixed_office):
    sandbox, _clock = fixed_office
    _office(cli, tmp_path, sandbox)
    sandbox.control("POST", "citizen", {"network": "x", "kind": "mention", "author": "Luis",
                                        "text": "Me cobraron dos veces el cargo fijo de noviembre"})  # fmt: skip
    cli("daemon", "--once")
    year = 2026
    text = "Le devolvemos $45.000; lo llamaremos al 310 555 1234 y visitaremos la Cra 5 # 10-20."

    answered = cli("pqr", "answer", f"{year}-000001", "--texto", text)
    cli("daemon", "--once")

    assert answered.exit_code == 0, answered.stderr
    replies = sandbox.control("GET", "state")["x"]["replies"]
    assert any(text in reply["text"] for reply in replies if not reply["public"])
    assert not any("555" in reply["text"] for reply in replies if reply["public"])


@pytest.fixture(scope="module")
def review_world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("revision")
    database = Database(f"sqlite:///{folder / 'c.db'}")
    database.upgrade()
    yield database
    database.dispose()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(message=st.sampled_from(MESSAGES), piece=PERSONAL)
def test_no_public_reply_a_person_edits_with_personal_data_is_approved(
    review_world, message, piece
):
    from responders.models import ReplyState
    from responders.pipeline import PersonalDataInPublic
    from responders.public_text import PublicText
    from responders.review import decide_reply

    database = review_world
    now = datetime.now(UTC)
    with database.session(write=True) as session:
        interaction = Interaction(network="x", kind=InteractionKind.COMMENT, remote_id=f"{now.timestamp()}-{piece}",
                                  author_id="ana", author_name="Ana", text=message, written_at=now)  # fmt: skip
        session.add(interaction)
        session.flush()
        reply = Reply(interaction_id=interaction.id, text="Con gusto.", state=ReplyState.PENDING)
        session.add(reply)
        session.flush()
        reply_id = reply.id
    edited = f"Ana, {message.lower()}: {piece}"

    with pytest.raises(PersonalDataInPublic) as refused:
        decide_reply(database, reply_id, True, "Eva", now, text=edited)

    assert piece not in str(refused.value)
    assert PublicText().exposure(edited) is not None  # and the send job would hold it back
    with database.session() as session:
        assert session.get(Reply, reply_id).state == ReplyState.PENDING
