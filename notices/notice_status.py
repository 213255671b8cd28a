"""The figures of a broadcast for `avisos estado`: reached, sent, delivered, read, failed and
why, waiting (and for what), unconfirmed, withdrawn, expired. Read only; counts, never who."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from notices.models import Broadcast, BroadcastKind, Delivery, DeliveryState

LIMIT_WAIT = timedelta(minutes=1)
"""A queued delivery due later than this waits for the daily limit (a throughput retry is
a second or two away)."""


@dataclass
class BroadcastFigures:
    id: int
    kind: BroadcastKind
    state: str
    paused_reason: str | None
    reached: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    failures: list[tuple[int | None, str, int]] = field(default_factory=list)
    """(Meta's code, why in the team's words, how many), most first."""
    waiting_pace: int = 0
    """Queued, going out at the number's messages per second."""
    waiting_limit: int = 0
    """Queued until the 24-hour limit of people reached frees room."""
    in_flight: int = 0
    """Being sent, or cut off mid-call and waiting for WhatsApp's word."""
    unconfirmed: int = 0
    """Of those in flight, «sin confirmar»: their sender stopped mid-call and WhatsApp has not
    said whether it went; it goes again only once later sends are confirmed and its own is not."""
    withdrawn: int = 0
    expired: int = 0
    """Not sent: the notice closed first («el aviso se cerró antes de enviarlo»)."""
    next_at: datetime | None = None


def notice_broadcasts(
    connection: sa.Connection, notice_id: int, now: datetime
) -> list[BroadcastFigures]:
    """The figures of every broadcast of a notice (its notice, its restoration)."""
    rows = connection.execute(
        sa.select(Broadcast.id, Broadcast.kind, Broadcast.state, Broadcast.paused_reason)
        .where(Broadcast.notice_id == notice_id)
        .order_by(Broadcast.id)
    ).all()
    return [
        figures(
            connection,
            BroadcastFigures(row.id, BroadcastKind(row.kind), row.state, row.paused_reason),
            now,
        )
        for row in rows
    ]


def figures(connection: sa.Connection, found: BroadcastFigures, now: datetime) -> BroadcastFigures:
    counts = dict(
        connection.execute(
            sa.select(Delivery.state, sa.func.count(Delivery.id))
            .where(Delivery.broadcast_id == found.id)
            .group_by(Delivery.state)
        ).all()
    )
    count = {DeliveryState(state): int(n) for state, n in counts.items()}
    found.reached = sum(count.values())
    found.read = count.get(DeliveryState.READ, 0)
    found.delivered = found.read + count.get(DeliveryState.DELIVERED, 0)
    found.sent = found.delivered + count.get(DeliveryState.SENT, 0)
    found.failed = count.get(DeliveryState.FAILED, 0)
    found.withdrawn = count.get(DeliveryState.WITHDRAWN, 0)
    found.in_flight = count.get(DeliveryState.SENDING, 0)
    found.expired = count.get(DeliveryState.EXPIRED, 0)
    found.unconfirmed = connection.execute(
        sa.select(sa.func.count(Delivery.id)).where(
            Delivery.broadcast_id == found.id,
            Delivery.state == DeliveryState.SENDING,
            Delivery.lease_expires_at < now,
        )
    ).scalar_one()
    queued = Delivery.broadcast_id == found.id, Delivery.state == DeliveryState.QUEUED
    found.waiting_limit = connection.execute(
        sa.select(sa.func.count(Delivery.id)).where(
            *queued, Delivery.next_attempt_at > now + LIMIT_WAIT
        )
    ).scalar_one()
    found.waiting_pace = count.get(DeliveryState.QUEUED, 0) - found.waiting_limit
    found.next_at = connection.execute(
        sa.select(sa.func.min(Delivery.next_attempt_at)).where(*queued)
    ).scalar_one()
    found.failures = [
        (row.error_code, row.error_detail or "sin detalle", int(row.n))
        for row in connection.execute(
            sa.select(
                Delivery.error_code, Delivery.error_detail, sa.func.count(Delivery.id).label("n")
            )
            .where(Delivery.broadcast_id == found.id, Delivery.state == DeliveryState.FAILED)
            .group_by(Delivery.error_code, Delivery.error_detail)
            .order_by(sa.func.count(Delivery.id).desc())
        )
    ]
    return found


def sent_by_notice(connection: sa.Connection, notice_ids: list[int]) -> dict[int, int]:
    """Notice -> people its broadcasts reached on WhatsApp (sent, delivered or read)."""
    if not notice_ids:
        return {}
    rows = connection.execute(
        sa.select(Broadcast.notice_id, sa.func.count(Delivery.id))
        .join(Delivery, Delivery.broadcast_id == Broadcast.id)
        .where(
            Broadcast.notice_id.in_(notice_ids),
            Broadcast.kind == BroadcastKind.NOTICE,
            Delivery.state.in_([DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ]),
        )
        .group_by(Broadcast.notice_id)
    )
    found = {notice_id: int(n) for notice_id, n in rows}
    notified = connection.execute(
        sa.select(Broadcast.notice_id).where(
            Broadcast.notice_id.in_(notice_ids), Broadcast.kind == BroadcastKind.NOTICE
        )
    ).scalars()
    return {notice_id: found.get(notice_id, 0) for notice_id in notified}
