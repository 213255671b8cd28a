"""What the company's examples may change, and the rules they can never undo."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from responders.examples import Example, ExampleAction, example_text
from responders.matcher import LINEAR, NEAREST, Matcher, explain
from responders.policy import Action, Thresholds, decide, left_alone
from responders.protocol_files import load_catalogue

CATALOGUE = load_catalogue()
METHODS = [LINEAR, NEAREST]
START = datetime(2026, 1, 5, 8, 0)

UNSURE = "Pregunto si puedo hacer un abono parcial a la deuda"
"""The shipped catalogue is not sure enough to answer it (pago, 56 %)."""
COMPLAINT = "¿Dónde pago la factura? Si no me devuelven el cobro doble pongo tutela"
OFF_TOPIC = "arriendo finca para fin de año en San Isidro, informes al interno"
HOURS = "¿a qué hora abren la oficina el sábado?"
ALSO_A_COMPLAINT = "el medidor quedo tapado con el anden nuevo, como hacen pa leerlo?"
"""Sent to a person: a complaint protocol (queja_servicio) is close behind the meter's."""
TICKET_NEARBY = "cuantos dias tienen uds pa responder un reclamo?"
"""Answered (pqr_radicar), with a billing complaint protocol among its candidates."""
BACKGROUND = [
    ("¿cuánto cuesta la reconexión?", "reconexion", ExampleAction.ANSWER),
    ("¿hasta qué hora atienden?", "horario_contacto", ExampleAction.ANSWER),
    ("¿dónde pago el recibo?", "pago", ExampleAction.ANSWER),
    ("se me reventó el tubo de la calle", "fuga_dano", ExampleAction.TICKET),
    ("vendo perritos criollos", None, ExampleAction.IGNORE),
]
"""A little of everything, so the linear model has more than one thing to tell apart."""


def learned(*taught: tuple[str, str | None, ExampleAction], copies: int = 20) -> list[Example]:
    rows = [row for row in taught for _ in range(copies)] + BACKGROUND * 2
    return [
        Example(example_text(text), protocol, action, START + timedelta(minutes=number))
        for number, (text, protocol, action) in enumerate(rows)
    ]


def decision(text: str, examples: list[Example], method: str):
    return decide(Matcher(CATALOGUE, examples, method=method).match(text), Thresholds())


def test_without_examples_nothing_is_learned():
    matcher = Matcher(CATALOGUE)

    assert matcher.learned_count == 0
    assert not matcher.match(UNSURE).learned
    assert decide(matcher.match(UNSURE), Thresholds()).action == Action.REVIEW


@pytest.mark.parametrize("method", METHODS)
def test_examples_the_team_answered_settle_a_doubt_and_say_so(method):
    examples = learned((UNSURE, "pago", ExampleAction.ANSWER))
    matcher = Matcher(CATALOGUE, examples, method=method)

    result = decide(matcher.match(UNSURE), Thresholds())

    assert matcher.learned_count == len(examples)
    assert (result.action, result.protocol.id) == (Action.ANSWER, "pago")
    assert any("aprendido: " in line for line in explain(matcher.match(UNSURE)))


@pytest.mark.parametrize("method", METHODS)
def test_a_learned_answer_never_answers_a_complaint(method):
    result = decision(COMPLAINT, learned((COMPLAINT, "pago", ExampleAction.ANSWER)), method)

    assert result.action in (Action.TICKET, Action.REVIEW)


@pytest.mark.parametrize("method", METHODS)
def test_a_learned_answer_never_answers_what_a_complaint_protocol_sends_to_a_person(method):
    examples = learned((ALSO_A_COMPLAINT, "medidor", ExampleAction.ANSWER))

    result = decision(ALSO_A_COMPLAINT, examples, method)

    assert result.action == Action.REVIEW


@pytest.mark.parametrize("method", METHODS)
def test_a_learned_ignore_never_leaves_a_complaint_alone(method):
    result = decision(COMPLAINT, learned((COMPLAINT, None, ExampleAction.IGNORE)), method)

    assert result.action in (Action.TICKET, Action.REVIEW)


@pytest.mark.parametrize("method", METHODS)
def test_a_learned_ignore_never_leaves_alone_a_message_a_complaint_protocol_fits(method):
    examples = learned((TICKET_NEARBY, None, ExampleAction.IGNORE))
    match = Matcher(CATALOGUE, examples, method=method).match(TICKET_NEARBY)

    assert match.learned_leave  # the examples do say "leave it" ...
    assert not left_alone(match)  # ... and the rule says no (a complaint protocol is there)
    assert decide(match, Thresholds()).action != Action.IGNORE


@pytest.mark.parametrize("method", METHODS)
def test_what_the_team_left_alone_is_left_alone(method):
    result = decision(OFF_TOPIC, learned((OFF_TOPIC, None, ExampleAction.IGNORE)), method)

    assert result.action == Action.IGNORE
    assert result.reason.startswith("aprendido: ")


@pytest.mark.parametrize(
    "change",
    [
        {"insults": ("ladrones",)},
        {"discontent": ("pesimo servicio",)},
    ],
)
def test_insults_or_discontent_are_never_left_alone_on_learning(change):
    examples = learned((OFF_TOPIC, None, ExampleAction.IGNORE))
    match = Matcher(CATALOGUE, examples).match(OFF_TOPIC)
    assert left_alone(match)

    assert not left_alone(replace(match, **change))


