"""Every write of a delivery's or a broadcast's state: one compare-and-set function per move.

queued -> sending (claimed under a lease, held again and `sending_since` committed right
before the network call) -> sent -> delivered -> read, or failed; queued -> withdrawn when the
consent went before the send; queued -> expired when its notice closed first. The sender and the webhook receiver both move a delivery; the receiver's moves are
monotonic (a late "delivered" after "read" changes nothing), so their order does not matter.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from conectados.leases import RELEASED, Lease, claim, expired, held_by
from notices.models import (
    Broadcast,
    BroadcastState,
    Consent,
    Delivery,
    DeliveryState,
    Purpose,
    Subscriber,
)

Q, SENDING, SENT = DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.SENT
DELIVERED, READ, FAILED = DeliveryState.DELIVERED, DeliveryState.READ, DeliveryState.FAILED
WITHDRAWN, EXPIRED = DeliveryState.WITHDRAWN, DeliveryState.EXPIRED
OPEN = (Q, SENDING)
"""A delivery still on its way: its broadcast is not done while one is."""
REFERENCE_PREFIX = "entrega-"


def reference(delivery_id: int) -> str:
    """Ours, sent as `biz_opaque_callback_data`: the status webhooks name the delivery by it."""
    return f"{REFERENCE_PREFIX}{delivery_id}"


def delivery_of(reference_text: str | None) -> int | None:
    """The delivery a reference names, or None when it is not one of ours."""
    if not reference_text or not reference_text.startswith(REFERENCE_PREFIX):
        return None
    digits = reference_text[len(REFERENCE_PREFIX) :]
    return int(digits) if digits.isdigit() and len(digits) < 19 else None


@dataclass(frozen=True)
class Claimed:
    """A delivery this sender holds, with what its send needs."""

    id: int
    broadcast_id: int
    subscriber_id: int
    address: str
    network: str
    template: str
    language: str
    parameters: tuple[str, ...]
    header: dict[str, Any] | None


def claim_due(
    connection: sa.Connection,
    now: datetime,
    lease: Lease,
    limit: int,
    networks: Sequence[str],
) -> tuple[list[Claimed], int]:
    """queued -> sending for up to `limit` due deliveries of sending broadcasts, consent checked
    again first (gone: withdrawn, never sent). (what this sender now holds, how many withdrawn)."""
    if limit <= 0 or not networks:
        return [], 0
    candidates = (
        sa.select(Delivery.id)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(
            Delivery.state == Q,
            Delivery.next_attempt_at <= now,
            Broadcast.state == BroadcastState.SENDING,
            Broadcast.network.in_(list(networks)),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    ids = claim(
        connection,
        Delivery,
        candidates,
        (Delivery.state == Q,),
        lease,
        state=SENDING,
        sending_since=now,
        attempts=Delivery.attempts + 1,
    )
    if not ids:
        return [], 0
    rows = connection.execute(
        sa.select(
            Delivery.id,
            Delivery.broadcast_id,
            Delivery.subscriber_id,
            Subscriber.address,
            Subscriber.erased_at,
            Broadcast.network,
            Broadcast.purpose,
            Broadcast.sectors,
            Broadcast.sector_spellings,
            Broadcast.template,
            Broadcast.language,
            Broadcast.parameters,
            Broadcast.header,
        )
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.id.in_(ids), held_by(Delivery, lease.owner), Delivery.state == SENDING)
        .order_by(Delivery.id)
    ).all()
    consents = _consents(connection, [row.subscriber_id for row in rows])
    held: list[Claimed] = []
    gone: list[int] = []
    for row in rows:
        if row.address is None or row.erased_at is not None:
            gone.append(row.id)
            continue
        agreed = consents.get((row.subscriber_id, Purpose(row.purpose)), set())
        # A consent keeps the sector's name of its day: an old name kept as an alias counts.
        sectors = row.sector_spellings if row.sector_spellings is not None else row.sectors
        if not agreed or (sectors is not None and not agreed & set(sectors)):
            gone.append(row.id)
            continue
        held.append(
            Claimed(
                row.id,
                row.broadcast_id,
                row.subscriber_id,
                row.address,
                row.network,
                row.template,
                row.language,
                tuple(row.parameters or ()),
                row.header,
            )
        )
    if gone:
        connection.execute(
            sa.update(Delivery)
            .where(Delivery.id.in_(gone), Delivery.state == SENDING, held_by(Delivery, lease.owner))
            .values(state=DeliveryState.WITHDRAWN, sending_since=None, **RELEASED)
        )
    return held, len(gone)


def _consents(
    connection: sa.Connection, subscriber_ids: list[int]
) -> dict[tuple[int, Purpose], set[str | None]]:
    """(subscriber, purpose) -> the sectors of their consents not withdrawn (None: content)."""
    found: dict[tuple[int, Purpose], set[str | None]] = {}
    if not subscriber_ids:
        return found
    rows = connection.execute(
        sa.select(Consent.subscriber_id, Consent.purpose, Consent.sector).where(
            Consent.subscriber_id.in_(subscriber_ids), Consent.withdrawn_at.is_(None)
        )
    )
    for row in rows:
        key = (row.subscriber_id, Purpose(row.purpose))
        found.setdefault(key, set()).add(row.sector)
    return found


def lock_network(connection: sa.Connection, network: str) -> None:
    """Serialise the daily-limit room and the claim per network until this transaction ends
    (PostgreSQL: two daemons would each see the same room; SQLite's write transaction already
    serialises them)."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(network_lock_key(network))))


