"""Complaint cues at the edges of their rules: gaps, order, windows and the legal term.

Guards of `make mutants` (bench/mutants.toml): each test is one message that must (or must
not) carry a complaint cue, chosen so that exactly one rule decides it.
"""

from __future__ import annotations

import pytest

from responders.cues import complaint_cues
from responders.matcher import Matcher
from responders.normalize import words_of
from responders.policy import Action, Thresholds, decide
from responders.protocol_files import load_catalogue


def cues(text: str) -> list[str]:
    return [cue.family.name for cue in complaint_cues(words_of(text))]


UNRESOLVED = "caso anterior sin resolver o vencido"


def test_a_term_allows_one_word_between_two_of_its_words():
    assert cues("me trataron muy mal en la oficina") == ["maltrato o mala atención del personal"]


def test_an_ordered_cue_needs_its_words_in_order():
    assert cues("no me han respondido") == [UNRESOLVED]
    assert cues("ya me respondieron que no hay cortes programados") == []


def test_an_authority_named_before_what_the_citizen_will_do_is_no_complaint():
    assert cues("la superintendencia fija las tarifas, voy a pagar mañana") == []
    assert "acción legal o queja ante una autoridad" in cues("voy a ir a la superintendencia")


def test_an_anchor_and_its_context_count_only_within_the_window():
    far = "no tengo claro el horario pero ustedes siempre han respondido bien"
    assert cues(far) == []


@pytest.mark.parametrize(
    ("text", "overdue"),
    [
        ("puse un reclamo hace 21 dias", True),
        ("puse un reclamo hace 20 dias", False),
        ("radique una queja hace 15 dias habiles", True),
        ("radique una queja hace 14 dias habiles", False),
    ],
)
def test_a_case_is_overdue_from_the_legal_term_on(text, overdue):
    assert (UNRESOLVED in cues(text)) is overdue


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_catalogue())


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("me cobran alcantarillado y yo tengo pozo septico, no estoy conectado a la red",
         "reclamo_facturacion"),
        ("el medidor quedo tapado con el anden nuevo, como hacen pa leerlo?", "queja_servicio"),
    ],
)  # fmt: skip
def test_a_question_that_is_also_likely_a_complaint_is_not_answered_alone(matcher, text, complaint):
    decision = decide(matcher.match(text), Thresholds())

    assert decision.action == Action.REVIEW
    assert decision.also is not None and decision.also.id == complaint
