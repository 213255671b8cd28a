"""The responder: protocols, matching, the policy, and the reply queue with its review."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sandbox_channels import channels_for

from conectados.clock import FixedClock
from conectados.db import Database
from conectados.settings import Settings
from responders.evaluate import evaluate, read_labelled
from responders.matcher import Matcher
from responders.models import (
    Interaction,
    InteractionState,
    Reply,
    ReplyKind,
    ReplyState,
    ServiceNotice,
)
from responders.policy import Action, Thresholds, decide
from responders.protocol_files import load_catalogue
from responders.service import Responder
from scheduler.inbox import Inbox
from scheduler.outbox import Outbox

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_catalogue())


def decision_for(matcher: Matcher, text: str, private: bool = False):
    return decide(matcher.match(text), Thresholds(), private)


HELD_OUT = "mensajes-mixtos.jsonl"
"""Written without seeing the protocols: its plain questions show what the matcher still
misses (greetings, thanks), which the complaint cues neither cause nor fix."""
ATTACK = "mensajes-mixtos-ataque.jsonl"
"""A tester's hunt for complaints the cues miss: its plain questions are built to look like
complaints, so the coverage target does not apply; their floor below does."""
SECOND_HELD_OUT = "mensajes-mixtos-2.jsonl"
"""Written blind to the second round of rules; its plain questions, like the first held-out
set's, show what the matcher misses beyond the cues (thanks, potability questions)."""
NOT_FOR_TARGETS = {HELD_OUT, ATTACK, SECOND_HELD_OUT}
LABELLED = sorted(
    path.name for path in DATA.glob("mensajes-*.jsonl") if path.name not in NOT_FOR_TARGETS
)
MIXED = sorted(path.name for path in DATA.glob("mensajes-mixtos*.jsonl"))
PLAIN_ANSWERED = {HELD_OUT: 10, ATTACK: 10, SECOND_HELD_OUT: 14}
"""Plain questions answered alone with the right protocol, at least. The held-out set had 14
before the cues; four now go to a person on purpose: three name a legal instrument (9071,
9077, 9093) and one a person at risk next to a planned cut (9079)."""


UNTUNED = "sin-ajustar-mixtos-3.jsonl"
"""Written blind after the second round and never tuned to (no rule was written from it):
its first look sent 51 of 60 complaints to a person; the general rule on long and shouted
messages, whose threshold comes from the other sets, brought it to 56; round 4's count of
days without water brought it to 57 (and keeps it there with the longer limit of 40 words,
with the cue for an earlier request still not done). The three it still answers alone are
the open work that figure names (tests/data/README.md)."""


def test_complaints_nobody_tuned_to_go_to_a_person_as_measured(matcher):
    rows = [json.loads(line) for line in (DATA / UNTUNED).read_text(encoding="utf-8").splitlines()]
    complaints = [row for row in rows if row["kind"] != "plain"]

    sent = [
        row for row in complaints
        if decision_for(matcher, row["text"]).action in (Action.TICKET, Action.REVIEW)
    ]  # fmt: skip

    assert len(complaints) == 60
    assert len(sent) >= 57


def test_a_long_story_or_a_shout_around_a_frequent_question_goes_to_a_person(matcher):
    question = "¿a qué hora abren la oficina?"
    story = (
        "Buenas, les cuento que desde el mes pasado vengo con un problema que nadie me ha "
        "sabido explicar y ya no sé a quién más acudir, mi mamá vive conmigo y todos los días "
        "es la misma cosa, por eso les pregunto: "
    )

    assert decision_for(matcher, question).action == Action.ANSWER
    assert decision_for(matcher, story + question).action == Action.REVIEW
    assert decision_for(matcher, "A QUÉ HORA ABREN LA OFICINA MAÑANA??").action == Action.REVIEW
    assert decision_for(matcher, "¿Reciben pagos por PSE en la oficina?").action == Action.ANSWER


@pytest.mark.parametrize("name", LABELLED)
def test_labelled_messages_meet_the_targets(cli, name):
    result = cli("protocols", "evaluate", str(DATA / name))

    assert result.exit_code == 0, result.stdout + result.stderr
    assert "POR DEBAJO" not in result.stdout


def test_match_json_contract_one_object_per_input_line(cli, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("no hay agua en el barrio\n\n{{ 7*7 }}\n"))

    result = cli("protocols", "match", "--json")

    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(row) for row in rows] == [{"protocol", "confidence", "action", "reply"}] * 2
    assert rows[0]["protocol"] == "corte_servicio" and rows[0]["action"] == "answer"
    assert rows[0]["reply"] and 0 <= rows[0]["confidence"] <= 1
    assert rows[1] == {"protocol": None, "confidence": 0.0, "action": "ignore", "reply": None}