def network_lock_key(network: str) -> int:
    """The advisory lock of a network's claims (a signed 64-bit number, stable across runs)."""
    return zlib.crc32(f"conectados.avisos.{network}".encode()) - 2**31


def hold_for_call(
    connection: sa.Connection, delivery_id: int, owner: str, now: datetime, lease: timedelta
) -> bool:
    """Right before its network call: still sending and held by `owner` (not withdrawn, not
    taken over)? Then the lease is renewed and `sending_since` says when the call began.
    False: the call must not be made."""
    return bool(
        connection.execute(
            sa.update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.state == SENDING, held_by(Delivery, owner))
            .values(lease_expires_at=now + lease, sending_since=now)
        ).rowcount
    )


def mark_sent(
    connection: sa.Connection, delivery_id: int, owner: str, remote_id: str, now: datetime
) -> bool:
    """sending -> sent (the network took it), by its holder; also from withdrawn when the
    consent went while the call was already on its way (it went: that is the truth). A status
    webhook that came first already moved it: then only its remote id is filled in. Whether
    this call marked it."""
    moved = connection.execute(
        sa.update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.state.in_([SENDING, WITHDRAWN]),
            held_by(Delivery, owner),
        )
        .values(state=SENT, remote_id=remote_id, sent_at=now, **RELEASED)
    ).rowcount
    if not moved:
        connection.execute(
            sa.update(Delivery)
            .where(Delivery.id == delivery_id, held_by(Delivery, owner))
            .values(remote_id=sa.func.coalesce(Delivery.remote_id, remote_id), **RELEASED)
        )
    return bool(moved)


def mark_failed(
    connection: sa.Connection,
    delivery_id: int,
    owner: str,
    code: int | None,
    detail: str,
    now: datetime,
) -> bool:
    """sending -> failed for this person only (blocked us, not on WhatsApp…), by its holder."""
    return bool(
        connection.execute(
            sa.update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.state == SENDING, held_by(Delivery, owner))
            .values(state=FAILED, failed_at=now, error_code=code, error_detail=detail, **RELEASED)
        ).rowcount
    )


def requeue(
    connection: sa.Connection,
    delivery_id: int,
    owner: str,
    at: datetime,
    count_attempt: bool = True,
) -> bool:
    """sending -> queued for `at`, by its holder: the call did not reach the network (throughput,
    a paused template or channel). Without `count_attempt` it was no attempt at all."""
    values: dict[str, Any] = {"state": Q, "next_attempt_at": at, "sending_since": None}
    if not count_attempt:
        values["attempts"] = Delivery.attempts - 1
    return bool(
        connection.execute(
            sa.update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.state == SENDING, held_by(Delivery, owner))
            .values(**values, **RELEASED)
        ).rowcount
    )


