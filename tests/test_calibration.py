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