def test_match_explains_itself_with_v(cli):
    result = cli("-v", "protocols", "match", "me cobraron doble el cargo fijo")

    assert result.exit_code == 0, result.stderr
    assert "reclamo_facturacion" in result.stdout
    assert "texto normalizado" in result.stdout and "«" in result.stdout


def test_what_a_citizen_writes_is_never_a_template(matcher):
    catalogue = load_catalogue()
    protocol = catalogue.get("corte_servicio")
    context = {
        "autor": "{{ empresa.correo }}{% for x in range(9) %}x{% endfor %}",
        "empresa": {"nombre": "", "telefono": "", "telefonos": [], "whatsapp": "", "correo": "",
                    "direccion": "", "horario": "", "web": "", "puntos_pago": []},
        "avisos": [], "sector": "", "radicado": "", "fecha_limite": "", "red": "x", "canal": "comment",
    }  # fmt: skip

    reply = protocol.render(context, private=False)

    assert "{{ empresa.correo }}{% for x in range(9) %}x{% endfor %}" in reply
    for text in ("{{ 7*7 }}", "<script>alert(1)</script>", "{% include '/etc/passwd' %}"):
        decision = decision_for(matcher, text)
        assert decision.action in (Action.IGNORE, Action.REVIEW)


@pytest.mark.parametrize(
    "text",
    [
        "se fue la luz en todo el barrio",
        "el recibo de la luz llegó carísimo",
        "no tengo internet desde ayer",
        "Vendo moto barata, escribir al interno",
    ],
)
def test_other_services_and_spam_are_never_answered(matcher, text):
    assert decision_for(matcher, text).action in (Action.IGNORE, Action.REVIEW)


@pytest.mark.parametrize(
    "text",
    [
        "el señor que lee el medidor dejó la puerta abierta y se nos salió el perro",
        "jajaja el agua de la llave ya viene con sabor a chocolate 😂",
        "el alcalde se robó la plata del acueducto",
    ],
)
def test_stories_jokes_and_politics_are_not_answered_alone(matcher, text):
    assert decision_for(matcher, text).action != Action.ANSWER


def test_a_question_with_a_complaint_in_it_goes_to_a_person(matcher):
    decision = decision_for(matcher, "dónde pago la factura? me cobraron doble el mes pasado")

    assert decision.action in (Action.TICKET, Action.REVIEW)


@pytest.mark.parametrize("name", MIXED)
def test_every_complaint_that_also_asks_a_question_goes_to_a_ticket_or_a_person(matcher, name):
    messages = read_labelled(DATA / name, set(load_catalogue().protocols))

    result = evaluate(messages, matcher, Thresholds())

    missed = [message.text for why, message, _ in result.misses if why.startswith("queja")]
    assert result.rate("complaints") == 1.0, missed
    answered, _ = result.rates["coverage"]
    assert answered >= PLAIN_ANSWERED.get(name, 0)
    if name not in NOT_FOR_TARGETS:
        assert result.passed(), [(why, message.text) for why, message, _ in result.misses]


@pytest.mark.parametrize(
    "text",
    [
        "Buenas, ¿dónde pago la factura? Si no me devuelven el cobro doble pongo una tutela",
        "¿cuál es el horario de la oficina? la funcionaria de la caja fue muy grosera conmigo",
        "como descargo el recibo?? puse un reclamo hace dos meses y nada",
        "¿Qué teléfono tienen? Exijo que me compensen por la semana sin servicio",
        "¿a qué número llamo? los operarios tumbaron el muro de mi casa",
        "¿cómo hago un acuerdo de pago? voy a poner queja ante la Superintendencia",
    ],
)
def test_a_complaint_cue_wins_over_any_frequent_question(matcher, text):
    decision = decision_for(matcher, text)

    assert decision.action in (Action.TICKET, Action.REVIEW), decision.reason
    assert decision.also is not None  # both drafts: the answer and the acknowledgement
    assert {decision.protocol.action, decision.also.action} == {"radicar", "responder"}


@pytest.mark.parametrize(
    "text",
    [
        "llevamos cuatro días sin agua y mi mamá es una señora mayor enferma, ¿cuándo llega?",
        "a que hora vuelve el agua?? tengo un bebe recien nacido y no hay ni una gota",
        # Without "sin agua": the person at risk next to a question about the water.
        "¿A qué hora vuelve el agua? Necesito bañar al bebé",
        "¿a qué hora vuelve el agua? mi abuelo usa oxígeno",
        "¿cuándo llega el agua al barrio? mi suegra tiene 85 años",
        "¿cuándo restablecen el servicio? mi esposa está en embarazo",
        "cuando vuelve el agua, a mi papá lo operaron ayer y es diabético",
    ],
)
def test_people_at_risk_without_water_never_get_the_outage_template_alone(matcher, text):
    decision = decision_for(matcher, text)

    assert decision.action in (Action.TICKET, Action.REVIEW)
    assert decision.reason.startswith("URGENTE")