def recover_expired(connection: sa.Connection, now: datetime, wait: timedelta) -> tuple[int, int]:
    """Deliveries whose sender died mid-call (sending, lease run out): one the network already
    confirmed (it has a remote id) is sent. One with no word goes back to the queue only when
    `wait` has passed since its call began AND statuses are shown to flow past it: a send of
    the same network begun after it has been confirmed by a webhook while its own never came,
    so it never reached the network. Otherwise it stays, «sin confirmar»: a webhook late
    because the receiver was down too must not turn into a second send.
    (confirmed, queued again)."""
    stuck = (Delivery.state == SENDING, expired(Delivery, now))
    confirmed = connection.execute(
        sa.update(Delivery)
        .where(*stuck, Delivery.remote_id.is_not(None))
        .values(state=SENT, sent_at=sa.func.coalesce(Delivery.sent_at, now), **RELEASED)
    ).rowcount
    networks = connection.execute(
        sa.select(Broadcast.network)
        .join(Delivery, Delivery.broadcast_id == Broadcast.id)
        .where(*stuck, Delivery.remote_id.is_(None))
        .distinct()
    ).scalars()
    queued = 0
    for network in list(networks):
        of_network = sa.select(Broadcast.id).where(Broadcast.network == network)
        latest_confirmed = connection.execute(
            sa.select(sa.func.max(Delivery.sending_since)).where(
                Delivery.broadcast_id.in_(of_network), Delivery.confirmed_at.is_not(None)
            )
        ).scalar_one()
        if latest_confirmed is None:
            continue
        queued += connection.execute(
            sa.update(Delivery)
            .where(
                *stuck,
                Delivery.remote_id.is_(None),
                Delivery.sending_since <= now - wait,
                Delivery.sending_since < latest_confirmed,
                Delivery.broadcast_id.in_(of_network),
            )
            .values(state=Q, next_attempt_at=now, sending_since=None, **RELEASED)
        ).rowcount
    return confirmed, queued


def expire_open(connection: sa.Connection, broadcast_id: int) -> int:
    """queued -> expired for a broadcast whose notice closed: «no habrá agua» must not go
    out after the service is back. Those already sending finish. How many expired."""
    return connection.execute(
        sa.update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.state == Q)
        .values(state=EXPIRED)
    ).rowcount


def defer_due(connection: sa.Connection, now: datetime, until: datetime) -> int:
    """The due queued deliveries wait until `until` (the daily limit is reached): not dropped."""
    return connection.execute(
        sa.update(Delivery)
        .where(
            Delivery.state == Q,
            Delivery.next_attempt_at <= now,
            Delivery.broadcast_id.in_(
                sa.select(Broadcast.id).where(Broadcast.state == BroadcastState.SENDING)
            ),
        )
        .values(next_attempt_at=until)
    ).rowcount


# --- statuses from the network's webhooks --------------------------------------------------

STATUS_RANK = {SENT: 1, DELIVERED: 2, READ: 3}


def record_status(
    connection: sa.Connection,
    delivery_id: int | None,
    remote_id: str,
    status: str,
    at: datetime,
    code: int | None = None,
    detail: str = "",
) -> bool:
    """Apply one status webhook to the delivery its reference (or its remote id) names;
    monotonic: read implies delivered, an earlier status arriving late changes nothing.
    Whether it named a delivery of ours."""
    where = (
        Delivery.id == delivery_id if delivery_id is not None else Delivery.remote_id == remote_id
    )
    row = connection.execute(sa.select(Delivery.id, Delivery.state).where(where)).first()
    if row is None:
        return False
    target = Delivery.id == row.id
    # Any word from the network about it proves its call reached it and that statuses flow.
    connection.execute(
        sa.update(Delivery)
        .where(target)
        .values(confirmed_at=sa.func.coalesce(Delivery.confirmed_at, at))
    )
    fill = {"remote_id": sa.func.coalesce(Delivery.remote_id, remote_id or None)}
    # A send withdrawn or expired while its call was on its way went all the same.
    unsent = [Q, SENDING, WITHDRAWN, EXPIRED]
    if status == "failed":
        connection.execute(
            sa.update(Delivery)
            .where(target, Delivery.state.in_([*unsent, SENT]))
            .values(state=FAILED, failed_at=at, error_code=code, error_detail=detail, **fill)
        )
        return True
    reached = DeliveryState(status) if status in ("sent", "delivered", "read") else None
    if reached is None:
        return True
    earlier = unsent + [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[reached]]
    values: dict[str, Any] = {"state": reached, "sent_at": sa.func.coalesce(Delivery.sent_at, at)}
    if reached in (DELIVERED, READ):
        values["delivered_at"] = sa.func.coalesce(Delivery.delivered_at, at)
    if reached is READ:
        values["read_at"] = at
    # A send the network confirmed is ours no more to retry: its lease goes with it.
    connection.execute(
        sa.update(Delivery)
        .where(target, Delivery.state.in_(earlier))
        .values(**values, **fill, **RELEASED)
    )
    return True


