"""Creating a broadcast: the broadcast row and one queued delivery per subscriber it reaches,
in the caller's transaction (a notice added with --notificar is added with its sends, or not
at all).

Who it reaches is fixed when it is created: the subscribers with a consent not withdrawn for
its purpose and, for a notice, for one of its sectors. Someone who subscribes later gets the
next one; someone who leaves before their send gets nothing (the sender checks again).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from notices.models import (
    Broadcast,
    BroadcastKind,
    BroadcastState,
    Consent,
    Delivery,
    DeliveryState,
    Purpose,
    Subscriber,
)


def reached(purpose: Purpose, sectors: Sequence[str] | None, network: str) -> sa.Select:
    """The ids of the subscribers a broadcast of `purpose` to `sectors` (None: all) reaches."""
    query = (
        sa.select(Consent.subscriber_id)
        .join(Subscriber, Subscriber.id == Consent.subscriber_id)
        .where(
            Consent.purpose == purpose,
            Consent.withdrawn_at.is_(None),
            Subscriber.erased_at.is_(None),
            Subscriber.network == network,
        )
        .distinct()
    )
    if sectors is not None:
        query = query.where(Consent.sector.in_(list(sectors)))
    return query


def create(
    connection: sa.Connection,
    kind: BroadcastKind,
    purpose: Purpose,
    sectors: Sequence[str] | None,
    template: str,
    language: str,
    parameters: Sequence[str],
    now: datetime,
    *,
    network: str = "whatsapp",
    header: dict[str, Any] | None = None,
    notice_id: int | None = None,
    publication_id: int | None = None,
    created_by: str = "",
) -> tuple[int, int]:
    """A new broadcast and its queued deliveries: (broadcast id, deliveries queued). The
    unique keys refuse a second broadcast of one notice and kind, or of one publication."""
    broadcast_id = connection.execute(
        sa.insert(Broadcast)
        .values(
            kind=kind,
            network=network,
            notice_id=notice_id,
            publication_id=publication_id,
            purpose=purpose,
            sectors=list(sectors) if sectors is not None else None,
            template=template,
            language=language,
            parameters=list(parameters),
            header=header,
            state=BroadcastState.SENDING,
            created_at=now,
            created_by=created_by,
        )
        .returning(Broadcast.id)
    ).scalar_one()
    subscribers = reached(purpose, sectors, network).subquery()
    connection.execute(
        sa.insert(Delivery).from_select(
            ["broadcast_id", "subscriber_id", "state", "attempts", "next_attempt_at"],
            sa.select(
                sa.literal(broadcast_id),
                subscribers.c.subscriber_id,
                sa.literal(DeliveryState.QUEUED.value),
                sa.literal(0),
                sa.literal(now, type_=Delivery.__table__.c.next_attempt_at.type),
            ),
        )
    )
    # Counted, not rowcount: an INSERT ... SELECT's rowcount is -1 on some drivers.
    queued = connection.execute(
        sa.select(sa.func.count()).where(Delivery.broadcast_id == broadcast_id)
    ).scalar_one()
    return broadcast_id, queued