@pytest.mark.parametrize(
    "text, protocol",
    [
        ("¿Se puede poner una queja por aquí o toca ir a la oficina?", "pqr_radicar"),
        ("¿cómo se hace un reclamo por la factura?", "pqr_radicar"),
        ("hay descuento por pronto pago?", "pago"),
        ("mi abuelita quiere pagar en efectivo, donde hay puntos de pago?", "pago"),
        ("¿dónde pago la factura de mi abuela enferma?", "pago"),
        ("¿cómo hago para que me devuelvan el contador que se llevaron a revisar?", "medidor"),
        ("es la segunda vez que pregunto, ¿dónde pago?", "pago"),
    ],
)
def test_questions_that_only_share_words_with_a_complaint_are_still_answered(
    matcher, text, protocol
):
    decision = decision_for(matcher, text)

    assert (decision.action, decision.protocol.id) == (Action.ANSWER, protocol), decision.reason


@pytest.mark.parametrize(
    "text",
    [
        "¿dónde queda la oficina? quiero presentar una apelación",
        "necesito interponer un recurso, ¿qué horario tienen?",
        "¿cuánto cuesta la reconexión? les pongo una demanda por el cobro",
        # Named in a question the protocol that explains it does not answer (office hours).
        "¿a qué hora abren? es para llevar un derecho de petición",
        # Disputes a decision, names a case of the citizen's own, or files one now.
        "¿cómo presento la apelación de la respuesta que me dieron?",
        "¿cómo presento un recurso de reposición contra la factura de octubre?",
        "¿cuánto tienen para responder mi derecho de petición?",
        "quiero poner un derecho de petición, ¿cómo lo hago?",
        # Asks nothing: a person reads it.
        "el derecho de petición se puede presentar por correo electrónico",
        "el derecho de petición se presenta por escrito ante la empresa con el nombre y la cédula",
    ],
)
def test_a_legal_instrument_named_goes_to_a_person_unless_a_question_asks_how_it_works(
    matcher, text
):
    decision = decision_for(matcher, text)

    assert decision.action == Action.REVIEW, decision.reason


@pytest.mark.parametrize(
    "text",
    [
        "¿cómo se presenta un derecho de petición?",
        "qué es el silencio administrativo positivo?",
        "¿cuánto tiempo tienen ustedes para responder un derecho de petición?",
        "¿cómo se pone un recurso de reposición?",
        "información para presentar un derecho de petición",
    ],
)
def test_a_question_about_how_a_legal_instrument_works_gets_the_protocol_that_explains_it(
    matcher, text
):
    """The company's protocol for filing a PQR explains the petition, the recurso and the
    silencio administrativo; a question about them asks how to file, it files nothing."""
    decision = decision_for(matcher, text)

    assert (decision.action, decision.protocol.id) == (Action.ANSWER, "pqr_radicar"), (
        decision.reason
    )


@pytest.mark.parametrize(
    "text",
    [
        "¿cuál es el teléfono? este caso lo llevo a la super",
        "¿cuál es el horario? el vigilante de la oficina nos gritó y nos echó",
        "¿cómo pago en línea? la cajera me habló feo",
        "¿dónde pago? en la oficina me trataron como a un perro",
        "¿horario? el señor que vino a leer el contador fue muy descortés",
        "¿cómo pido el medidor? el contratista me partió la reja",
        "¿cuándo vuelve el agua? el fontanero de ustedes me dejó la casa inundada",
        "¿cuánto vale la conexión? exijo que me regresen el dinero",
        "¿a qué hora abren? quiero que me devuelvan la plata del cobro",
        "¿cómo pago? hice una solicitud en agosto y todavía no me han contestado",
        "¿dónde queda la oficina? mandé una carta con mi reclamo y sigo esperando",
        "¿cuál es el correo? radicamos una queja y nadie nos da razón",
        # After the second held-out set's first look.
        "¿a qué hora abren? si no arreglan esto cerramos la vía con la junta",
        "¿cómo pago? me cargaron una deuda que no es mía",
        "la lectura que pusieron está equivocada, ¿dónde pago mientras tanto?",
        "¿cuándo vuelve el agua? mi abuelo está encamado",
        "pedí el cambio de titular en mayo y todavía nada, ¿cuál es el horario?",
        "¿cuántas veces tengo que llamar para que vengan? ¿cuál es el teléfono?",
        "¿horario? el técnico le dijo estúpida a mi hermana",
    ],
)
def test_complaints_in_other_words_go_to_a_ticket_or_a_person(matcher, text):
    decision = decision_for(matcher, text)

    assert decision.action in (Action.TICKET, Action.REVIEW), decision.reason


