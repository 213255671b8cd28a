"""A protocol that files reports answers a plain question about its topic with its
consultation ("¿el agua es potable?"): no PQR with a legal term for a question, while every
report, doubt or complaint is filed or reviewed as before."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from conectados.db import Database
from responders.models import Interaction, Reply, ReplyState, Ticket
from responders.policy import Action
from responders.protocol_files import load_catalogue

POTABLE = "¿El agua de la llave es potable o hay que hervirla?"


@pytest.mark.parametrize(
    "text",
    [
        POTABLE,
        "¿Publican los resultados de calidad del agua?",
        "se puede tomar el agua directo de la llave o toca comprar en bolsa?",
    ],
)
def test_a_plain_question_about_the_water_gets_the_consultation(decided, text):
    decision = decided(text)

    assert decision.action == Action.ANSWER, decision.reason
    assert decision.protocol.id == "calidad_agua"
    assert decision.protocol.name.startswith("Consulta: ")


@pytest.mark.parametrize(
    "text",
    [
        # A report: something the protocol files.
        "el agua sale amarilla, ¿se puede tomar?",
        "¿es potable? porque huele a cloro muy fuerte",
        # No consultation word: a question about a report.
        "¿el agua está contaminada? en la casa todos con diarrea",
        # Found by a review and an attack: a report in words the keys lack, or a case of
        # their own.
        "el agua tiene mucho cloro, ¿es potable?",
        "¿cuáles son los resultados del análisis del agua que tomaron en mi casa?",
        "¿El agua es potable? porque apesta",
        "¿Es potable el agua? mi bebé lleva con cólicos desde que se la empezamos a dar",
        "¿El agua del aljibe de mi finca es potable o hay que hervirla?",
        "¿el agua de la llave es potable? en el barrio dicen que la planta está dañada",
        "¿el agua turbia es potable?",
        # Rests on none of the consultation's words.
        "¿el agua en el barrio Centro ya se normalizó del todo o todavía hay trabajos?",
        # Sounds like a complaint, or asks nothing.
        "YA VAN 3 DIAS Y NADIE NOS DICE SI EL AGUA ES POTABLE O NO",
        "el agua es potable según ustedes pero nadie da razón de los análisis hace semanas",
    ],
)
def test_a_report_or_a_complaint_about_the_water_is_still_filed_or_reviewed(decided, text):
    decision = decided(text)

    assert decision.action in (Action.TICKET, Action.REVIEW), decision.reason
    assert not decision.protocol or not decision.protocol.name.startswith("Consulta: ")


@pytest.mark.parametrize(
    "text",
    [
        "EL AGUA DE LA LLAVE ES POTABLE O HAY QUE HERVIRLA???",
        "en la radio dijeron que el agua del acueducto es potable y apta para consumo humano",
        "el agua del acueducto es potable y apta para el consumo",
    ],
)
def test_a_consultation_that_would_not_go_out_alone_is_filed_as_before(decided, text):
    """Shouting, or asking nothing: no consultation draft for a person, the report's ticket."""
    decision = decided(text)

    assert decision.action == Action.TICKET, decision.reason


