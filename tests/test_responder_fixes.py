"""What the communications team's walkthrough found in the responder: notices cited for the
wrong sector or the wrong time, a public promise of a private message nobody sent, output
wider than the window, and small words."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sandbox_channels import channels_for

from conectados.clock import FixedClock
from conectados.settings import Settings
from responders.matcher import Matcher, in_their_words
from responders.models import Interaction, Reply, ReplyState, ReplyVisibility
from responders.pipeline import notice_values
from responders.policy import Thresholds, decide
from responders.protocol_files import load_catalogue
from responders.service import Responder
from responders.template_values import notices_named
from scheduler.inbox import Inbox

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
"""Tuesday 10 March 2026, 10:00 in Bogotá."""


def _notices(zone) -> list[dict]:
    """Barrio Centro under way now (until 2:00 p. m.), La Ceiba tomorrow 8:00 to 2:00."""
    return [
        notice_values(
            "Barrio Centro",
            datetime(2026, 3, 10, 11, 0, tzinfo=UTC),
            datetime(2026, 3, 10, 19, 0, tzinfo=UTC),
            "cambio de válvula",
            NOW,
            zone,
        ),
        notice_values(
            "Barrio La Ceiba",
            datetime(2026, 3, 11, 13, 0, tzinfo=UTC),
            datetime(2026, 3, 11, 19, 0, tzinfo=UTC),
            "lavado del tanque",
            NOW,
            zone,
        ),
    ]


def test_a_notice_under_way_and_one_to_come_are_told_apart_in_spanish_in_the_zone():
    centro, ceiba = _notices(Settings().zone)

    assert centro["en_curso"] and centro["cuando"] == "en este momento, hasta hoy a las 2:00 p. m."
    assert not ceiba["en_curso"]
    assert ceiba["cuando"] == "programado para mañana, de 8:00 a. m. a 2:00 p. m."
    one_pm = notice_values(
        "Centro", NOW, datetime(2026, 3, 12, 18, 0, tzinfo=UTC), "x", NOW, Settings().zone
    )
    assert one_pm["cuando"] == "en este momento, hasta el jueves 12 de marzo a la 1:00 p. m."


@pytest.mark.parametrize(
    ("text", "cited"),
    [
        ("no hay agua en el barrio Centro, xq?", ["Barrio Centro"]),
        ("sin agua en La Ceiba", ["Barrio La Ceiba"]),
        ("SIN AGUA EN LA CEIBA", ["Barrio La Ceiba"]),
        ("¿por qué no hay agua en el barrio La Ceiba?", ["Barrio La Ceiba"]),
        ("sin agua en el centro desde las 6", ["Barrio Centro"]),
        ("no hay agua en el barrio Las Palmas", []),  # a place with no notice: none cited
        ("sin agua en Villa Café", []),
        ("no hay agua desde ayer", ["Barrio Centro", "Barrio La Ceiba"]),  # asks the sector
    ],
)
def test_only_the_notices_of_the_sector_the_message_names_are_cited(text, cited):
    notices, sector = notices_named(text, _notices(Settings().zone))

    assert [notice["sector"] for notice in notices] == cited
    assert sector == (cited[0] if len(cited) == 1 else "")


def test_notice_aliases_and_town_wide_notices():
    zone = Settings().zone
    ceiba = notice_values("La Ceiba / Ceiba Alta", NOW, NOW + timedelta(hours=3), "x", NOW, zone)
    town = notice_values("Todo el municipio", NOW, NOW + timedelta(hours=3), "y", NOW, zone)
    sector_1 = notice_values("Sector 1", NOW, NOW + timedelta(hours=3), "z", NOW, zone)

    assert notices_named("sin agua en ceiba alta", [ceiba, town])[0] == [ceiba, town]
    assert notices_named("sin agua en el barrio Las Palmas", [ceiba, town])[0] == [town]
    assert notices_named("tengo 1 hijo y no hay agua en el sector 12", [sector_1])[0] == []
    assert notices_named("no hay agua en el sector 1", [sector_1])[0] == [sector_1]


def test_sector_matching_is_linear_in_the_citizens_text():
    notices = _notices(Settings().zone)
    worst = "en " * 20_000 + "La " * 20_000 + "barrio " * 20_000

    started = time.process_time()
    notices_named(worst, notices)
    assert time.process_time() - started < 2


def _render(text: str, private: bool) -> str:
    from responders.template_values import company_values, template_context

    catalogue = load_catalogue()
    context = template_context(
        company_values(Settings()), "", _notices(Settings().zone), text, "facebook", "comment"
    )
    return catalogue.protocols["corte_servicio"].render(context, private=private)


def test_the_no_water_answer_says_now_or_tomorrow_and_asks_the_sector_when_none_is_named():
    ceiba = _render("¿por qué no hay agua en el barrio La Ceiba?", private=False)
    ceiba_private = _render("¿por qué no hay agua en el barrio La Ceiba?", private=True)
    centro = _render("no hay agua en el barrio Centro, xq?", private=False)
    nowhere = _render("no hay agua desde ayer", private=True)
    palmas = _render("no hay agua en el barrio Las Palmas", private=False)

    assert "no hay un corte en este momento" in ceiba and "programado para mañana" in ceiba
    assert "Centro" not in ceiba and "vigentes" not in ceiba_private
    assert "no hay un corte en curso en Barrio La Ceiba" in ceiba_private
    assert "hay un corte en este momento, hasta hoy a las 2:00 p. m." in centro
    assert "La Ceiba" not in centro
    assert "¿En qué barrio o sector está?" in nowhere
    assert "Barrio Centro: en este momento" in nowhere and "Barrio La Ceiba: programado" in nowhere
    assert "no tenemos cortes ni trabajos programados en su sector" in palmas
    nowhere_public = _render("no hay agua desde ayer", private=False)
    assert "¿En qué barrio o sector está?" in nowhere_public and "m.." not in nowhere_public
    assert len(nowhere_public) <= 280  # fits a reply on X
    assert "Centro" not in palmas and "Ceiba" not in palmas


def test_protocols_match_cites_the_notices_of_its_database_as_the_daemon_does(cli):
    cli.clock = FixedClock(NOW)
    assert cli("init").exit_code == 0
    added = cli(
        "avisos", "add", "--sector", "Barrio Centro", "--desde", "2026-03-10 06:00",
        "--hasta", "2026-03-10 14:00", "--motivo", "cambio de válvula",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr

    result = cli("protocols", "match", "no hay agua en el barrio Centro, xq?")

    assert result.exit_code == 0, result.stderr
    assert "no tenemos" not in result.stdout
    assert "cambio de válvula" in result.stdout and "en este momento" in result.stdout


def test_the_daemon_and_protocols_match_write_the_same_reply(cli, tmp_path, sandbox):
    """One code path for the context: what `protocols match` shows is what the daemon sends."""
    cli.clock = FixedClock(NOW)
    assert cli("init").exit_code == 0
    for sector, motivo in (("Barrio Centro", "cambio de válvula"), ("La Ceiba", "lavado")):
        cli(
            "avisos", "add", "--sector", sector, "--desde", "2026-03-10 06:00",
            "--hasta", "2026-03-10 14:00", "--motivo", motivo,
        )  # fmt: skip
    text = "sin agua en La Ceiba"
    shown = cli("protocols", "match", "--canal", "mensaje", "--autor", "Ana", text)
    from conectados.app import App

    app = App(environ={}, cwd=tmp_path)
    database = app.ready_database()
    sandbox.control("POST", "citizen", {"network": "facebook", "kind": "message",
                                         "text": text, "author": "Ana"})  # fmt: skip
    Inbox(database, {"facebook": channels_for(sandbox)["facebook"]}, FixedClock(NOW)).run_once()
    Responder(database, load_catalogue(), app.settings, FixedClock(NOW)).run_once()
    with database.session() as session:
        reply = session.execute(sa.select(Reply)).scalar_one()
    database.dispose()

    assert "lavado" in reply.text and "cambio de válvula" not in reply.text
    first_paragraphs = reply.text.split("\n\n")[:2]
    assert all(paragraph.splitlines()[0] in shown.stdout for paragraph in first_paragraphs)


@pytest.mark.parametrize("columns", ["60", "80", "200"])
def test_protocols_match_fits_the_window(cli, columns):
    long = "exijo la devolución del cobro del alcantarillado de octubre, " * 3 + "¿qué pasó?"

    for verbose in ((), ("-v",)):
        result = cli(*verbose, "protocols", "match", long, env={"COLUMNS": columns})
        assert result.exit_code == 0, result.stderr
        widest = max(len(line) for line in result.stdout.splitlines())
        assert widest <= int(columns), result.stdout
        assert "confianza" in result.stdout


def test_reasons_show_confidence_as_a_percentage_and_quote_the_citizen_with_accents():
    matcher = Matcher(load_catalogue())
    text = "EXIJO la devolución del cobro de octubre, ¡qué abuso!"

    decision = decide(matcher.match(text), Thresholds())
    answered = decide(matcher.match("¿Dónde puedo pagar la factura?"), Thresholds())

    assert "«EXIJO … devolución»" in decision.reason, decision.reason
    assert "devolucion" not in decision.reason
    assert "%" in answered.reason and "0," not in answered.reason, answered.reason
    assert in_their_words("llevo 2 meses sin respuesta", "2 meses") == "2 meses"
    assert in_their_words("algo", "nada que ver") == "nada que ver"


def test_quoting_the_citizen_is_linear():
    text = "exijo " * 30_000 + "devolución"

    started = time.process_time()
    assert in_their_words(text, "exijo … devolucion").endswith("devolución")
    assert time.process_time() - started < 3


# --- a public reply that promises a private message --------------------------------------


def _office(database, sandbox):
    clock = FixedClock(datetime.now(UTC))
    inbox = Inbox(database, channels_for(sandbox), clock)
    responder = Responder(database, load_catalogue(), Settings(), clock)

    def write(network: str, kind: str, text: str, author: str, on: str | None = None) -> None:
        body = {"network": network, "kind": kind, "text": text, "author": author}
        if on:
            body["on"] = on
        sandbox.control("POST", "citizen", body)
        inbox.run_once()
        responder.run_once()

    return write


def _replies_to(database, text: str) -> dict[ReplyVisibility, Reply]:
    with database.session() as session:
        rows = (
            session.execute(
                sa.select(Reply).join(Interaction).where(Interaction.text.endswith(text))
            )
            .scalars()
            .all()
        )
    return {row.visibility: row for row in rows}


def test_a_public_mention_promised_a_private_answer_gets_it_with_the_status(database, sandbox):
    write = _office(database, sandbox)
    write("x", "message", "me cobraron doble la factura, exijo la devolución", "Ana")
    with database.session() as session:
        radicado = session.execute(sa.text("select radicado from ticket")).scalar_one()
    asked = f"¿en qué va mi radicado {radicado}?"

    write("x", "mention", asked, "Ana")

    replies = _replies_to(database, asked)
    public, private = replies[ReplyVisibility.PUBLIC], replies[ReplyVisibility.PRIVATE]
    assert "por mensaje privado" in public.text and "en trámite" not in public.text
    assert f"Su solicitud con radicado {radicado} está en trámite" in private.text
    assert private.state == public.state


def test_a_promise_on_a_radicado_that_is_not_theirs_goes_to_a_person(
    database, sandbox, cli, tmp_path
):
    write = _office(database, sandbox)
    write("facebook", "message", "me cobraron doble la factura, exijo la devolución", "Ana")
    with database.session() as session:
        radicado = session.execute(sa.text("select radicado from ticket")).scalar_one()
    post = sandbox.control(
        "POST", "posts", {"network": "facebook", "posts": [{"text": "Corte programado"}]}
    )["ids"][0]
    asked = f"¿en qué va mi radicado {radicado}?"

    write("facebook", "comment", asked, "Luis", on=post)

    replies = _replies_to(database, asked)
    private = replies[ReplyVisibility.PRIVATE]
    assert "por mensaje privado" in replies[ReplyVisibility.PUBLIC].text
    assert (
        private.state == ReplyState.PENDING and "promete un mensaje privado" in private.review_note
    )
    assert "en trámite" not in private.text  # another person's case is not told to Luis
    shown = cli(
        "replies", "show", str(private.id), env={"CONECTADOS_BASE_DATOS": str(tmp_path / "c.db")}
    )
    assert shown.exit_code == 0, shown.stderr
    assert re.search(r"confianza \d{1,3} %", shown.stdout) and "confianza 0," not in shown.stdout


def test_only_a_promise_of_ours_counts():
    from responders.public_text import promises_private

    assert promises_private("Consultaremos el radicado y le daremos razón por mensaje privado.")
    assert promises_private("Le escribimos por mensaje privado para continuar con su caso.")
    assert not promises_private("Escríbanos por mensaje privado su dirección.")
    assert not promises_private("Si tiene dudas, escríbanos por mensaje privado.")