@pytest.mark.parametrize(
    "text",
    [
        "cual es el horario? mi hija pregunta por qué gritan tanto los vendedores",
        "¿cómo reviso la compensación que aparece en la factura?",
        "¿cómo se presenta un derecho de petición por mi caso?",
        "cuando vuelve el agua? tengo un bebé de 3 meses",
        # The leak alone would not be filed either (the outage question comes first): the
        # weak cue makes it urgent for a person, not a ticket.
        "cuando vuelve el agua? tengo un bebe de 2 meses, hay un tubo roto en la calle",
    ],
)
def test_a_weak_or_ambiguous_cue_never_files_a_ticket(matcher, text):
    """A legal instrument named, a person at risk next to a question about the water: a
    person reads it; only a clear complaint files a ticket."""
    decision = decision_for(matcher, text)

    assert decision.action == Action.REVIEW, decision.reason


def test_complaint_cues_are_linear_in_the_length_of_the_message():
    from responders.cues import complaint_cues

    units = ("no ", "no me han ", "bebe sin ", "derecho de ", "reclamo 30 ", "a" * 50,
             "puse la queja ", "tiene 90 años ", "el de la ", "me grit ")  # fmt: skip
    for unit in units:
        words = tuple(unit.split()) * (100_000 // len(unit))
        assert isinstance(complaint_cues(words), tuple)  # finishes: timings are in bench/


WORST_MESSAGES = """
import sys
from responders.matcher import Matcher
from responders.policy import Thresholds, decide
from responders.template_values import sector_named
from responders.protocol_files import load_catalogue

matcher = Matcher(load_catalogue())
for unit in sys.argv[1:]:
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    decide(matcher.match(text), Thresholds())
    sector_named(text)
print("ok")
"""


def test_the_whole_responder_reads_the_worst_long_messages_at_once():
    """Each pattern on a citizen's text is linear: a backtracking one (a radicado's spaces
    took 158 s on 100,000 characters) would not finish within the limit."""
    units = ["2020" + " " * 99_996, "<a", "< a", "barrio" + " " * 99_994, "ja", "{{", "que ", "@",
             "2020 ", "http://", "¿cómo pago? "]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", WORST_MESSAGES, *units],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_a_broken_company_protocol_stops_with_file_line_and_field(cli, tmp_path):
    folder = tmp_path / "protocolos"
    folder.mkdir()
    (folder / "pago.yaml").write_text(
        "id: pago\nnombre: Pago\naccion: contestar\nclaves:\n  pse: 3\n"
        "respuesta_publica: |-\n  Hola {{ autor }\nrespuesta_privada: Hola\n",
        encoding="utf-8",
    )
    (tmp_path / "conectados.toml").write_text(
        '[respuestas]\ncarpeta_protocolos = "protocolos"\n', encoding="utf-8"
    )

    result = cli("protocols", "match", "donde pago")

    assert result.exit_code == 2
    assert (
        f"{folder / 'pago.yaml'}:3: accion: debe ser responder, radicar o revisar" in result.stderr
    )
    assert (
        f"{folder / 'pago.yaml'}:7: respuesta_publica: la plantilla tiene un error" in result.stderr
    )


def test_a_company_protocol_replaces_the_shipped_one(cli, tmp_path):
    folder = tmp_path / "protocolos"
    folder.mkdir()
    shipped = (Path(load_catalogue().get("saludo").source)).read_text(encoding="utf-8")
    own = shipped.split("respuesta_publica:")[0] + (
        "respuesta_publica: Gracias a usted.\nrespuesta_privada: Gracias a usted.\n"
    )
    (folder / "saludo.yaml").write_text(own, encoding="utf-8")
    (tmp_path / "conectados.toml").write_text(
        '[respuestas]\ncarpeta_protocolos = "protocolos"\n', encoding="utf-8"
    )

    result = cli("protocols", "match", "--json", "Muchas gracias!!")

    assert json.loads(result.stdout)["reply"] == "Gracias a usted."


# --- the reply queue, against the sandbox ------------------------------------------------


def _settings() -> Settings:
    return Settings()


def _comment(sandbox, text: str, author: str, on: str | None = None, network: str = "facebook"):
    body = {"network": network, "kind": "comment", "text": text, "author": author}
    if on:
        body["on"] = on
    return sandbox.control("POST", "citizen", body)


def _publish_post(sandbox) -> str:
    return sandbox.control(
        "POST", "posts", {"network": "facebook", "posts": [{"text": "Corte programado"}]}
    )["ids"][0]


def test_the_daemon_answers_once_files_a_complaint_and_sends_an_approved_review_once(
    cli, tmp_path, fixed_office
):
    sandbox, _clock = fixed_office
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.x]\nactivo = false\n', encoding="utf-8"
    )
    assert cli("init").exit_code == 0
    post = _publish_post(sandbox)
    _comment(sandbox, "¿Dónde puedo pagar la factura? ¿Reciben PSE?", "Ana", post)
    _comment(sandbox, "Me cobraron dos veces el cargo fijo, exijo la devolución", "Luis", post)
    _comment(sandbox, "¿dónde pago la factura? ya van 2 semanas esperando y nada", "Eva", post)

    first = cli("daemon", "--once")

    assert first.exit_code == 0, first.stderr
    assert "respondidos solos: 1; radicados: 1; a revisión: 1" in first.stdout
    replies = sandbox.control("GET", "state")["facebook"]["replies"]
    public = [reply["text"] for reply in replies if reply["public"]]
    private = [reply["text"] for reply in replies if not reply["public"]]
    assert len(public) == 2 and any("Ana" in text for text in public)
    assert len(private) == 1 and "2026-000001" in private[0]  # Luis: radicado and due date
    assert "Ley 1581" in private[0]  # first private message: the data-treatment notice

    pending = cli("replies", "list")
    assert "Eva" in pending.stdout and "Luis" not in pending.stdout
    reply_id = next(
        line.split("│")[1].strip() for line in pending.stdout.splitlines() if "Eva" in line
    )
    approved = cli("replies", "approve", reply_id, "--texto", "Eva, puede pagar por PSE.")
    assert approved.exit_code == 0, approved.stderr
    again = cli("replies", "approve", reply_id)
    assert again.exit_code == 2 and "ya está aprobada" in again.stderr

    second = cli("daemon", "--once")
    third = cli("daemon", "--once")

    assert "Mensajes nuevos de ciudadanos: 0" in third.stdout, third.stdout
    texts = [reply["text"] for reply in sandbox.control("GET", "state")["facebook"]["replies"]]
    assert texts[3:] == ["Eva, puede pagar por PSE."]
    assert second.exit_code == third.exit_code == 0
    inbox = cli("inbox")
    assert "respondido" in inbox.stdout and "radicado" in inbox.stdout


