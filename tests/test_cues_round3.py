"""Round 3 of the complaint cues and the out-of-scope filters (issue 22).

A bill that shot up, a meter that counts too much, staff asking for money or getting angry,
and a person at risk with the service suspended are complaints; other trades, lost pets,
schools and bank credit are none of the company's business. Each rule has messages of its
own and messages that must stay answered. Guards of `make mutants` (bench/mutants.toml).
"""

from __future__ import annotations

import pytest

from responders.cues import complaint_cues
from responders.matcher import Matcher
from responders.normalize import words_of
from responders.policy import Action, Thresholds, decide
from responders.protocol_files import load_catalogue

BILLING = "pide revisar o corregir un cobro"
STAFF = "el personal pide dinero o se enoja con el usuario"
AT_RISK = "urgente: personas vulnerables con el servicio suspendido"


def cues(text: str) -> list[str]:
    return [cue.family.name for cue in complaint_cues(words_of(text))]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_catalogue())


def action(matcher: Matcher, text: str) -> Action:
    return decide(matcher.match(text), Thresholds()).action


@pytest.mark.parametrize(
    "text",
    [
        "este mes el recibo se fue por las nubes y somos dos en la casa",
        "el cobro de agosto es exagerado, nunca habiamos pagado eso",
        "la factura llego con un consumo excesivo",
    ],
)
def test_a_bill_said_to_have_shot_up_is_a_billing_claim(text):
    assert BILLING in cues(text)


def test_a_bill_compared_with_what_used_to_be_paid_is_a_billing_claim():
    assert BILLING in cues("el recibo de marzo vino en 300 mil y antes pagabamos 45")
    assert BILLING not in cues("antes pagaba en el banco, ¿ahora dónde pago la factura?")


@pytest.mark.parametrize(
    "text",
    [
        "me pusieron un cobro de revision que nunca autorice",
        "instalaron el medidor sin mi autorizacion y ahora me lo cobran",
    ],
)
def test_a_charge_never_authorised_is_a_billing_claim(text):
    assert BILLING in cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "el tecnico que vino a revisar me pidio para la gaseosa",
        "un muchacho de la empresa nos pidio plata para no cortarnos",
        "el lector se enojo porque el perro le ladro y me grito la reja",
        "una señora se hace pasar por funcionaria y cobra la revision",
        "vino un tipo que dice ser de la empresa y cobra en efectivo por la reconexion",
    ],
)
def test_staff_asking_for_money_or_getting_angry_is_a_complaint(text):
    assert STAFF in cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "mi mama tiene oxigeno en la casa y nos suspendieron el servicio ayer",
        "tengo un niño enfermo y el agua esta cortada desde el lunes",
    ],
)
def test_a_person_at_risk_with_the_service_cut_goes_to_a_person(matcher, text):
    assert AT_RISK in cues(text)
    # A hint: a person reads it, and no ticket is filed on it alone.
    assert action(matcher, text) == Action.REVIEW


@pytest.mark.parametrize(
    "text",
    [
        "¿dónde pago?",
        "¿cuándo llega la factura de este mes?",
        "¿dónde veo el consumo en el recibo?",
        "¿cuándo cambian el medidor del barrio?",
        "el técnico pidió que haya alguien en la casa para la revisión",
        "mi abuela está enferma, ¿dónde pago?",
        "ya pagué, ¿me reconectan hoy? tengo niños pequeños",
        "¿puedo pagar la factura en efectivo?",
        "¿puedo autorizar a mi hijo para hacer el trámite?",
    ],
)
def test_ordinary_questions_carry_no_round_3_cue(text):
    assert not {BILLING, STAFF, AT_RISK} & set(cues(text))


@pytest.mark.parametrize(
    "text",
    [
        "alguien conoce un mecanico bueno y barato por el barrio?",
        "busco electricista para instalar unas lamparas",
        "ofrezco mis servicios de pintura y enchape, precios comodos",
        "se perdio mi gato negro por la calle 8, quien lo haya visto",
        "hay perrito extraviado en el parque, tiene collar rojo",
        "en que fecha son las inscripciones del colegio?",
        "cuando inauguran la escuela nueva de la vereda",
        "el banco no nos aprueba el prestamo para la casa",
        "necesito un credito de vivienda, que banco recomiendan",
        "plomero particular a domicilio, llame ya",
        "a que hora abre la registraduria del pueblo?",
    ],
)
def test_other_peoples_business_is_left_alone(matcher, text):
    assert matcher.match(text).out_of_scope
    assert action(matcher, text) == Action.IGNORE


@pytest.mark.parametrize(
    "text",
    [
        "¿puedo pagar la factura en el banco?",
        "¿se puede pagar con tarjeta de crédito?",
    ],
)
def test_paying_at_a_bank_stays_our_business(matcher, text):
    assert not matcher.match(text).out_of_scope


def test_a_leak_next_to_the_new_school_is_still_ours(matcher):
    match = matcher.match("hay una fuga grande frente al nuevo colegio")
    assert match.out_of_scope and match.mentions_our_service
    assert action(matcher, match.text) != Action.IGNORE


@pytest.mark.parametrize(
    "text",
    [
        "para una tarea de la universidad: ¿cómo se calcula el cargo fijo?",
        "en el colegio nos pusieron a investigar el mecanismo de la tarifa",
    ],
)
def test_homework_about_our_service_is_not_out_of_scope(matcher, text):
    assert not matcher.match(text).out_of_scope


def test_the_new_patterns_are_linear_in_the_message(matcher):
    # A long message of near misses: the patterns must not backtrack over it.
    text = "perro " * 20_000 + "no me da el " * 5_000 + "se me escapo mi " * 3_000
    assert not matcher.match(text).out_of_scope
    assert matcher.match(text + "perrita perdida").out_of_scope
