"""What the notices' tests share: subscribers written straight to the tables, a cut notice's
broadcast, the notify job pointed at a test's simulator, and what the simulator took."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

from channels.meta.whatsapp import WhatsAppChannel
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID
from conectados.settings import load_settings
from notices import broadcasts
from notices.models import Broadcast, BroadcastKind, Consent, Delivery, Purpose, Subscriber
from notices.notice_status import BroadcastFigures, figures
from scheduler.notifier import Notifier, NotifyPolicy

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
"""A Tuesday, 10:00 in Bogotá."""
WAIT = timedelta(seconds=30)
LEASE = timedelta(seconds=10)


def notifier(database, sandbox, clock, folder: Path, owner: str = "prueba", **policy) -> Notifier:
    """The notify job on the test's simulator, fast (500 a second), with short waits."""
    rules = {"messages_per_second": 500.0, "confirmation_wait": WAIT, "lease": LEASE, **policy}
    channel = WhatsAppChannel(PHONE_NUMBER_ID, "token", sandbox.url, timeout=5.0)
    settings = load_settings(environ={}, cwd=folder)
    return Notifier(
        database, {"whatsapp": channel}, clock, owner, folder, NotifyPolicy(**rules), settings
    )


def knobs(sandbox, **values) -> None:
    """The simulator's WhatsApp knobs (throughput, daily limit, templates, recipients…)."""
    answer = requests.post(f"{sandbox.url}/_sandbox/whatsapp", json=values, timeout=5)
    assert answer.status_code == 200, answer.text


def subscribe(database, phone: str, *sectors: str, purpose: Purpose = Purpose.NOTICES) -> int:
    """A subscriber with one consent per sector (none given: one without a sector, content)."""
    with database.transaction(write=True) as connection:
        subscriber_id = connection.execute(
            sa.insert(Subscriber)
            .values(network="whatsapp", address=phone, created_at=NOW - timedelta(days=1))
            .returning(Subscriber.id)
        ).scalar_one()
        for sector in sectors or (None,):
            connection.execute(
                sa.insert(Consent).values(
                    subscriber_id=subscriber_id,
                    purpose=purpose,
                    sector=sector,
                    granted_at=NOW - timedelta(days=1),
                    granted_words=f"AVISOS {sector}" if sector else "CONTENIDO",
                )
            )
    return subscriber_id


def cut_notice(database, *sectors: str, notice_id: int | None = None, **extra) -> tuple[int, int]:
    """A cut notice's broadcast to `sectors`: (its id, deliveries queued)."""
    with database.transaction(write=True) as connection:
        return broadcasts.create(
            connection,
            BroadcastKind.NOTICE,
            Purpose.NOTICES,
            list(sectors),
            "aviso_corte",
            "es",
            [
                ", ".join(sectors),
                "martes 10 de marzo, 8:00 a. m.",
                "martes 10 de marzo, 5:00 p. m.",
                "cambio de válvula",
            ],
            NOW,
            notice_id=notice_id,
            **extra,
        )


def received(sandbox) -> dict[str, int]:
    """Template messages the simulator took, per phone number."""
    counts: dict[str, int] = {}
    for reply in sandbox.control("GET", "state")["whatsapp"]["replies"]:
        if reply.get("type") == "template":
            counts[reply["wa_id"]] = counts.get(reply["wa_id"], 0) + 1
    return counts


def deliveries(database) -> dict[int, Delivery]:
    """Every delivery, by its subscriber."""
    with database.session() as session:
        return {row.subscriber_id: row for row in session.execute(sa.select(Delivery)).scalars()}


def broadcast_figures(database, broadcast_id: int, now: datetime = NOW) -> BroadcastFigures:
    """What `avisos estado` counts of one broadcast."""
    with database.session() as session:
        row = session.get(Broadcast, broadcast_id)
        found = BroadcastFigures(row.id, row.kind, row.state, row.paused_reason)
        return figures(session.connection(), found, now)