def _inbox_state(cli, author: str) -> str:
    """The state `conectados inbox` gives the message of `author`, read off its card (80
    columns: «id 3 · en revisión», then «autor: Eva» under it)."""
    shown = cli("inbox", env={"COLUMNS": "80"}).stdout
    (card,) = [card for card in shown.split("\n\n") if f"autor: {author}" in " ".join(card.split())]
    return card.strip().splitlines()[0].split(" · ", 1)[1]


def test_the_inbox_says_respondido_only_once_the_reply_went_out(cli, tmp_path, fixed_office):
    """An approved reply still waiting (its network paused) is «respuesta por enviar»."""
    from responders.interaction_listing import written_since
    from scheduler.pauses import clear_pause, pause_channel

    sandbox, clock = fixed_office
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.x]\nactivo = false\n', encoding="utf-8"
    )
    assert cli("init").exit_code == 0
    post = _publish_post(sandbox)
    _comment(sandbox, "¿dónde pago la factura? ya van 2 semanas esperando y nada", "Eva", post)
    assert cli("daemon", "--once").exit_code == 0
    assert _inbox_state(cli, "Eva") == "en revisión"
    (reply_id,) = [line.split("│")[1].strip() for line in
                   cli("replies", "list", env={"COLUMNS": "200"}).stdout.splitlines()
                   if "Eva" in line]  # fmt: skip
    assert cli("replies", "approve", reply_id).exit_code == 0
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session() as session:
        now = clock.now()
        pause_channel(session.connection(), "facebook", now + timedelta(hours=1), "prueba", now)

    cli("daemon", "--once")
    waiting = _inbox_state(cli, "Eva")
    with database.session() as session:
        clear_pause(session.connection(), "facebook", clock.now())
    statements = []
    sa.event.listen(database.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    listed = written_since(database, clock.now() - timedelta(days=7), 100)
    database.dispose()
    selects = [statement for statement in statements if statement.startswith("SELECT")]
    assert len(listed) == 1 and len(selects) == 1, statements  # one query, however many
    assert cli("daemon", "--once").exit_code == 0

    assert waiting == "respuesta por enviar"
    assert _inbox_state(cli, "Eva") == "respondido"


def test_interactive_review_approves_edits_and_rejects(cli, tmp_path, sandbox, monkeypatch):
    import io

    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.x]\nactivo = false\n', encoding="utf-8"
    )
    cli("init")
    post = _publish_post(sandbox)
    _comment(sandbox, "¿atienden el sábado? jajaja", "Eva", post)
    _comment(sandbox, "quién ganó el partido de anoche? respondan", "Max", post)
    _comment(sandbox, "¿dónde pago la factura? ya van 2 semanas esperando y nada", "Sol", post)
    cli("daemon", "--once")
    keys = "x\ne\nEva, abrimos a las 7:00 a. m.\na\nr\nya se le respondió por teléfono\nq\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(keys))

    result = cli("replies", "review")

    assert result.exit_code == 0, result.stderr
    assert "Tecla no válida" in result.stdout and "Borrador:" in result.stdout
    assert "Revisión terminada: 1 aprobada, 1 rechazada" in result.stdout
    with_state = cli("replies", "list", "--estado", "todas").stdout
    assert "aprobada" in with_state and "rechazada" in with_state


