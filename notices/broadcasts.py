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


def reached(
    purpose: Purpose,
    sectors: Sequence[str] | None,
    network: str,
    only_subscribers: sa.Select | None = None,
) -> sa.Select:
    """The ids of the subscribers a broadcast of `purpose` to `sectors` (None: all) reaches:
    `sectors` holds every spelling a consent may keep (a sector's name and its aliases), and
    `only_subscribers`, when given, narrows them (a restoration: those who got the notice)."""
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
    if only_subscribers is not None:
        query = query.where(Consent.subscriber_id.in_(only_subscribers))
    return query


def notified(notice_id: int) -> sa.Select:
    """The subscribers the notice of `notice_id` reached (sent, delivered or read): the only
    ones its «servicio restablecido» goes to."""
    return (
        sa.select(Delivery.subscriber_id)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(
            Broadcast.notice_id == notice_id,
            Broadcast.kind == BroadcastKind.NOTICE,
            Delivery.state.in_([DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ]),
        )
    )


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
    sector_spellings: Sequence[str] | None = None,
    only_subscribers: sa.Select | None = None,
) -> tuple[int, int]:
    """A new broadcast and its queued deliveries: (broadcast id, deliveries queued). The
    unique keys refuse a second broadcast of one notice and kind, or of one publication.

    `sector_spellings`: every name the sectors went by (`[sector.name, *sector.aliases]` of
    each), so consents given under an old name still count, now and at the send;
    `only_subscribers`: a select of subscriber ids it is limited to (`notified(notice_id)`)."""
    spellings = _spellings(sectors, sector_spellings)
    broadcast_id = connection.execute(
        sa.insert(Broadcast)
        .values(
            kind=kind,
            network=network,
            notice_id=notice_id,
            publication_id=publication_id,
            purpose=purpose,
            sectors=list(sectors) if sectors is not None else None,
            sector_spellings=spellings,
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
    subscribers = reached(purpose, spellings, network, only_subscribers).subquery()
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


def _spellings(sectors: Sequence[str] | None, spellings: Sequence[str] | None) -> list[str] | None:
    """The sectors' names and every other spelling given, once each, names first."""
    if sectors is None:
        return None
    return list(dict.fromkeys([*sectors, *(spellings or ())]))
