"""Thanks and «¿hay alguien?» answered with the greeting, whatever their length; irony, a
request or a topic hidden in them still goes to a person (`responders.courtesy`)."""

from __future__ import annotations

import pytest

from responders.policy import Action


@pytest.mark.parametrize(
    "text", ["hola? hay alguien ahí", "hola buenas hay alguien atendiendo por acá?",
             "buenas noches, alguien q me colabore?"],
)  # fmt: skip
def test_is_anyone_there_gets_the_greeting(decided, text):
    decision = decided(text)

    assert (decision.action, decision.protocol.id) == (Action.ANSWER, "saludo"), decision.reason


@pytest.mark.parametrize(
    "text",
    [
        "Felicitaciones a los muchachos de la cuadrilla que trabajaron toda la noche en la "
        "vereda, excelente trabajo 👏👏",
        "Quiero felicitar a la señorita de la oficina, me atendió muy amablemente con lo de mi "
        "mamá.",
        "muchas bendiciones para los operarios que vinieron hoy al barrio, muy amables todos",
        # Irony with no word to tell it by: the reason a longer thanks waits for a person.
        "Dios les pague por el recibo de 300 mil en una casa donde vivimos dos personas 🙏",
        "Gracias por el regalito de navidad: la factura más cara del año 🎁",
    ],
)
def test_a_longer_thanks_waits_for_a_person_with_the_greeting_drafted(decided, text):
    decision = decided(text)

    assert decision.action == Action.REVIEW, decision.reason


@pytest.mark.parametrize(
    "text",
    [
        # Irony: praise with what went wrong.
        "Felicitaciones a la empresa, excelente servicio, tres días sin agua en el barrio 👏👏",
        "gracias por nada, muy amables los de la oficina",
        "excelente trabajo muchachos, otra vez dejaron la calle llena de huecos",
        "Gracias por la atención, aunque la señorita de la ventanilla fue muy grosera",
        "mil gracias 🙄 ya van 5 horas esperando al técnico",
        "excelente servicio el de ustedes 🤡",
        # A request or a question inside the thanks.
        "Muchas gracias por la atención de ayer, me pueden mandar la copia de la factura",
        "muchísimas gracias muy amables todos, me confirman mañana temprano entonces",
        "Gracias muchachos por la ayuda, cuándo pasan a leer el medidor del barrio",
        # A topic that says more than a passing word.
        "gracias por cortarnos el agua en pleno puente festivo, muy amables",
    ],
)
def test_thanks_with_irony_a_request_or_a_topic_is_not_answered_with_the_greeting(decided, text):
    decision = decided(text)

    assert not (decision.action == Action.ANSWER and decision.protocol.id == "saludo"), (
        decision.reason
    )


def test_irony_is_found_in_the_words_the_emojis_and_the_time_it_took():
    from responders.courtesy import ironic, thanks_only
    from responders.normalize import normalize

    for text in [
        "excelente servicio, tres días sin agua",
        "mil gracias, ya van 5 horas",
        "gracias por venir a las dos semanas",
        "excelente servicio 🤡",
    ]:
        assert ironic(normalize(text), text), text
        assert not thanks_only(normalize(text), text, asks=False), text
    for text in ["mil gracias, muy amables", "gracias a la señora de la ventanilla 2"]:
        assert not ironic(normalize(text), text), text
        assert thanks_only(normalize(text), text, asks=False), text


def test_a_request_that_ends_with_thanks_is_answered_by_its_protocol(decided):
    text = (
        "Buen día, quisiera conocer el estado de la solicitud con radicado PQR-55021, "
        "presentada el 20 de noviembre. Gracias."
    )
    decision = decided(text)

    assert decision.protocol.id == "estado_pqr", decision.reason


@pytest.mark.parametrize(
    "text",
    [
        "gracias, hay una fuga grande en la esquina de la calle 10",
        "gracias, el agua llega turbia desde ayer",
        "Excelente servicio, agua con gusanos",
        "Que Dios los bendiga, gracias por el agua sucia que nos mandan",
        "Felicitaciones a la empresa por la excelente gestión, el agua sale amarilla",
    ],
)
def test_a_report_that_thanks_is_still_filed(decided, text):
    """Found by a review: a thanks word must not swallow a report the catalogue files."""
    decision = decided(text)

    assert decision.action == Action.TICKET, decision.reason


def test_a_thanks_that_opens_with_que_hubo_naming_staff_is_not_filed(decided):
    decision = decided(
        "Qué hubo pues, gracias a los funcionarios que arreglaron la tubería, muy juiciosos"
    )

    assert decision.action == Action.REVIEW and decision.protocol.id == "saludo", decision.reason