def _responder(database, clock, settings=None) -> Responder:
    return Responder(database, load_catalogue(), settings or _settings(), clock)


def test_no_water_answer_lists_the_notices_for_the_sector_the_citizen_names(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    with database.session() as session:
        session.add(
            ServiceNotice(
                sector="Barrio La Libertad",
                starts_at=clock.now() - timedelta(hours=2),
                ends_at=clock.now() + timedelta(hours=4),
                reason="cambio de válvula",
            )
        )
        session.add(
            ServiceNotice(
                sector="Centro",
                starts_at=clock.now(),
                ends_at=clock.now() + timedelta(hours=4),
                reason="reparación de tubería",
            )
        )
    sandbox.control("POST", "citizen", {"network": "facebook", "kind": "message",
                                         "text": "no hay agua en el barrio La Libertad, xq?", "author": "Ana"})  # fmt: skip
    channels = channels_for(sandbox)
    Inbox(database, {"facebook": channels["facebook"]}, clock).run_once()

    _responder(database, clock).run_once()

    with database.session() as session:
        reply = session.execute(sa.select(Reply)).scalar_one()
    assert reply.state == ReplyState.APPROVED
    assert "La Libertad" in reply.text and "cambio de válvula" in reply.text
    assert "reparación de tubería" not in reply.text


def test_a_question_with_a_complaint_files_it_and_keeps_both_drafts_for_a_person(
    cli, tmp_path, sandbox
):
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.x]\nactivo = false\n', encoding="utf-8"
    )
    assert cli("init").exit_code == 0
    post = _publish_post(sandbox)
    _comment(
        sandbox,
        "¿Dónde pago la factura? Si no me devuelven el cobro doble pongo tutela",
        "Ana",
        post,
    )
    _comment(sandbox, "¿Cómo hago un acuerdo de pago? Voy a poner queja ante la Superintendencia", "Luis", post)  # fmt: skip

    result = cli("daemon", "--once")

    assert result.exit_code == 0, result.stderr
    assert "respondidos solos: 0; radicados: 1; a revisión: 1" in result.stdout
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session() as session:
        rows = session.execute(
            sa.select(Interaction.author_name, Reply.protocol, Reply.kind, Reply.state)
            .join(Interaction, Interaction.id == Reply.interaction_id)
            .order_by(Reply.id)
        ).all()
    database.dispose()
    ana = {(row.protocol, row.kind, row.state) for row in rows if row.author_name == "Ana"}
    luis = {(row.protocol, row.kind, row.state) for row in rows if row.author_name == "Luis"}
    # Ana: the billing complaint is filed at once; the answer about paying waits for a person.
    assert {kind for protocol, kind, state in ana if state != ReplyState.PENDING} == {
        ReplyKind.ACKNOWLEDGEMENT
    }
    assert [kind for protocol, kind, state in ana if state == ReplyState.PENDING] == [
        ReplyKind.ANSWER
    ]
    # Luis: no complaint protocol fits: a person gets the answer and the acknowledgement.
    assert luis == {
        ("pago", ReplyKind.ANSWER, ReplyState.PENDING),
        ("queja_servicio", ReplyKind.ACKNOWLEDGEMENT, ReplyState.PENDING),
    }
    pending = cli("replies", "list").stdout
    first = next(line.split("│")[1].strip() for line in pending.splitlines() if "Luis" in line)
    shown = cli("replies", "show", first).stdout
    assert "Otra respuesta para este mensaje" in shown and "queja_servicio" in shown

    # The message stays in review until both drafts are decided: one rejected and the other
    # approved makes it answered, whatever the order.
    luis_replies = [line.split("│")[1].strip() for line in pending.splitlines() if "Luis" in line]
    # (The acknowledgement promises a filing: it is filed or rejected, never approved.)
    assert cli("replies", "approve", luis_replies[0]).exit_code == 0
    assert _luis_state(tmp_path) == InteractionState.IN_REVIEW
    assert cli("replies", "reject", luis_replies[1]).exit_code == 0
    assert _luis_state(tmp_path) == InteractionState.ANSWERED