def test_the_daemon_answers_the_consultation_alone_and_files_nothing(cli, tmp_path, sandbox):
    (tmp_path / "conectados.toml").write_text(
        f'[empresa]\nnombre = "Aguas del Río"\nweb = "https://aguasdelrio.example"\n'
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.x]\nactivo = false\n',
        encoding="utf-8",
    )
    assert cli("init").exit_code == 0
    post = sandbox.control(
        "POST", "posts", {"network": "facebook", "posts": [{"text": "Lavado de tanques"}]}
    )["ids"][0]
    for text, author in [(POTABLE, "Ana"), ("el agua está saliendo amarilla y con olor", "Luis")]:
        sandbox.control(
            "POST",
            "citizen",
            {"network": "facebook", "kind": "comment", "text": text, "author": author, "on": post},
        )

    result = cli("daemon", "--once")

    assert result.exit_code == 0, result.stderr
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session() as session:
        replies = {
            author: (state, text)
            for author, state, text in session.execute(
                sa.select(Interaction.author_name, Reply.state, Reply.text).join(
                    Interaction, Interaction.id == Reply.interaction_id
                )
            )
        }
        tickets = session.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar_one()
    database.dispose()
    state, text = replies["Ana"]
    assert state != ReplyState.PENDING
    assert "Resolución 2115" in text and "aguasdelrio.example" in text and "radicado" not in text
    # The report is filed: one ticket, the acknowledgement with its radicado.
    assert tickets == 1
    assert "radicado" in replies["Luis"][1]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("consulta_claves:\n  - potable\n", "falta consulta_publica, consulta_privada"),
        (
            "consulta_claves:\n  - potable\nconsulta_publica: Hola\nconsulta_privada: '{{ x'\n",
            "consulta_privada: la plantilla tiene un error de escritura",
        ),
    ],
)
def test_a_consultation_is_checked_like_the_rest_of_the_file(cli, tmp_path, extra, expected):
    shipped = load_catalogue().get("calidad_agua").source
    text = Path(shipped).read_text(encoding="utf-8").split("consulta_claves:")[0]
    path = _company_protocol(tmp_path, "calidad_agua", text + extra)

    result = cli("protocols", "match", "es potable?")

    assert result.exit_code == 2
    assert str(path) in result.stderr and expected in result.stderr


def test_an_answering_protocol_cannot_have_a_consultation(cli, tmp_path):
    _company_protocol(
        tmp_path,
        "pago",
        "id: pago\nnombre: Pago\naccion: responder\nclaves:\n  pse: 3\n"
        "respuesta_publica: Hola\nrespuesta_privada: Hola\n"
        "consulta_claves:\n  - pse\nconsulta_publica: Hola\nconsulta_privada: Hola\n",
    )

    result = cli("protocols", "match", "pse")

    assert result.exit_code == 2
    assert "solo un protocolo que radica o revisa lleva consulta" in result.stderr


def _company_protocol(tmp_path: Path, name: str, text: str) -> Path:
    """The company's protocol folder, with `name`.yaml, in the settings of `tmp_path`."""
    folder = tmp_path / "protocolos"
    folder.mkdir()
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "conectados.toml").write_text(
        '[respuestas]\ncarpeta_protocolos = "protocolos"\n', encoding="utf-8"
    )
    return folder / f"{name}.yaml"


def test_a_question_without_a_consultation_word_does_not_consult(shipped_matcher):
    from responders.policy import consults

    calidad = load_catalogue().get("calidad_agua")
    for text, expected in [
        ("¿el agua en el barrio Centro ya se normalizó o todavía hay trabajos?", False),
        ("¿el agua de la llave es potable?", True),
        ("¿el agua de la llave es potable? sale amarilla", False),
    ]:
        assert consults(shipped_matcher.match(text), calidad) is expected, text


@pytest.mark.parametrize("held_by", ["age", "attachment"])
def test_a_consultation_held_back_for_a_person_waits_as_the_report_it_can_be_filed_as(
    database, held_by
):
    """An old message (outside the automatic window) or one with a photo: a person decides,
    with the water quality report's draft, which `replies approve` refuses until filed."""
    from datetime import UTC, datetime, timedelta

    from conectados.clock import FixedClock
    from conectados.settings import Settings
    from responders.models import InteractionKind, InteractionState
    from responders.service import Responder

    now = datetime(2030, 9, 10, 15, 0, tzinfo=UTC)
    with database.session(write=True) as session:
        interaction = Interaction(
            network="facebook",
            kind=InteractionKind.MESSAGE,
            remote_id="m-1",
            author_id="ana",
            author_name="Ana",
            text=POTABLE,
            written_at=now - timedelta(days=3 if held_by == "age" else 0),
            attachments=[{"kind": "image", "media_id": "m1", "mime_type": "image/jpeg"}]
            if held_by == "attachment"
            else None,
        )
        session.add(interaction)
    Responder(database, load_catalogue(), Settings(), FixedClock(now)).run_once()

    with database.session() as session:
        state = session.execute(sa.select(Interaction.state)).scalar_one()
        reply = session.execute(sa.select(Reply)).scalar_one()
    assert state == InteractionState.IN_REVIEW
    assert reply.protocol == "calidad_agua" and "Resolución 2115" not in reply.text
