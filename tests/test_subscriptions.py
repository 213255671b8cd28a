"""Subscriptions by WhatsApp itself: a citizen writes «AVISOS Centro», «MIS AVISOS», «SALIR»
to the company's number and gets one plain answer each; the consent trail records who, what,
when and through which message. Through the simulator, the webhook receiver and
`daemon --once`, as a company runs it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from test_webhooks import config

from channels.sandbox.whatsapp_world import VERIFY_TOKEN
from conectados.clock import SystemClock
from conectados.db import Database
from notices import broadcasts
from notices.models import BroadcastKind, Consent, Delivery, DeliveryState, Purpose, Subscriber
from notices.subscriptions import current, subscribe, withdraw_all
from responders.models import Interaction, InteractionState
from webhooks.server import WebhookServer, subscribe_to_sandbox

SECTORS = """sectores:
  - nombre: Centro
    tipo: barrio
    alias: [El Centro, Centro Histórico]
  - nombre: La Esperanza
    tipo: vereda
  - nombre: Norte
"""
MARTA, LUIS = "573001112233", "573004445566"


@pytest.fixture
def office(cli, tmp_path, sandbox):
    """The company's folder (settings, sectors, database), the receiver subscribed to the
    simulator; `write` is a citizen writing on WhatsApp, `run` one `daemon --once`."""
    (tmp_path / "conectados.toml").write_text(
        f'[sandbox]\nurl = "{sandbox.url}"\n', encoding="utf-8"
    )
    (tmp_path / "sectores.yaml").write_text(SECTORS, encoding="utf-8")
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    database.upgrade()
    with WebhookServer(config(), database, SystemClock(), port=0) as receiver:
        subscribe_to_sandbox(sandbox.url, receiver.url, VERIFY_TOKEN)

        class Office:
            db = database

            @staticmethod
            def write(text: str, phone: str = MARTA, author: str = "Marta") -> dict:
                body = {"network": "whatsapp", "text": text, "author": author, "phone": phone}
                item = sandbox.control("POST", "citizen", body)
                assert [hook["status"] for hook in item["webhooks"]] == [200]
                return item

            @staticmethod
            def run() -> list[str]:
                """One round of the daemon; the texts WhatsApp got in it, in order."""
                before = len(sandbox.control("GET", "state")["whatsapp"]["replies"])
                result = cli("daemon", "--once")
                assert result.exit_code == 0, result.stderr
                return [r["text"] for r in sandbox.control("GET", "state")["whatsapp"]["replies"]][
                    before:
                ]

        yield Office
    database.dispose()


def consents(database) -> list:
    with database.session() as session:
        return session.connection().execute(sa.select(Consent).order_by(Consent.id)).all()


def interactions(database) -> list:
    with database.session() as session:
        return session.connection().execute(sa.select(Interaction).order_by(Interaction.id)).all()


def test_a_citizen_subscribes_asks_and_leaves_and_each_answer_confirms_it(office):
    office.write("AVISOS Centro")
    office.write("avisos el centro")
    office.write("MIS AVISOS")
    subscribed, again, status = office.run()
    left = office.write("¡Salir!")
    after = office.write("mis avisos")
    bye, nothing = office.run()

    assert subscribed.startswith(
        "Listo: le avisaremos por este medio de cortes y trabajos en Centro. Para dejar de "
        "recibir avisos escriba SALIR."
    )
    assert "Ley 1581" in subscribed  # the first private message carries the privacy notice
    assert "Ley 1581" not in again and again.startswith(
        "Ya recibe por este medio los avisos de Centro"
    )
    assert status.startswith("Recibe por este medio: avisos de cortes y trabajos en Centro.")
    assert bye.startswith("Listo: ya no le enviaremos avisos ni contenidos por este medio.")
    assert nothing.startswith("No está inscrito para recibir avisos.")
    # The trail: one consent (the second «avisos» added none), given and withdrawn by messages.
    rows = interactions(office.db)
    (consent,) = consents(office.db)
    assert (consent.purpose, consent.sector, consent.granted_words) == (
        "avisos",
        "Centro",
        "AVISOS Centro",
    )
    assert consent.granted_by == rows[0].id
    assert consent.withdrawn_how == "mensaje"
    assert consent.withdrawn_by == next(r.id for r in rows if r.remote_id == left["id"])
    assert all(r.state == InteractionState.ANSWERED for r in rows)
    assert all(r.decision.startswith("suscripción") for r in rows)
    assert after["from"] == MARTA


def test_avisos_alone_or_an_unknown_sector_get_the_list_and_a_complaint_is_no_command(office):
    office.write("AVISOS")
    office.write("Avisos Chapinero", phone=LUIS, author="Luis")
    complaint = office.write(
        "Aviso que no hay agua en mi casa desde ayer y nadie contesta", phone="573007778899"
    )
    question = office.write("avisos Centro?", phone="573001110000")
    which, unknown = office.run()[:2]

    assert which.startswith("¿De qué barrio o vereda quiere recibir avisos?")
    assert unknown.startswith("No encontramos el sector «Chapinero».")
    for text in (which, unknown):
        assert "Centro, La Esperanza y Norte" in text and "AVISOS Centro" in text
    assert consents(office.db) == []
    # The complaint and the question went to the responder as any message.
    decided = {row.remote_id: row.decision or "" for row in interactions(office.db)}
    assert not decided[complaint["id"]].startswith("suscripción")
    assert not decided[question["id"]].startswith("suscripción")
    with office.db.session() as session:
        assert session.connection().execute(sa.select(sa.func.count(Subscriber.id))).scalar() == 0


def test_a_first_consent_carries_the_privacy_notice_even_after_chatting(office):
    office.write("MIS AVISOS")  # the first private answer: the general notice
    office.write("AVISOS Centro y Norte")
    office.write("avisos de Centro e La Esperanza")
    chatted, first, more = office.run()
    office.write("No quiero más avisos")
    office.write("NOTICIAS")
    left, back = office.run()

    said = "usa su número solo para enviarle los avisos o contenidos que pidió"
    assert "Ley 1581" in chatted and said not in chatted
    assert first.startswith("Listo: le avisaremos por este medio de cortes y trabajos en Centro "
                            "y Norte.")  # fmt: skip
    assert said in first and "SALIR" in first.split("Aviso de privacidad")[1]
    assert "La Esperanza" in more and "Aviso de privacidad" not in more  # had one in force
    assert left.startswith("Listo: ya no le enviaremos") and "privacidad" not in left
    assert said in back  # the first consent since leaving: informed again
    assert [(c.sector, c.withdrawn_how) for c in consents(office.db)] == [
        ("Centro", "mensaje"),
        ("Norte", "mensaje"),
        ("La Esperanza", "mensaje"),
        (None, None),
    ]


def test_content_and_several_sectors_are_separate_consents(office):
    office.write("quiero avisos de Centro / la esperanza por favor")
    office.write("NOTICIAS")
    office.write("suscripción")
    notices, content, status = office.run()

    assert "en Centro y La Esperanza" in notices
    assert content.startswith("Listo: le enviaremos por este medio noticias y contenidos")
    assert "avisos de cortes y trabajos en Centro y La Esperanza; noticias y contenidos" in status
    assert [(c.purpose, c.sector) for c in consents(office.db)] == [
        ("avisos", "Centro"),
        ("avisos", "La Esperanza"),
        ("contenido", None),
    ]


# --- the writes themselves ----------------------------------------------------------------

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_subscribing_twice_keeps_one_consent_and_leaving_stops_the_queued_sends(database_url):
    database = Database(database_url)
    database.upgrade()
    with database.session(write=True) as session:
        connection = session.connection()
        first = subscribe(connection, "whatsapp", MARTA, None, "Marta", Purpose.NOTICES,
                          "Centro", None, "AVISOS Centro", NOW)  # fmt: skip
        second = subscribe(connection, "whatsapp", MARTA, None, "Marta", Purpose.NOTICES,
                           "Centro", None, "avisos centro", NOW)  # fmt: skip
        subscribe(connection, "whatsapp", LUIS, None, "Luis", Purpose.NOTICES, "Centro", None,
                  "AVISOS Centro", NOW)  # fmt: skip
        marta = current(connection, "whatsapp", MARTA).subscriber_id
        earlier, _ = broadcasts.create(
            connection, BroadcastKind.NOTICE, Purpose.NOTICES, ["Centro"], "aviso_corte", "es",
            ["Centro", "ayer", "hoy", "obra"], NOW,
        )  # fmt: skip
        connection.execute(  # the earlier notice went out already: leaving does not undo it
            sa.update(Delivery)
            .where(Delivery.broadcast_id == earlier)
            .values(state=DeliveryState.SENT)
        )
        broadcast_id, _ = broadcasts.create(
            connection, BroadcastKind.RESTORED, Purpose.NOTICES, ["Centro"], "servicio_restablecido",
            "es", ["Centro"], NOW,
        )  # fmt: skip
        later = NOW + timedelta(minutes=5)
        left = withdraw_all(connection, marta, "mensaje", None, later)
        again = withdraw_all(connection, marta, "mensaje", None, later)
        states = {
            (row.broadcast_id, row.subscriber_id): row.state
            for row in connection.execute(sa.select(Delivery)).all()
        }
        leaving = current(connection, "whatsapp", MARTA)

    assert (first, second) == (True, False)
    assert (left, again) == (1, 0)
    luis = next(who for (_, who) in states if who != marta)
    assert states == {
        (earlier, marta): DeliveryState.SENT,
        (earlier, luis): DeliveryState.SENT,
        (broadcast_id, marta): DeliveryState.WITHDRAWN,
        (broadcast_id, luis): DeliveryState.QUEUED,
    }
    assert not leaving.anything
    database.dispose()


def test_leaving_stops_a_delivery_a_sender_already_claimed_and_keeps_its_lease(database):
    from conectados.leases import Lease
    from notices.deliveries import claim_due

    with database.session(write=True) as session:
        connection = session.connection()
        subscribe(connection, "whatsapp", MARTA, None, "Marta", Purpose.NOTICES, "Centro", None,
                  "AVISOS Centro", NOW)  # fmt: skip
        broadcasts.create(
            connection, BroadcastKind.NOTICE, Purpose.NOTICES, ["Centro"], "aviso_corte", "es",
            ["Centro", "ayer", "hoy", "obra"], NOW,
        )  # fmt: skip
        claimed, _ = claim_due(
            connection, NOW, Lease("daemon-1", NOW, timedelta(minutes=2)), 10, ["whatsapp"]
        )
        marta = current(connection, "whatsapp", MARTA).subscriber_id
        left = withdraw_all(connection, marta, "mensaje", None, NOW + timedelta(seconds=1))
        (row,) = connection.execute(sa.select(Delivery)).all()

    assert len(claimed) == 1 and left == 1
    assert row.state == DeliveryState.WITHDRAWN
    # The sender's hold stays: its «still sending and mine» check fails, a call in flight counts.
    assert (row.lease_owner, row.sending_since) == ("daemon-1", NOW)
    assert row.lease_expires_at is not None


def test_after_leaving_subscribing_again_is_a_new_consent(database):
    with database.session(write=True) as session:
        connection = session.connection()
        subscribe(connection, "whatsapp", MARTA, None, None, Purpose.CONTENT, None, None, "x", NOW)
        subscriber = current(connection, "whatsapp", MARTA).subscriber_id
        withdraw_all(connection, subscriber, "equipo", None, NOW)
        back = subscribe(connection, "whatsapp", MARTA, None, None, Purpose.CONTENT, None, None,
                         "y", NOW)  # fmt: skip
        rows = connection.execute(sa.select(Consent.withdrawn_how).order_by(Consent.id)).all()

    assert back and [row.withdrawn_how for row in rows] == ["equipo", None]


# --- the words, read in one pass ----------------------------------------------------------


def test_the_commands_citizens_write_and_what_is_not_one():
    from notices.sectors import Sectors, parse_sectors
    from notices.subscription_words import Ask, read_command

    sectors = Sectors(parse_sectors(SECTORS, "sectores.yaml"))

    def asked(text: str):
        found = read_command(text, sectors)
        return (found.ask, [s.name for s in found.sectors]) if found else None

    asks = {
        text: asked(text)
        for text in (
            "Aviso: El Centro",
            "AVISOS Centro gracias",
            "avisos del centro histórico",
            "avisos",
            "SALIR.",
            "baja",
            "Contenido",
            "Mi suscripción",
            "Les aviso que el agua llega sucia",
            "aviso que no hay agua desde ayer",
            "aviso que no llega",
            "aviso urgente: el tubo de la esquina está roto",
            "avisos centro?",
            "salir de la casa sin agua es imposible",
            "AVISOS Centro y Norte",
            "avisos de Centro e La Esperanza",
            "No quiero más avisos",
            "no quiero recibir más avisos",
            "SALIR de avisos",
            "ya no me manden avisos",
            "cancelar suscripción",
            "darme de baja de los avisos",
            "¿A qué estoy suscrito?",
            "¿Estoy suscrito?",
            "¿Qué avisos tengo?",
        )
    }

    assert asks == {
        "Aviso: El Centro": (Ask.SUBSCRIBE, ["Centro"]),
        "AVISOS Centro gracias": (Ask.SUBSCRIBE, ["Centro"]),
        "avisos del centro histórico": (Ask.SUBSCRIBE, ["Centro"]),
        "avisos": (Ask.WHICH_SECTOR, []),
        "SALIR.": (Ask.WITHDRAW, []),
        "baja": (Ask.WITHDRAW, []),
        "Contenido": (Ask.CONTENT, []),
        "Mi suscripción": (Ask.STATUS, []),
        "Les aviso que el agua llega sucia": None,
        "aviso que no hay agua desde ayer": None,
        "aviso que no llega": None,
        "aviso urgente: el tubo de la esquina está roto": None,
        "avisos centro?": None,
        "salir de la casa sin agua es imposible": None,
        "AVISOS Centro y Norte": (Ask.SUBSCRIBE, ["Centro", "Norte"]),
        "avisos de Centro e La Esperanza": (Ask.SUBSCRIBE, ["Centro", "La Esperanza"]),
        "No quiero más avisos": (Ask.WITHDRAW, []),
        "no quiero recibir más avisos": (Ask.WITHDRAW, []),
        "SALIR de avisos": (Ask.WITHDRAW, []),
        "ya no me manden avisos": (Ask.WITHDRAW, []),
        "cancelar suscripción": (Ask.WITHDRAW, []),
        "darme de baja de los avisos": (Ask.WITHDRAW, []),
        "¿A qué estoy suscrito?": (Ask.STATUS, []),
        "¿Estoy suscrito?": (Ask.STATUS, []),
        "¿Qué avisos tengo?": (Ask.STATUS, []),
    }


COMPLAINTS = (
    "no me llegó el aviso del corte y llevo dos días sin agua",
    "¿por qué no avisaron del corte?",
    "ya no me mandan avisos, antes sí me llegaban",
    "ya no me mandan avisos",
    "no quiero más cortes de agua",
    "no quiero más cortes",
    "no quiero pagar esta factura, está mal",
    "no me manden la factura al correo",
    "¿Estoy suscrito? porque no me llegó el aviso",
    "estoy suscrito pero no me llega nada",
    "¿salir de avisos? ¿cómo hago?",
    "no quiero",
    "cancelar el servicio",
    "el aviso decía que volvía a las 6 y nada",
    "no más avisos de corte sin agua, es el tercero este mes",
    "¿qué avisos? no ha llegado ninguno",
    "quiero saber por qué no hubo aviso",
)


@pytest.mark.parametrize("text", COMPLAINTS)
def test_a_complaint_or_question_that_mentions_avisos_is_no_command(text):
    from notices.sectors import Sectors, parse_sectors
    from notices.subscription_words import read_command

    assert read_command(text, Sectors(parse_sectors(SECTORS, "sectores.yaml"))) is None


def test_the_worst_long_texts_are_read_at_once():
    import time

    from notices.sectors import Sectors, parse_sectors, sector_key
    from notices.subscription_words import read_command

    sectors = Sectors(parse_sectors(SECTORS, "sectores.yaml"))
    started = time.process_time()
    for text in ("avisos " * 15_000, "a" * 100_000, "avisos " + "-" * 100_000, "á" * 100_000):
        assert read_command(text, sectors) is None
        sectors.find(text)
    assert sector_key("Á " * 50_000).startswith("a a")
    # Not a timed assertion: printed for whoever reads the run (-s).
    print(f"lectura de textos largos: {time.process_time() - started:.3f} s")


def test_courtesy_at_the_end_in_any_order_still_subscribes():
    from notices.sectors import Sectors, parse_sectors
    from notices.subscription_words import Ask, read_command

    sectors = Sectors(parse_sectors(SECTORS, "sectores.yaml"))
    for text in (
        "Avisos Centro por favor, gracias",
        "avisos centro gracias, por favor!",
        "AVISOS Centro porfa. Muchas gracias",
        "avisos centro gracias gracias por favor",
    ):
        found = read_command(text, sectors)
        assert found is not None and found.ask == Ask.SUBSCRIBE, text
        assert [s.name for s in found.sectors] == [
            "Centro"
        ] and found.spelled.lower() == "centro", text
    assert read_command("gracias, por favor", sectors) is None


def test_the_consent_notice_says_how_to_ask_for_erasure_and_links_the_policy():
    from notices.subscriptions import consent_notice

    plain = consent_notice("Acueducto de Ejemplo")
    linked = consent_notice("Acueducto de Ejemplo", "https://ejemplo.co/datos")

    assert "borremos sus datos, pídalo por este chat o en la oficina." in plain
    assert "Política de datos" not in plain
    assert linked.endswith(" Política de datos: https://ejemplo.co/datos")