def _luis_state(folder) -> InteractionState:
    database = Database(f"sqlite:///{folder / 'conectados.db'}")
    with database.session() as session:
        state = session.execute(
            sa.select(Interaction.state).where(Interaction.author_name == "Luis")
        ).scalar_one()
    database.dispose()
    return state


def test_a_bot_that_keeps_writing_gets_a_person_after_a_few_answers(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    channels = channels_for(sandbox)
    for n in range(5):
        _comment(
            sandbox, f"¿Cuál es el horario de atención de la oficina? ({n})", "Robot", network="x"
        )
    Inbox(database, {"x": channels["x"]}, clock).run_once()

    _responder(database, clock).run_once()

    with database.session() as session:
        states = [
            reply.state for reply in session.execute(sa.select(Reply).order_by(Reply.id)).scalars()
        ]
    assert states == [ReplyState.APPROVED] * 3 + [ReplyState.PENDING] * 2


def test_an_interaction_is_decided_once_even_by_two_responders(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    channels = channels_for(sandbox)
    _comment(sandbox, "¿Dónde pago la factura?", "Ana", network="x")
    Inbox(database, {"x": channels["x"]}, clock).run_once()

    _responder(database, clock).run_once()
    _responder(database, clock).run_once()
    Outbox(database, {"x": channels["x"]}, clock, "d").run_once()
    Outbox(database, {"x": channels["x"]}, clock, "d").run_once()

    with database.session() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Reply)).scalar() == 1
        state = session.execute(sa.select(Interaction.state)).scalar_one()
    assert state == InteractionState.ANSWERED
    assert len(sandbox.control("GET", "state")["x"]["replies"]) == 1


def test_old_messages_go_to_review_instead_of_being_answered(database, sandbox):
    clock = FixedClock(datetime.now(UTC) + timedelta(days=3))
    channels = channels_for(sandbox)
    _comment(sandbox, "¿Dónde pago la factura?", "Ana", network="x")
    Inbox(database, {"x": channels["x"]}, FixedClock(datetime.now(UTC))).run_once()

    _responder(database, clock).run_once()

    with database.session() as session:
        reply = session.execute(sa.select(Reply)).scalar_one()
    assert reply.state == ReplyState.PENDING and "48 horas" in reply.review_note


def test_notices_are_added_listed_and_closed(cli):
    clock = FixedClock(datetime(2026, 3, 10, 15, 0, tzinfo=UTC))  # 10:00 in Bogotá
    cli.clock = clock
    assert cli("init").exit_code == 0
    bad = cli(
        "avisos", "add", "--sector", "Centro", "--desde", "mañana", "--hasta", "x", "--motivo", "m"
    )
    assert bad.exit_code == 2 and "opción --desde" in bad.stderr

    added = cli(
        "avisos", "add", "--sector", "Centro", "--desde", "2026-03-12 08:00",
        "--hasta", "2026-03-12 16:00", "--motivo", "cambio de válvula",
    )  # fmt: skip
    listed = cli("avisos", "list")
    clock.advance(timedelta(days=2))  # 2026-03-12 10:00 in Bogotá: the cut is under way
    under_way = cli("avisos", "list")
    closed = cli("avisos", "close", "1")
    after = cli("avisos", "list")

    assert added.exit_code == 0 and "Aviso 1 registrado" in added.stdout
    assert "cambio de válvula" in listed.stdout and "próximo" in listed.stdout
    assert "en curso" in under_way.stdout
    assert closed.exit_code == 0
    assert "No hay avisos vigentes." in after.stdout


def test_notices_match_whole_words_and_town_wide_notices_always_apply():
    from responders.template_values import sector_matches, sector_named

    assert sector_named("no hay agua en el barrio 20 de Julio") == "20 De Julio"
    assert sector_named("En mi casa no hay agua, barrio Villa del Río") == "Villa Del Rio"
    assert not sector_matches("Sector 1", sector_named("sin agua en el sector 12"))
    assert sector_matches("Barrio Villa del Río", "Villa Del Rio")
    assert sector_matches("Todo el municipio", "La Libertad")


def test_the_citizens_own_words_are_not_echoed_in_public(matcher):
    from responders.template_values import clean_author, company_values, template_context

    context = template_context(
        company_values(Settings()),
        "",
        [],
        "no hay agua en el sector Compren Bitcoin Ya",
        "x",
        "comment",
    )

    assert context["sector"] == ""  # no notice there: the name is not repeated
    assert clean_author("Ana María") == "Ana María"
    # A name that carries personal data, as written or once cleaned, greets no one.
    assert clean_author("Ana 3105551234") == ""
    assert clean_author("ana arroba💰gmail.com") == ""
    assert clean_author("https://spam.example @bot 💰💰💰") == ""


