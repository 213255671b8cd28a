"""General rules that let the responder answer questions it used to leave for a person, and
the cases that must still go to one."""

from __future__ import annotations

import pytest

from responders.matcher import Matcher
from responders.policy import Action, Thresholds, decide
from responders.protocol_files import load_catalogue


@pytest.fixture(scope="module")
def matcher():
    return Matcher(load_catalogue())


def _decide(matcher, text):
    return decide(matcher.match(text), Thresholds())


@pytest.mark.parametrize(
    ("text", "protocol"),
    [
        ("hola pague hoy por pse a las 11 am, me reconectan hoy mismo o toca esperar a mañana",
         "reconexion"),
        ("la reconexion la cobran en el siguiente recibo o toca pagarla de una", "reconexion"),
    ],
)  # fmt: skip
def test_an_alternative_asks_without_a_question_mark(matcher, text, protocol):
    decision = _decide(matcher, text)

    assert (decision.action, decision.protocol.id) == (Action.ANSWER, protocol), decision.reason


def test_luz_as_a_womans_name_is_not_the_electricity(matcher):
    text = "ya respondieron el reclamo? el radicado está a nombre de Luz Marina Ortiz"
    decision = _decide(matcher, text)
    assert decision.action != Action.IGNORE and "luz" not in decision.reason, decision.reason

    for text in ["se fue la luz y el agua en el barrio", "Luz Dary dice que se fue la luz"]:
        decision = _decide(matcher, text)
        assert "otro servicio: «luz»" in decision.reason, decision.reason
