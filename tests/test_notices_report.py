"""The monthly report's «Avisos por WhatsApp»: notices sent, their messages, reach, and the
subscribers gained and lost, counted from known rows."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from conectados.clock import FixedClock
from conectados.db import Database
from content_calendar.models import Post, Publication, PublicationState
from notices.models import (
    Broadcast,
    BroadcastKind,
    Consent,
    Delivery,
    DeliveryState,
    Purpose,
    Subscriber,
)
from notices.subscriptions import SUBSCRIPTION_REASON
from reports.figures import build_report, month
from reports.render import html
from reports.summary import summary
from responders.models import (
    AUTOMATIC,
    Interaction,
    InteractionKind,
    InteractionState,
    Reply,
    ReplyState,
    ReplyVisibility,
)

BOGOTA = ZoneInfo("America/Bogota")
AFTER = FixedClock(datetime(2026, 12, 5, 9, tzinfo=BOGOTA))


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BOGOTA)


def fill(database: Database) -> None:
    """November 2026: four people, two notices and a content (and a notice for a sector nobody
    follows); counted by hand below."""
    with database.session(write=True) as session:
        connection = session.connection()

        def person(address: str) -> int:
            return connection.execute(
                sa.insert(Subscriber)
                .values(network="whatsapp", address=address)
                .returning(Subscriber.id)
            ).scalar_one()

        ana, beto, carla, dora = (person(f"57300000000{n}") for n in range(4))
        consents = [
            # Ana: since October, two sectors; still subscribed. Not new in November.
            (ana, Purpose.NOTICES, "Centro", local(2026, 10, 2, 8), None),
            (ana, Purpose.CONTENT, None, local(2026, 11, 2, 8), None),
            # Beto: new in November, left in November (his only consent).
            (beto, Purpose.NOTICES, "Centro", local(2026, 11, 3, 8), local(2026, 11, 20, 8)),
            # Carla: new in November; withdrew one of two: still subscribed.
            (carla, Purpose.NOTICES, "Norte", local(2026, 11, 4, 8), local(2026, 11, 21, 8)),
            (carla, Purpose.NOTICES, "Centro", local(2026, 11, 4, 8), None),
            # Dora: new in October, left in December: neither in November.
            (dora, Purpose.NOTICES, "Norte", local(2026, 10, 30, 8), local(2026, 12, 1, 8)),
        ]
        for subscriber, purpose, sector, granted, withdrawn in consents:
            connection.execute(
                sa.insert(Consent).values(
                    subscriber_id=subscriber, purpose=purpose, sector=sector,
                    granted_at=granted, withdrawn_at=withdrawn,
                )
            )  # fmt: skip

        def broadcast(kind: BroadcastKind, at: datetime, purpose=Purpose.NOTICES) -> int:
            return connection.execute(
                sa.insert(Broadcast)
                .values(kind=kind, purpose=purpose, template="t", language="es", created_at=at)
                .returning(Broadcast.id)
            ).scalar_one()

        # The content's calendar entry, handed to its broadcast: no page post.
        connection.execute(
            sa.insert(Post).values(
                id="contenido-nov", text="Cuide el agua", scheduled_at=local(2026, 11, 30, 23)
            )
        )
        connection.execute(
            sa.insert(Publication).values(
                post_id="contenido-nov", network="whatsapp", state=PublicationState.PUBLISHED,
                next_attempt_at=local(2026, 11, 30, 23), published_at=local(2026, 11, 30, 23),
                remote_id="difusion-3",
            )
        )  # fmt: skip
        cut = broadcast(BroadcastKind.NOTICE, local(2026, 11, 10, 7))
        restored = broadcast(BroadcastKind.RESTORED, local(2026, 11, 10, 18))
        content = broadcast(BroadcastKind.CONTENT, local(2026, 11, 30, 23), Purpose.CONTENT)
        october = broadcast(BroadcastKind.NOTICE, local(2026, 10, 31, 7))
        broadcast(BroadcastKind.NOTICE, local(2026, 11, 12, 7))  # nobody follows its sector
        day = local(2026, 11, 10, 7, 1)
        deliveries = [
            # Ana read the cut (read without a delivered status), got the restoration.
            (cut, ana, DeliveryState.READ, dict(sent_at=day, read_at=day)),
            (restored, ana, DeliveryState.DELIVERED, dict(sent_at=day, delivered_at=day)),
            # Beto: delivered and read; Carla: the number blocked the business.
            (cut, beto, DeliveryState.READ, dict(sent_at=day, delivered_at=day, read_at=day)),
            (cut, carla, DeliveryState.FAILED, dict(failed_at=day, error_code=131049)),
            # Carla's restoration still queued; Ana's content only sent.
            (restored, carla, DeliveryState.QUEUED, {}),
            (content, ana, DeliveryState.SENT, dict(sent_at=local(2026, 11, 30, 23, 5))),
            # October's notice, delivered in October: not this month's.
            (october, dora, DeliveryState.DELIVERED,
             dict(sent_at=local(2026, 10, 31, 7), delivered_at=local(2026, 10, 31, 7))),
        ]  # fmt: skip
        for broadcast_id, subscriber, state, times in deliveries:
            connection.execute(
                sa.insert(Delivery).values(
                    broadcast_id=broadcast_id, subscriber_id=subscriber, state=state,
                    next_attempt_at=day, **times,
                )
            )  # fmt: skip


def test_the_notices_section_counts_the_month_in_every_format(cli, tmp_path: Path):
    assert cli("init").exit_code == 0
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    fill(database)
    database.dispose()

    terminal = cli("report", "--mes", "2026-11", "--html", "i.html", "--csv", "t", clock=AFTER)
    as_json = cli("report", "--mes", "2026-11", "--json", clock=AFTER)

    assert terminal.exit_code == 0, terminal.stderr
    figures = json.loads(as_json.stdout)
    assert "whatsapp" not in figures["redes"] and figures["cifras"]["publicaciones"] == 0
    notices = figures["avisos_whatsapp"]
    assert notices == {
        "avisos_enviados": 3,  # not the notice that went to nobody
        "avisos_enviados_por_tipo": {"aviso": 1, "restablecido": 1, "contenido": 1},
        "mensajes_enviados": 4,
        "mensajes_entregados": 3,  # Ana's read cut counts as delivered
        "mensajes_leidos": 2,
        "mensajes_fallidos": 1,
        "alcance_whatsapp": 2,  # Ana and Beto
        "suscriptores_nuevos": 2,  # Beto and Carla
        "suscriptores_que_salieron": 1,  # Beto (Carla keeps Centro)
        "mensajes_de_suscripcion": 0,
    }
    assert "Avisos por WhatsApp: 3 avisos enviados" in " ".join(terminal.stdout.split())
    page = (tmp_path / "i.html").read_text(encoding="utf-8")
    assert "<h2>Avisos por WhatsApp</h2>" in page and 'aria-label="Mensajes de WhatsApp"' in page
    with (tmp_path / "t" / "avisos_whatsapp.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = {row["cifra"]: row["valor"] for row in csv.DictReader(file, delimiter=";")}
    assert rows["alcance_whatsapp"] == "2" and rows["avisos_enviados_aviso"] == "1"


def test_a_month_without_notices_says_so(database: Database):
    with database.engine.connect() as connection:
        report = build_report(connection, month("2026-11", BOGOTA), "Acueducto", now=AFTER.now())

    assert "no se enviaron avisos" in "\n".join(summary(report))
    assert "No se enviaron avisos por WhatsApp en el periodo." in html(report)
    assert report.as_dict()["avisos_whatsapp"]["avisos_enviados"] == 0


def write_messages(database: Database) -> None:
    """November 2026: three subscription messages (one answered automatically), a question no
    protocol was clear about, one a protocol answered, and a message a person reviewed whose
    note merely mentions a subscription, and one not decided yet."""
    messages = [
        (None, f"{SUBSCRIPTION_REASON}: avisos de Centro", InteractionState.ANSWERED),
        (None, f"{SUBSCRIPTION_REASON}: baja de todo", InteractionState.ANSWERED),
        (None, f"{SUBSCRIPTION_REASON}: consulta", InteractionState.ANSWERED),
        (None, "ningún protocolo coincide: a revisión", InteractionState.IN_REVIEW),
        ("facturacion", "protocolo facturacion", InteractionState.ANSWERED),
        (None, "suscripción (la pidió en el comentario)", InteractionState.IN_REVIEW),
        (None, None, InteractionState.RECEIVED),  # not decided yet
    ]
    with database.session(write=True) as session:
        connection = session.connection()
        for n, (protocol, decision, state) in enumerate(messages):
            at = local(2026, 11, 6 + n, 10)
            interaction = connection.execute(
                sa.insert(Interaction)
                .values(
                    network="whatsapp", kind=InteractionKind.MESSAGE, remote_id=f"wamid.{n}",
                    author_id=f"57300111000{n}", text="…", written_at=at, received_at=at,
                    state=state, protocol=protocol, decision=decision, decided_at=at,
                )
                .returning(Interaction.id)
            ).scalar_one()  # fmt: skip
            if n == 0:  # the subscription's automatic confirmation
                connection.execute(
                    sa.insert(Reply).values(
                        interaction_id=interaction, state=ReplyState.SENT, reviewer=AUTOMATIC,
                        visibility=ReplyVisibility.PRIVATE, text="Listo", created_at=at,
                        decided_at=at, sent_at=at,
                    )
                )  # fmt: skip


def test_subscription_messages_are_counted_apart_from_requests(database: Database):
    write_messages(database)
    with database.engine.connect() as connection:
        report = build_report(connection, month("2026-11", BOGOTA), "Acueducto", now=AFTER.now())

    figures = report.as_dict()
    assert figures["avisos_whatsapp"]["mensajes_de_suscripcion"] == 3
    assert figures["cifras"]["solicitudes"] == 4
    assert figures["solicitudes_por_protocolo"] == {"sin protocolo": 3, "facturacion": 1}
    assert sum(figures["solicitudes_por_canal"].values()) == 4
    assert figures["respondidas"] == 0  # the automatic confirmation is no answer to a request
    assert figures["cifras"]["respuestas_automaticas"] == 0
    terminal = " ".join(" ".join(summary(report)).split())
    assert "Suscripciones a avisos por WhatsApp: 3" in terminal
    assert "Avisos por WhatsApp: 0 avisos enviados" in terminal
    page = html(report)
    assert "suscripciones a avisos por WhatsApp" in page and "no se enviaron" not in page


def test_the_csv_counts_subscription_messages_apart(cli, tmp_path: Path):
    assert cli("init").exit_code == 0
    database = Database(f"sqlite:///{tmp_path / 'conectados.db'}")
    write_messages(database)
    database.dispose()

    result = cli("report", "--mes", "2026-11", "--csv", "t", clock=AFTER)

    assert result.exit_code == 0, result.stderr
    with (tmp_path / "t" / "avisos_whatsapp.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = {row["cifra"]: row["valor"] for row in csv.DictReader(file, delimiter=";")}
    assert rows["mensajes_de_suscripcion"] == "3"
    path = tmp_path / "t" / "solicitudes_por_protocolo.csv"
    with path.open(encoding="utf-8-sig", newline="") as file:
        protocols = {
            row["protocolo"]: row["solicitudes"] for row in csv.DictReader(file, delimiter=";")
        }
    assert protocols == {"sin protocolo": "3", "facturacion": "1"}