def test_a_template_that_fails_with_real_data_sends_that_message_to_a_person(
    database, sandbox, tmp_path
):
    folder = tmp_path / "protocolos"
    folder.mkdir()
    shipped = Path(load_catalogue().get("pago").source).read_text(encoding="utf-8")
    broken = shipped.split("respuesta_publica:")[0] + (
        "respuesta_publica: 'Llame al {{ empresa.telefonos[0] }}'\nrespuesta_privada: Hola\n"
    )
    (folder / "pago.yaml").write_text(broken, encoding="utf-8")
    clock = FixedClock(datetime.now(UTC))
    channels = channels_for(sandbox)
    _comment(sandbox, "¿Dónde puedo pagar la factura? ¿reciben PSE?", "Ana", network="x")
    _comment(sandbox, "¿Cuál es el horario de atención de la oficina?", "Luis", network="x")
    Inbox(database, {"x": channels["x"]}, clock).run_once()

    Responder(database, load_catalogue(folder), _settings(), clock).run_once()

    with database.session() as session:
        replies = {reply.text: reply.state for reply in session.execute(sa.select(Reply)).scalars()}
        states = set(session.execute(sa.select(Interaction.state)).scalars())
    assert InteractionState.RECEIVED not in states
    assert replies.get("") == ReplyState.PENDING  # the broken one waits for a person
    assert ReplyState.APPROVED in replies.values()  # the next message was answered


@pytest.mark.parametrize(
    ("claves", "line", "expected"),
    [
        ("  banano: nan\n", 5, "el peso de «banano» debe ser un número"),
        ("  pse: 3\n  pse: 4\n", 6, "«pse» está repetida (también en la línea 5)"),
    ],
)
def test_bad_keys_are_reported_with_their_line(cli, tmp_path, claves, line, expected):
    folder = tmp_path / "protocolos"
    folder.mkdir()
    (folder / "pago.yaml").write_text(
        "id: pago\nnombre: Pago\naccion: responder\nclaves:\n"
        + claves
        + "respuesta_publica: Hola\nrespuesta_privada: Hola\n",
        encoding="utf-8",
    )
    (tmp_path / "conectados.toml").write_text(
        '[respuestas]\ncarpeta_protocolos = "protocolos"\n', encoding="utf-8"
    )

    result = cli("protocols", "match", "donde pago")

    assert result.exit_code == 2
    assert f"{folder / 'pago.yaml'}:{line}: claves: {expected}" in result.stderr


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '{"text": "hola", "protocols": "pago", "actions": ["answer"]}',
            "protocols: debe ser una lista",
        ),
        (
            '{"text": "hola", "protocols": [], "actions": [["answer"]]}',
            "actions: debe ser una lista",
        ),
        ("{'text': 'hola'}", "no es un objeto JSON válido"),
    ],
)
def test_a_wrong_labelled_line_names_file_line_and_field(cli, tmp_path, line, expected):
    (tmp_path / "m.jsonl").write_text(
        f'{{"text": "x", "protocols": [], "actions": ["ignore"]}}\n{line}\n', encoding="utf-8"
    )

    result = cli("protocols", "evaluate", "m.jsonl")

    assert result.exit_code == 2
    assert f"m.jsonl:2: {expected}" in result.stderr


def test_control_characters_never_reach_the_database(database, sandbox):
    channels = channels_for(sandbox)
    _comment(sandbox, "hola \x1b[2J\x1b]0;X\x07 agua", "Ana\x1b[31m", network="x")

    Inbox(database, {"x": channels["x"]}, FixedClock(datetime.now(UTC))).run_once()

    with database.session() as session:
        row = session.execute(sa.select(Interaction)).scalar_one()
    assert "\x1b" not in row.text and "\x07" not in row.text and "\x1b" not in row.author_name


@pytest.mark.parametrize("age", ["2 años", "un año", "3 anos"])
def test_a_case_filed_years_ago_is_overdue(matcher, age):
    decision = decision_for(matcher, f"puse un reclamo hace {age} y nada, ¿dónde pago la factura?")

    assert decision.action in (Action.TICKET, Action.REVIEW)
    assert "caso anterior sin resolver o vencido" in decision.reason


def test_a_persons_age_in_years_is_not_an_overdue_case(matcher):
    decision = decision_for(
        matcher, "mi papá tiene 82 años, ¿cómo hago el trámite de cambio de titular de la factura?"
    )

    assert "caso anterior" not in decision.reason


def test_a_person_at_risk_next_to_a_question_about_a_petition_still_goes_to_a_person(matcher):
    text = "¿cómo se presenta un derecho de petición? nos suspendieron el servicio y tengo niños"

    decision = decision_for(matcher, text)

    assert decision.action == Action.REVIEW and decision.reason.startswith("URGENTE"), (
        decision.reason
    )
