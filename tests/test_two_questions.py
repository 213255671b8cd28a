"""Two frequent questions in one message: one reply with both answers when both are sure,
else a person gets both drafts."""

from __future__ import annotations

import sqlalchemy as sa

from conectados.db import Database
from responders.evaluate import Labelled, evaluate
from responders.matcher import Matcher
from responders.models import Interaction, Reply, ReplyKind, ReplyState
from responders.policy import Action, Thresholds, decide
from responders.protocol_files import load_catalogue

BOTH = "buenas, donde pago el recibo y hasta q hora atienden en la oficina? gracias"
UNSURE = "se puede pagar la matricula por cuotas?"


def _office(cli, tmp_path, sandbox) -> str:
    (tmp_path / "conectados.toml").write_text(
        f'[empresa]\nnombre = "Aguas del Río"\nhorario = "lunes a viernes de 7 a 5"\n'
        f'puntos_pago = ["Efecty", "Bancolombia"]\n'
        f'[sandbox]\nurl = "{sandbox.url}"\n[channels.x]\nactivo = false\n',
        encoding="utf-8",
    )
    assert cli("init").exit_code == 0
    return sandbox.control(
        "POST", "posts", {"network": "facebook", "posts": [{"text": "Corte programado"}]}
    )["ids"][0]


def _comment(sandbox, post: str, text: str, author: str) -> None:
    sandbox.control(
        "POST",
        "citizen",
        {"network": "facebook", "kind": "comment", "text": text, "author": author, "on": post},
    )


def _replies(tmp_path, author: str):
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session() as session:
        rows = session.execute(
            sa.select(Reply.protocol, Reply.kind, Reply.state, Reply.text)
            .join(Interaction, Interaction.id == Reply.interaction_id)
            .where(Interaction.author_name == author)
            .order_by(Reply.id)
        ).all()
    database.dispose()
    return rows


def test_two_sure_questions_get_one_reply_with_both_answers(cli, tmp_path, sandbox):
    post = _office(cli, tmp_path, sandbox)
    _comment(sandbox, post, BOTH, "Ana")

    result = cli("daemon", "--once")

    assert result.exit_code == 0, result.stderr
    assert "respondidos solos: 1" in result.stdout
    [reply] = _replies(tmp_path, "Ana")
    assert reply.state != ReplyState.PENDING and reply.kind == ReplyKind.ANSWER
    # The paying answer (its points of payment), then the office's hours, a blank line apart.
    paying, hours = reply.text.split("\n\n", 1)
    assert "Efecty" in paying and "lunes a viernes de 7 a 5" in hours


def test_two_questions_not_both_sure_go_to_a_person_with_both_drafts(cli, tmp_path, sandbox):
    post = _office(cli, tmp_path, sandbox)
    _comment(sandbox, post, UNSURE, "Luis")

    result = cli("daemon", "--once")

    assert result.exit_code == 0, result.stderr
    assert "respondidos solos: 0" in result.stdout
    rows = _replies(tmp_path, "Luis")
    assert {(row.protocol, row.state) for row in rows} == {
        ("conexion_nueva", ReplyState.PENDING),
        ("pago", ReplyState.PENDING),
    }


def test_one_question_with_a_second_protocol_sharing_its_words_is_not_answered_twice():
    matcher = Matcher(load_catalogue())
    # "matrícula" is a word of the new connection's protocol, but nothing here asks about it.
    decision = decide(
        matcher.match("Me pueden enviar el recibo por whatsapp? Matrícula 10234"), Thresholds()
    )

    assert decision.together is None


def test_evaluate_counts_both_answers_right_only_when_both_were_asked():
    matcher = Matcher(load_catalogue())
    asked_both = Labelled("1", BOTH, ("pago", "horario_contacto"), ("answer",), 1)
    asked_one = Labelled("2", BOTH, ("pago",), ("answer",), 2)
    assert decide(matcher.match(BOTH), Thresholds()).action == Action.ANSWER

    assert evaluate([asked_both], matcher, Thresholds()).rate("precision") == 1.0
    assert evaluate([asked_one], matcher, Thresholds()).rate("precision") == 0.0


def test_a_second_question_below_its_own_threshold_goes_to_a_person_with_both_drafts():
    matcher = Matcher(load_catalogue())
    strict = Thresholds(per_protocol={"horario_contacto": 0.95})

    decision = decide(matcher.match(BOTH), strict)

    assert decision.action == Action.REVIEW and decision.together is None
    assert {decision.protocol.id, decision.also.id} == {"pago", "horario_contacto"}


def test_a_question_opened_by_a_greeting_or_a_number_still_counts_as_its_own_question():
    """«buenas donde pago…»: the question word comes after a greeting; «1) … 2) …»: a
    numbered list asks one thing per item. A «necesito…» that says what for asks nothing."""
    matcher = Matcher(load_catalogue())
    for text in [
        "buenas donde pago el recibo y hasta q hora atienden la oficina del centro",
        "hola 1) cual es el horario de la oficina 2) donde puedo pagar el recibo",
    ]:
        decision = decide(matcher.match(text), Thresholds())
        assert decision.action == Action.ANSWER, decision.reason
        assert {decision.protocol.id, decision.together.id} == {"pago", "horario_contacto"}

    text = (
        "xfa me dicen el horario de la oficina?? necesito llevar los papeles del cambio de nombre"
    )
    assert decide(matcher.match(text), Thresholds()).together is None