def test_a_complaint_cue_is_never_left_alone_on_learning():
    examples = learned((COMPLAINT, None, ExampleAction.IGNORE))
    match = Matcher(CATALOGUE, examples, method=NEAREST).match(COMPLAINT)
    assert match.learned_leave and match.complaint_cues

    # Nothing else that would keep it: no candidate, no insult, no discontent; only the cue.
    assert not left_alone(replace(match, candidates=(), insults=(), discontent=()))


@pytest.mark.parametrize("method", METHODS)
def test_learned_complaints_only_hold_back_an_answer_never_file_one(method):
    examples = learned((HOURS, "queja_servicio", ExampleAction.TICKET))

    result = decision(HOURS, examples, method)

    assert decide(Matcher(CATALOGUE).match(HOURS), Thresholds()).action == Action.ANSWER
    assert result.action == Action.REVIEW
    assert result.reason.startswith("aprendido: ")


def test_a_doubt_the_team_also_reviewed_is_not_settled_by_learning():
    # The reviewed one is a little less like the message than the answered ones: it holds
    # nothing back on its own, but the doubt is not the team's to settle by learning.
    reviewed = f"{UNSURE} del mes pasado"
    examples = learned(
        (UNSURE, "pago", ExampleAction.ANSWER), (reviewed, "pago", ExampleAction.REVIEW), copies=3
    )
    match = Matcher(CATALOGUE, examples, method=NEAREST).match(UNSURE)

    assert not match.learned_hold and match.hold_share > 0
    assert decide(match, Thresholds()).action == Action.REVIEW


def test_a_protocol_threshold_of_its_own_decides_its_answers():
    matcher = Matcher(CATALOGUE)
    strict = Thresholds(per_protocol={"horario_contacto": 0.995})

    assert decide(matcher.match(HOURS), Thresholds()).action == Action.ANSWER
    assert decide(matcher.match(HOURS), strict).action == Action.REVIEW
    assert strict.auto_for("horario_contacto") == 0.995 and strict.auto_for("pago") == 0.6
    assert hash(strict) == hash(Thresholds(per_protocol={"horario_contacto": 0.995}))


@pytest.mark.parametrize("method", METHODS)
def test_an_answer_labelled_with_a_complaint_protocol_only_holds_back(method):
    examples = learned((HOURS, "queja_servicio", ExampleAction.ANSWER))

    result = decision(HOURS, examples, method)

    assert result.action == Action.REVIEW


def test_examples_of_one_kind_only_teach_nothing_about_other_messages():
    examples = [Example(example_text("¿dónde pago?"), "pago", ExampleAction.ANSWER, START)] * 5
    matcher = Matcher(CATALOGUE, examples)

    match = matcher.match(HOURS)

    assert not any(candidate.protocol.id == "pago" for candidate in match.candidates)


def test_a_learned_example_keeps_no_name_the_citizen_introduced():
    from responders.examples import example_text

    assert example_text("mi nombre es Juan Carlos Rodríguez, ¿dónde pago?") == (
        "mi nombre es dato personal donde pago"
    )
    assert example_text("Hola, me llamo Ana María. ¿Dónde pago?") == (
        "hola me llamo dato personal donde pago"
    )
    assert example_text("soy adulto mayor y no tengo agua") == "soy adulto mayor y no tengo agua"


def test_a_learned_example_is_never_quoted_in_another_citizen_s_reasons():
    from datetime import UTC, datetime

    from responders.examples import Example, ExampleAction, example_text
    from responders.matcher import NEAREST, Matcher, explain
    from responders.protocol_files import load_catalogue

    taught = example_text("en la tienda de don Jairo Perez reciben el recibo del agua")
    examples = [
        Example(taught, "pago", ExampleAction.ANSWER, datetime(2026, 1, 5, tzinfo=UTC)),
        Example("hola vecinos", None, ExampleAction.IGNORE, datetime(2026, 1, 6, tzinfo=UTC)),
    ]
    matcher = Matcher(load_catalogue(), examples, method=NEAREST)
    lines = "\n".join(
        explain(matcher.match("reciben el recibo del agua en la tienda de don Jairo"))
    )
    assert "aprendido" in lines and "jairo perez" not in lines.lower()


def test_one_message_left_alone_does_not_teach_to_leave_questions_alone():
    """The walkthrough's case: four bill questions and one «venden tanques de agua?» left
    alone; «venden medidores nuevos?» must still reach an answer or a person."""
    rows = [
        ("necesito copia de la factura", "factura_consulta", ExampleAction.ANSWER),
        ("no me llegó el recibo de este mes", "factura_consulta", ExampleAction.ANSWER),
        ("cómo descargo la factura por internet", "factura_consulta", ExampleAction.ANSWER),
        ("qué es el cargo fijo de la factura", "factura_consulta", ExampleAction.ANSWER),
        ("venden tanques de agua?", None, ExampleAction.IGNORE),
    ]
    examples = [
        Example(example_text(text), protocol, action, START + timedelta(minutes=number))
        for number, (text, protocol, action) in enumerate(rows)
    ]
    matcher = Matcher(CATALOGUE, examples)

    assert decide(matcher.match("venden medidores nuevos?"), Thresholds()).action == Action.ANSWER
    assert decide(matcher.match("venden medidores?"), Thresholds()).action == Action.REVIEW


def test_a_question_the_catalogue_answers_goes_to_a_person_not_left_alone():
    examples = learned((HOURS, None, ExampleAction.IGNORE))
    matcher = Matcher(CATALOGUE, examples, method=LINEAR)
    assert decide(matcher.match(HOURS).shipped(), Thresholds()).action == Action.ANSWER

    result = decide(matcher.match(HOURS), Thresholds())

    assert result.action == Action.REVIEW and "una persona decide" in result.reason
