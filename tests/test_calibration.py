"""Per-protocol thresholds from the company's history: trained on the past, measured on the
latest weeks, never below the floor, never lowered on too little or wrong evidence."""

from __future__ import annotations

from datetime import datetime, timedelta

from responders.calibration import MIN_ANSWERED, calibrate
from responders.examples import Example, ExampleAction, example_text
from responders.policy import Thresholds
from responders.protocol_files import load_catalogue

CATALOGUE = load_catalogue()
START = datetime(2026, 1, 5, 8, 0)
BASE = Thresholds()
PAYING = [
    "¿dónde pago el recibo del agua?",
    "puedo pagar la factura en Efecty?",
    "donde se paga el recibo",
    "se puede pagar por PSE?",
    "en que bancos puedo pagar la factura",
    "donde pago la factura de este mes",
]
HOURS = [
    "¿a qué hora abren la oficina?",
    "hasta que hora atienden hoy?",
    "atienden los sabados?",
    "cual es el horario de atencion",
]


def history(weeks: int, rows: list[tuple[str, str | None, ExampleAction]]) -> list[Example]:
    """`rows` every week for `weeks` weeks, a few minutes apart."""
    return [
        Example(example_text(text), protocol, action, START + timedelta(weeks=week, minutes=n))
        for week in range(weeks)
        for n, (text, protocol, action) in enumerate(rows)
    ]


def test_answers_that_stay_right_lower_the_protocols_threshold_to_no_less_than_the_floor():
    rows = [(text, "pago", ExampleAction.ANSWER) for text in PAYING] * 2

    result = calibrate(CATALOGUE, history(6, rows), BASE)

    threshold = result.thresholds.auto_for("pago")
    assert BASE.review <= threshold <= BASE.auto
    figures = result.figures["pago"]
    assert figures.answered_after >= MIN_ANSWERED and figures.precision_after == 1.0
    assert figures.examples == len(rows) * 6 and result.totals.examples == len(rows) * 6


def test_a_protocol_the_team_answers_otherwise_keeps_the_base_threshold():
    # The team answers these hours questions with the paying protocol: the matcher's
    # automatic answers (horario_contacto) are all wrong, so nothing is lowered.
    rows = [(text, "pago", ExampleAction.ANSWER) for text in HOURS] * 3

    result = calibrate(CATALOGUE, history(6, rows), BASE)

    assert result.thresholds.auto_for("horario_contacto") == BASE.auto


def test_too_few_answers_in_the_latest_weeks_keep_the_base_threshold():
    rows = [(PAYING[0], "pago", ExampleAction.ANSWER)]

    result = calibrate(CATALOGUE, history(3, rows), BASE)

    assert result.thresholds.auto_for("pago") == BASE.auto


def test_only_the_latest_weeks_are_measured_and_the_figures_say_before_and_after():
    rows = [(text, "pago", ExampleAction.ANSWER) for text in PAYING]

    result = calibrate(CATALOGUE, history(10, rows), BASE, recent_weeks=4)

    assert result.held == 4 * len(rows)
    figures = result.figures["pago"]
    assert figures.answerable == 4 * len(rows)
    assert figures.coverage_before is not None and figures.coverage_after is not None


def test_the_same_history_gives_the_same_thresholds_in_any_order():
    rows = [(text, "pago", ExampleAction.ANSWER) for text in PAYING] + [
        (text, "horario_contacto", ExampleAction.ANSWER) for text in HOURS
    ]
    examples = history(6, rows)

    first = calibrate(CATALOGUE, examples, BASE)
    again = calibrate(CATALOGUE, list(reversed(examples)), BASE)

    assert first.thresholds == again.thresholds
    assert first.figures == again.figures


def test_no_history_keeps_the_base_thresholds():
    result = calibrate(CATALOGUE, [], BASE)

    assert result.thresholds.auto_for("pago") == BASE.auto and result.held == 0


def test_evaluate_shows_each_protocols_threshold_in_use():
    from responders.evaluate import TARGETS, Evaluation, report

    result = Evaluation(total=0, rates={name: (0, 0) for name in TARGETS})
    lines = report(result, thresholds=Thresholds(per_protocol={"pago": 0.5}))

    assert any("responder solo desde 60 %" in line for line in lines)
    assert any(line.strip() == "pago: responder solo desde 50 %" for line in lines)


def test_one_wrong_answer_over_the_base_does_not_raise_the_threshold_two_do():
    """A few weeks give a protocol a handful of answers: one wrong among them (a "hola
    guapa" greeted back) is no measure of its precision; two are."""
    from responders.calibration import MIN_WRONG, _lowest, _Outcome

    right = [_Outcome("saludo", 0.55 + n / 100, True) for n in range(40)]
    one = [*right, _Outcome("saludo", 0.84, False)]
    assert MIN_WRONG == 2
    assert _lowest(one, "saludo", BASE.review, BASE.auto) == BASE.auto

    two = [*one, _Outcome("saludo", 0.8, False)]
    assert _lowest(two, "saludo", BASE.review, BASE.auto) > 0.84