def record_statuses(connection: sa.Connection, statuses: Sequence[Any]) -> int:
    """Apply the statuses of one webhook delivery (`channels.meta.webhooks.SendStatus`): by our
    reference when it came, else by the network's message id. How many named a delivery."""
    named = 0
    for status in statuses:
        named += record_status(
            connection,
            delivery_of(status.reference),
            status.remote_id,
            status.status,
            status.at,
            status.code,
            failure_words(status.code, status.detail) if status.status == "failed" else "",
        )
    return named


FAILURE_WORDS = {
    131026: "no usa WhatsApp, tiene una versión muy antigua o bloqueó el número de la empresa",
    131049: "WhatsApp no se lo entregó para no saturarlo de mensajes de empresas (límite por persona)",
    131050: "pidió no recibir mensajes de promoción de la empresa",
    131047: "pasaron más de 24 horas desde su último mensaje",
    131056: "demasiados mensajes seguidos a esta persona",
    131048: "WhatsApp limitó los envíos del número por mensajes marcados como spam",
}
"""Meta's codes in the team's words (Meta's own detail follows them)."""


def failure_words(code: int | None, detail: str) -> str:
    """Why a person did not get it: the team's words first, then Meta's code and detail."""
    words = FAILURE_WORDS.get(code) if code is not None else None
    meta = f"código {code}" if code is not None else "sin código"
    said = f"{words} ({meta}" if words else f"WhatsApp no lo entregó ({meta}"
    return (f"{said}: {detail})" if detail else f"{said})")[:1000]


# --- broadcasts ---------------------------------------------------------------------------


def pause_broadcast(connection: sa.Connection, broadcast_id: int, reason: str) -> bool:
    """sending -> paused: the network refuses its template; the queued ones wait."""
    return bool(
        connection.execute(
            sa.update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.state == BroadcastState.SENDING)
            .values(state=BroadcastState.PAUSED, paused_reason=reason)
        ).rowcount
    )


def resume_broadcast(connection: sa.Connection, broadcast_id: int) -> bool:
    """paused -> sending (a person fixed the template)."""
    return bool(
        connection.execute(
            sa.update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.state == BroadcastState.PAUSED)
            .values(state=BroadcastState.SENDING, paused_reason=None)
        ).rowcount
    )


def remember_media(connection: sa.Connection, broadcast_id: int, header: dict[str, Any]) -> None:
    """Keep the network's id of the header's media: every later send reuses it."""
    connection.execute(
        sa.update(Broadcast).where(Broadcast.id == broadcast_id).values(header=header)
    )


def finish_done(connection: sa.Connection, now: datetime) -> int:
    """sending -> done for every broadcast with no delivery queued or sending."""
    still_open = (
        sa.select(Delivery.id)
        .where(Delivery.broadcast_id == Broadcast.id, Delivery.state.in_(OPEN))
        .exists()
    )
    return connection.execute(
        sa.update(Broadcast)
        .where(Broadcast.state == BroadcastState.SENDING, ~still_open)
        .values(state=BroadcastState.DONE, finished_at=now)
    ).rowcount


def reached_today(
    connection: sa.Connection, now: datetime, network: str
) -> tuple[int, datetime | None]:
    """People sent a template in the last 24 hours, and the oldest such send (the daily
    messaging limit counts unique people in a moving 24-hour window)."""
    since = now - timedelta(hours=24)
    row = connection.execute(
        sa.select(sa.func.count(sa.distinct(Delivery.subscriber_id)), sa.func.min(Delivery.sent_at))
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(Delivery.sent_at > since, Broadcast.network == network)
    ).one()
    in_flight = connection.execute(
        sa.select(sa.func.count(Delivery.id))
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(Delivery.state == SENDING, Broadcast.network == network)
    ).scalar_one()
    return int(row[0]) + int(in_flight), row[1]
