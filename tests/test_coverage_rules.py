"""General rules that let the responder answer questions it used to leave for a person, and
the cases that must still go to one."""

from __future__ import annotations

import pytest

from responders.policy import Action


@pytest.mark.parametrize(
    ("text", "protocol"),
    [
        ("hola pague hoy por pse a las 11 am, me reconectan hoy mismo o toca esperar a mañana",
         "reconexion"),
        ("la reconexion la cobran en el siguiente recibo o toca pagarla de una", "reconexion"),
    ],
)  # fmt: skip
def test_an_alternative_asks_without_a_question_mark(decided, text, protocol):
    decision = decided(text)

    assert (decision.action, decision.protocol.id) == (Action.ANSWER, protocol), decision.reason


def test_luz_as_a_womans_name_is_not_the_electricity(decided):
    text = "ya respondieron el reclamo? el radicado está a nombre de Luz Marina Ortiz"
    decision = decided(text)
    assert decision.action != Action.IGNORE and "luz" not in decision.reason, decision.reason

    for text in ["se fue la luz y el agua en el barrio", "Luz Dary dice que se fue la luz"]:
        decision = decided(text)
        assert "otro servicio: «luz»" in decision.reason, decision.reason


def test_courtesy_formulas_do_not_make_a_formal_letter_long(decided):
    from responders.normalize import normalize
    from responders.policy import LONG_MESSAGE, told_words

    letter = (
        "Respetados señores, buenos días. Cordial saludo. Por medio de la presente me permito "
        "solicitar información sobre los requisitos para una conexión nueva de acueducto en un "
        "lote de la vereda La Chorrera, y el costo de la matrícula. Quedo atento, muchas "
        "gracias. Atentamente, agradezco de antemano."
    )
    assert len(normalize(letter).words) > LONG_MESSAGE >= told_words(normalize(letter).words)
    decision = decided(letter)
    assert (decision.action, decision.protocol.id) == (Action.ANSWER, "conexion_nueva"), (
        decision.reason
    )

    story = (
        "Buenas tardes, les cuento que mi papá tiene la casa en la vereda y allá el tubo pasa "
        "por el lote del vecino, que ahora dice que ya no quiere que pase por ahí y que lo va "
        "a quitar cuando regrese de viaje, y nosotros no sabemos qué hacer, ¿cuánto cuesta una "
        "conexión nueva por el otro lado?"
    )
    assert told_words(normalize(story).words) > LONG_MESSAGE
    assert decided(story).reason.startswith("mensaje largo"), decided(story).reason
    broken = (
        "Cordial saludo. El lunes vino un operario a cambiar el medidor, dejó el andén roto, "
        "la casa sin agua toda la tarde y se fue sin decir nada. Mi mamá lo llamó dos veces. "
        "¿Cuánto cuesta el medidor nuevo que nos pusieron?"
    )
    assert decided(broken).action != Action.ANSWER, decided(broken).reason


@pytest.mark.parametrize(
    ("text", "damage"),
    [
        ("El medidor se me dañó, no marca nada. ¿Eso lo cambian ustedes?", False),
        ("el operario me dañó el piso de la entrada cuando cambió el medidor", True),
        ("el operario que vino ayer dejó el andén roto", True),
    ],
)
def test_something_that_broke_is_no_damage_caused_by_the_company(text, damage):
    from responders.cues import complaint_cues
    from responders.normalize import normalize

    found = [cue.family.name for cue in complaint_cues(normalize(text).words)]
    assert ("daño causado por la empresa o su personal" in found) == damage, found


@pytest.mark.parametrize(
    ("text", "protocol"),
    [
        ("veci una pregunta en el recibo sale cargo fijo, eso que es", "factura_consulta"),
        ("Seño q pasó con la petición q dejé en la oficina el lunes, me dieron el numero 5521",
         "estado_pqr"),
    ],
)  # fmt: skip
def test_a_question_announced_or_opened_by_a_vocative_asks(decided, text, protocol):
    decision = decided(text)

    assert (decision.action, decision.protocol.id) == (Action.ANSWER, protocol), decision.reason


def test_days_without_water_and_nobody_saying_anything_sound_like_a_complaint(decided):
    decision = decided("3 DIAS SIN AGUA EN VILLA NUEVA Y NADIE DICE NADA!!! hasta cuando")

    assert decision.action in (Action.REVIEW, Action.TICKET), decision.reason


def test_the_municipal_property_tax_is_not_our_bill(decided):
    decision = decided("Solicito información sobre el pago del impuesto predial")

    assert decision.action == Action.IGNORE, decision.reason


@pytest.mark.parametrize(
    ("text", "answered"),
    [
        ("Muy buenos días para todos los funcionarios del acueducto, Dios les pague por el "
         "trabajo tan juicioso arreglando la tubería con ese aguacero. Que mi Dios los bendiga.",
         True),
        ("Felicitaciones a los funcionarios, nunca vinieron a arreglar la tubería 👏", False),
        ("excelente trabajo, dejaron la calle llena de huecos y escombros", False),
    ],
)  # fmt: skip
def test_a_thanks_naming_staff_or_works_is_not_filed_irony_is(decided, text, answered):
    decision = decided(text)

    if answered:  # not filed: a person sends the greeting (or files it, if it is irony)
        assert (decision.action, decision.protocol.id) == (Action.REVIEW, "saludo"), decision.reason
    else:
        assert decision.action in (Action.TICKET, Action.REVIEW), decision.reason


def test_a_consultation_is_no_complaint_hint_and_can_be_the_second_question(decided):
    text = "Una pregunta, el agua se puede tomar directo de la llave? y cuando es que pasan a leer el medidor en Las Acacias"

    decision = decided(text)

    assert decision.action == Action.ANSWER, decision.reason
    assert {decision.protocol.id, decision.together.id} == {"medidor", "calidad_agua"}


def test_a_contract_number_is_not_a_contractor(decided):
    decision = decided("Cuanto debo? contrato 004512")
    assert (decision.action, decision.protocol.id) == (Action.ANSWER, "factura_consulta"), (
        decision.reason
    )

    decision = decided("el contratista dejó la calle llena de huecos y escombros")
    assert (decision.action, decision.protocol.id) == (Action.TICKET, "queja_servicio"), (
        decision.reason
    )
