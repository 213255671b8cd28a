"""`conectados suscriptores list/export/borrar`: who receives notices (numbers masked), the
consent trail as a spreadsheet, and a deletion request that removes the person's data and
keeps the counts and their PQR."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from conectados.db import Database
from notices import broadcasts
from notices.models import BroadcastKind, Consent, Delivery, DeliveryState, Purpose, Subscriber
from notices.subscriptions import subscribe, withdraw_all
from responders.models import (
    Interaction,
    InteractionKind,
    Reply,
    ReplyState,
    ReplyVisibility,
    Ticket,
    UndeliveredReply,
)

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
MARTA, LUIS = "573001112233", "573004445566"
SECTORS = "sectores:\n  - nombre: Centro\n  - nombre: Norte\n    alias: [El Norte]\n"


def message(connection, remote_id: str, author: str, name: str, text: str, decision: str) -> int:
    return connection.execute(
        sa.insert(Interaction)
        .values(network="whatsapp", kind=InteractionKind.MESSAGE, remote_id=remote_id,
                thread_id=author, author_id=author, author_name=name, text=text,
                written_at=NOW, received_at=NOW, state="answered", decision=decision)
        .returning(Interaction.id)
    ).scalar_one()  # fmt: skip


def filled(tmp_path) -> Database:
    """Marta: notices of Centro (by message), left content; a PQR of hers. Luis: Norte."""
    (tmp_path / "sectores.yaml").write_text(SECTORS, encoding="utf-8")
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    database.upgrade()
    with database.session(write=True) as session:
        c = session.connection()
        given = message(
            c, "wamid.1", MARTA, "Marta Díaz", "AVISOS Centro", "suscripción: avisos de Centro"
        )
        subscribe(c, "whatsapp", MARTA, None, "Marta Díaz", Purpose.NOTICES, "Centro", given,
                  "AVISOS Centro", NOW)  # fmt: skip
        subscribe(c, "whatsapp", MARTA, None, "Marta Díaz", Purpose.CONTENT, None, given,
                  "NOTICIAS", NOW)  # fmt: skip
        complaint = message(
            c, "wamid.2", MARTA, "Marta Díaz", "Me cobraron doble, cuenta 12345", "radicada"
        )
        c.execute(sa.insert(Ticket).values(
            radicado="2026-000001", year=2026, sequence=1, type="reclamo", network="whatsapp",
            interaction_id=complaint, filed_at=NOW, filed_on=date(2026, 3, 10),
            due_date=date(2026, 3, 31)))  # fmt: skip
        subscribe(c, "whatsapp", LUIS, None, "Luis", Purpose.NOTICES, "Norte", None, None,
                  NOW + timedelta(days=1))  # fmt: skip
    return database


def test_list_shows_only_the_last_four_digits_and_filters_by_sector(cli, tmp_path):
    database = filled(tmp_path)
    database.dispose()
    cli.clock = None

    everyone = cli("suscriptores", "list", env={"COLUMNS": "160"})
    north = cli("suscriptores", "list", "--sector", "el norte", env={"COLUMNS": "160"})
    unknown = cli("suscriptores", "list", "--sector", "Sur")

    assert everyone.exit_code == 0, everyone.stderr
    assert "Suscriptores (2)" in everyone.stdout
    assert "•" * 8 + "2233" in everyone.stdout and MARTA not in everyone.stdout
    assert "avisos, contenido" in everyone.stdout
    assert "Luis" in north.stdout and "Marta" not in north.stdout
    assert unknown.exit_code == 2 and "«Sur» no es un sector de la lista" in unknown.stderr


def test_export_writes_the_consent_trail_in_the_company_zone(cli, tmp_path):
    database = filled(tmp_path)
    with database.session(write=True) as session:
        withdraw_all(session.connection(), 1, "equipo", None, NOW + timedelta(hours=2))
    database.dispose()

    result = cli("suscriptores", "export", "consentimientos.csv")

    assert result.exit_code == 0, result.stderr
    assert "3 consentimientos en consentimientos.csv." in result.stdout
    text = (tmp_path / "consentimientos.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["suscriptor", "proposito", "sector", "otorgado"]
    assert rows[1] == ["1", "avisos", "Centro", "2026-03-10 10:00", "1", "AVISOS Centro",
                       "2026-03-10 12:00", "", "equipo"]  # fmt: skip
    assert rows[2][1:3] == ["contenido", ""]
    assert MARTA not in text


def chat(connection) -> dict[str, int]:
    """Marta also asked about the water (no PQR): our answer quotes her and was sent (its id,
    and the notice's, hold her number: WhatsApp reported both undelivered once)."""
    asked = message(connection, "wamid.3", MARTA, "Marta Díaz", "¿Cuándo vuelve el agua a la "
                    "calle 5 #12-30?", "respondida")  # fmt: skip
    answered = connection.execute(
        sa.insert(Reply)
        .values(interaction_id=asked, text="Sobre «la calle 5 #12-30»: hoy a las 6 p. m.",
                visibility=ReplyVisibility.PRIVATE, state=ReplyState.SENT, remote_id="wamid.R")
        .returning(Reply.id)
    ).scalar_one()  # fmt: skip
    pqr_answer = connection.execute(
        sa.insert(Reply)
        .values(interaction_id=2, text="Radicamos su reclamo 2026-000001",
                visibility=ReplyVisibility.PRIVATE, state=ReplyState.SENT, remote_id="wamid.P")
        .returning(Reply.id)
    ).scalar_one()  # fmt: skip
    broadcast, _ = broadcasts.create(
        connection, BroadcastKind.NOTICE, Purpose.NOTICES, ["Centro"], "aviso_corte", "es",
        ["Centro", "hoy", "mañana", "obra"], NOW,
    )  # fmt: skip
    connection.execute(
        sa.update(Delivery)
        .where(Delivery.broadcast_id == broadcast)
        .values(state=DeliveryState.FAILED, remote_id="wamid.D", error_code=131026)
    )
    for remote_id in ("wamid.R", "wamid.D", "wamid.other"):
        connection.execute(
            sa.insert(UndeliveredReply).values(
                network="whatsapp", remote_id=remote_id, code=131026, reason="no entregado",
                reported_at=NOW,
            )
        )  # fmt: skip
    return {"asked": asked, "answered": answered, "pqr_answer": pqr_answer}


def test_borrar_removes_the_person_keeps_the_counts_and_the_pqr(cli, tmp_path):
    database = filled(tmp_path)
    with database.session(write=True) as session:
        made = chat(session.connection())
    database.dispose()

    asked = cli("suscriptores", "borrar", "+57 300 111 2233")  # no answer: nothing happens
    result = cli("suscriptores", "borrar", "3001112233", "--si")
    again = cli("suscriptores", "borrar", "1", "--si")

    assert asked.exit_code != 0
    assert result.exit_code == 0, result.stderr
    assert "Suscriptor 1 borrado." in result.stdout
    assert "2 consentimiento(s) retirado(s)" in result.stdout
    assert "de 2 mensaje(s) suyo(s) que no son PQR" in result.stdout
    assert "el texto de 1 respuesta(s) nuestra(s)" in result.stdout
    assert "2 identificador(es) de mensajes enviados a su número" in result.stdout
    assert "1 PQR con sus mensajes, que la empresa debe guardar por ley" in result.stdout
    assert "Se conserva" in result.stdout and "estados y fechas de los envíos" in result.stdout
    assert again.exit_code == 2 and "ya estaba borrado" in again.stderr
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session() as session:
        c = session.connection()
        marta = c.execute(sa.select(Subscriber).where(Subscriber.id == 1)).one()
        trail = c.execute(sa.select(Consent).where(Consent.subscriber_id == 1)).all()
        messages = {row.id: row for row in c.execute(sa.select(Interaction)).all()}
        answers = {row.id: row for row in c.execute(sa.select(Reply)).all()}
        (delivery,) = c.execute(sa.select(Delivery).where(Delivery.subscriber_id == 1)).all()
        undelivered = {row.remote_id: row for row in c.execute(sa.select(UndeliveredReply)).all()}
        luis = c.execute(sa.select(Subscriber).where(Subscriber.id == 2)).one()
    database.dispose()
    assert (marta.address, marta.name, marta.alias) == (None, None, None) and marta.erased_at
    assert len(trail) == 2 and all(
        c.withdrawn_how == "borrado" and c.granted_words is None for c in trail
    )
    for erased in (messages[1], messages[made["asked"]]):  # the consent's and the question
        assert (erased.text, erased.author_id, erased.author_name, erased.author_alias) == (
            "",
            "",
            "",
            None,
        )
        assert erased.thread_id is None and erased.remote_id == f"borrado-{erased.id}"
        assert erased.state == "answered" and erased.written_at  # the counts stay
    assert messages[2].text.startswith("Me cobraron doble")  # the PQR's message stays
    assert messages[2].author_id == MARTA and messages[2].remote_id == "wamid.2"
    assert answers[made["answered"]].text == "" and answers[made["answered"]].remote_id is None
    assert answers[made["answered"]].state == ReplyState.SENT
    assert answers[made["pqr_answer"]].text.startswith("Radicamos")  # the PQR's answer stays
    assert delivery.remote_id is None and delivery.state == DeliveryState.FAILED
    assert delivery.error_code == 131026
    assert "wamid.R" not in undelivered and "wamid.D" not in undelivered
    assert undelivered["wamid.other"].reason == "no entregado"  # someone else's report
    gone = [row for key, row in undelivered.items() if key.startswith("borrado-")]
    assert len(gone) == 2 and all(r.reason == "" and r.code == 131026 for r in gone)
    assert luis.address == LUIS


def test_an_erasure_marks_the_ids_it_removes_on_each_database(database_url):
    from notices.subscriptions import erase

    database = Database(database_url)
    database.upgrade()
    with database.session(write=True) as session:
        c = session.connection()
        given = message(c, "wamid.1", MARTA, "Marta", "AVISOS Centro", "suscripción: avisos")
        subscribe(c, "whatsapp", MARTA, None, "Marta", Purpose.NOTICES, "Centro", given,
                  "AVISOS Centro", NOW)  # fmt: skip
        erased = erase(c, MARTA, NOW)
        row = c.execute(sa.select(Interaction.remote_id, Interaction.text)).one()
    database.dispose()

    assert (erased.messages_blanked, erased.withdrawn) == (1, 1)
    assert tuple(row) == (f"borrado-{given}", "")


def test_borrar_an_unknown_subscriber_is_bad_input(cli, tmp_path):
    filled(tmp_path).dispose()

    result = cli("suscriptores", "borrar", "99", "--si")
    words = cli("suscriptores", "borrar", "Marta", "--si")

    assert result.exit_code == 2 and "no hay ningún suscriptor" in result.stderr
    assert words.exit_code == 2 and "no es un id ni un número" in words.stderr


def test_borrar_warns_of_what_waits_asks_in_spanish_and_settles_the_waiting_replies(
    cli, tmp_path, monkeypatch
):
    database = filled(tmp_path)
    with database.session(write=True) as session:
        c = session.connection()
        asked = message(c, "wamid.4", MARTA, "Marta Díaz", "llevo dos días sin agua", "revisión")
        waiting = {
            state: c.execute(
                sa.insert(Reply)
                .values(interaction_id=asked, text="Ya vamos", state=state,
                        visibility=ReplyVisibility.PRIVATE)
                .returning(Reply.id)
            ).scalar_one()
            for state in (ReplyState.PENDING, ReplyState.APPROVED)
        }  # fmt: skip
    database.dispose()

    monkeypatch.setattr("sys.stdin", io.StringIO("quizás\nn\n"))
    refused = cli("suscriptores", "borrar", "1")
    monkeypatch.setattr("sys.stdin", io.StringIO("sí\n"))
    done = cli("suscriptores", "borrar", "1")

    assert refused.exit_code == 1 and "No se borró nada." in refused.stdout
    assert "tiene 2 respuesta(s) pendiente(s)" in refused.stdout
    assert "1 PQR abierta(s): 2026-000001" in refused.stdout
    assert "suscriptor 1 (" + "•" * 8 + "2233)" in refused.stdout and "[s/N]" in refused.stdout
    assert "Responda «s» (sí) o «n» (no)." in refused.stdout and MARTA not in refused.stdout
    assert done.exit_code == 0, done.stderr
    assert "2 respuesta(s) pendiente(s) rechazada(s)" in done.stdout
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    with database.session() as session:
        rows = session.connection().execute(sa.select(Reply).where(Reply.interaction_id == asked))
        settled = {row.id: row for row in rows}
    database.dispose()
    for reply_id in waiting.values():
        assert settled[reply_id].state == ReplyState.REJECTED
        assert settled[reply_id].review_note == "datos borrados a pedido del ciudadano (Ley 1581)"
        assert settled[reply_id].text == ""
