"""Every move of a publication, each one a compare-and-set update that says so in its name.

A publication is born scheduled (`schedule`: the only state it is born in) and only moves
forward: scheduled -> publishing -> published | failed, or back to scheduled for a retry; a
person (or a new version of the calendar file) may cancel or move one still scheduled (`cancel`,
`reschedule_waiting`). Alongside the state, `outcome_unknown` says an earlier call may have
published it without our knowing: set when a lease expires mid-call or the network's answer is
lost, cleared once the network has been looked at. Each function changes a row only if it is
still in the state the caller saw (and, while publishing, still leased by the caller), so two
daemons, or one that restarts, can never both act on the same publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from channels.base import Receipt
from conectados import leases
from content_calendar.models import Post, Publication, PublicationState

SCHEDULED, PUBLISHING = PublicationState.SCHEDULED, PublicationState.PUBLISHING


@dataclass(frozen=True)
class Claimed:
    """A publication this daemon holds under a lease, with what it needs to go out."""

    id: int
    network: str
    post_id: str
    text: str
    media: tuple[str, ...]
    scheduled_at: datetime
    attempts: int
    recovering: bool = False
    """True when a previous holder's lease expired mid-call: look on the network first."""
    outcome_unknown: bool = False
    """An earlier call may have published it: look on the network before publishing."""
    leased_until: datetime | None = None
    """When this holder's lease runs out, as of the claim."""
    upload: dict[str, Any] | None = None
    """The video upload an earlier attempt started on the network (see `remember_upload`)."""
    held_until: datetime | None = None
    """The network held it back until then (`hold`): its lateness counts from then."""


def _claimed(row, recovering: bool = False) -> Claimed:
    variants = row.variants or {}
    return Claimed(
        id=row.id,
        network=row.network,
        post_id=row.post_id,
        text=variants.get(row.network) or row.text,
        media=tuple(row.media or ()),
        scheduled_at=row.scheduled_at,
        attempts=row.attempts,
        recovering=recovering,
        outcome_unknown=bool(row.outcome_unknown) or recovering,
        leased_until=row.lease_expires_at,
        upload=row.upload if isinstance(row.upload, dict) else None,
        held_until=row.held_until,
    )


def schedule(connection: sa.Connection, due: list[tuple[str, str, datetime]]) -> None:
    """New publications, one per (post id, network, time), each born scheduled for its time
    with no attempt spent: the only state a publication is born in."""
    if not due:
        return
    connection.execute(
        sa.insert(Publication.__table__),
        [
            {
                "post_id": post_id,
                "network": network,
                "state": SCHEDULED,
                "attempts": 0,
                "next_attempt_at": at,
            }
            for post_id, network, at in due
        ],
    )


_COLUMNS = (
    Publication.id,
    Publication.network,
    Publication.post_id,
    Publication.attempts,
    Publication.outcome_unknown,
    Publication.lease_expires_at,
    Publication.upload,
    Publication.held_until,
    Post.text,
    Post.variants,
    Post.media,
    Post.scheduled_at,
)


def claim_due(
    connection: sa.Connection,
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    networks: tuple[str, ...],
) -> list[Claimed]:
    """Take up to `limit` due publications: scheduled -> publishing, leased to `owner`.

    On PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so several daemons
    share the work; on SQLite the caller's write transaction serialises the claim.
    """
    if not networks:
        return []
    candidates = (
        sa.select(Publication.id)
        .where(
            Publication.state == SCHEDULED,
            Publication.next_attempt_at <= now,
            Publication.network.in_(networks),
        )
        .order_by(Publication.next_attempt_at, Publication.id)
        .limit(limit)
    )
    ids = leases.claim(
        connection,
        Publication,
        candidates,
        (Publication.state == SCHEDULED,),
        leases.Lease(owner, now, lease),
        state=PUBLISHING,
        attempts=Publication.attempts + 1,
    )
    return _leased(connection, ids, owner) if ids else []


def claim_expired(
    connection: sa.Connection,
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    networks: tuple[str, ...],
) -> list[Claimed]:
    """publishing (lease expired: the holder died mid-call) -> publishing, leased to `owner`,
    with the outcome unknown until the network is looked at."""
    if not networks:
        return []
    interrupted = (Publication.state == PUBLISHING, leases.expired(Publication, now))
    candidates = (
        sa.select(Publication.id)
        .where(*interrupted, Publication.network.in_(networks))
        .order_by(Publication.lease_expires_at)
        .limit(limit)
    )
    held = leases.Lease(owner, now, lease)
    ids = leases.claim(connection, Publication, candidates, interrupted, held, outcome_unknown=True)
    return _leased(connection, ids, owner, recovering=True) if ids else []


def _leased(
    connection: sa.Connection, ids: list[int], owner: str, recovering: bool = False
) -> list[Claimed]:
    """The publications among `ids` that `owner` now holds, with what they need to go out."""
    rows = connection.execute(
        sa.select(*_COLUMNS)
        .join(Post, Post.id == Publication.post_id)
        .where(
            Publication.id.in_(ids),
            leases.held_by(Publication, owner),
            Publication.state == PUBLISHING,
        )
        .order_by(Publication.next_attempt_at, Publication.id)
    )
    return [_claimed(row, recovering) for row in rows]


def _held(claimed: Claimed, owner: str):
    return (
        Publication.id == claimed.id,
        Publication.state == PUBLISHING,
        leases.held_by(Publication, owner),
    )


def renew_lease(
    connection: sa.Connection, claimed: Claimed, owner: str, now: datetime, lease: timedelta
) -> bool:
    """Still ours? Extend the lease right before the network call; False means let it go."""
    return leases.renew(
        connection, Publication, _held(claimed, owner), leases.Lease(owner, now, lease)
    )


_TABLE = Publication.__table__
# Built once: this runs after every single post, and a Core statement with bound parameters
# skips the ORM's per-call statement building (a third of the publish round's own time).
_MARK_PUBLISHED = (
    sa.update(_TABLE)
    .where(
        _TABLE.c.id == sa.bindparam("held_id"),
        _TABLE.c.state == PUBLISHING,
        _TABLE.c.lease_owner == sa.bindparam("held_by"),
    )
    .values(
        state=PublicationState.PUBLISHED,
        remote_id=sa.bindparam("new_remote_id"),
        remote_url=sa.bindparam("new_remote_url"),
        published_at=sa.bindparam("new_published_at", type_=_TABLE.c.published_at.type),
        **leases.RELEASED,
        last_error=None,
        outcome_unknown=False,
        upload=None,
    )
)


def mark_published(
    connection: sa.Connection, claimed: Claimed, owner: str, receipt: Receipt, now: datetime
) -> bool:
    """publishing -> published, with the network's id and link; False if we lost the lease."""
    return bool(
        connection.execute(
            _MARK_PUBLISHED,
            {
                "held_id": claimed.id,
                "held_by": owner,
                "new_remote_id": receipt.remote_id,
                "new_remote_url": receipt.url,
                "new_published_at": receipt.created_at or now,
            },
        ).rowcount
    )


def remember_upload(
    connection: sa.Connection,
    claimed: Claimed,
    owner: str,
    upload: dict[str, Any],
    now: datetime,
    lease: timedelta,
) -> bool:
    """Keep the video upload this holder started (and renew its lease: an upload takes
    long); False if the publication is no longer ours (then no byte may be sent)."""
    return bool(
        connection.execute(
            sa.update(Publication)
            .where(*_held(claimed, owner))
            .values(upload=upload, lease_expires_at=now + lease)
        ).rowcount
    )


def mark_failed(connection: sa.Connection, claimed: Claimed, owner: str, reason: str) -> bool:
    """publishing -> failed, for good, saying why."""
    return bool(
        connection.execute(
            sa.update(Publication)
            .where(*_held(claimed, owner))
            .values(
                state=PublicationState.FAILED,
                last_error=reason,
                **leases.RELEASED,
            )
        ).rowcount
    )


def reschedule(
    connection: sa.Connection,
    claimed: Claimed,
    owner: str,
    at: datetime,
    reason: str | None,
    count_attempt: bool = True,
    outcome_unknown: bool | None = None,
) -> bool:
    """publishing -> scheduled again, to be tried at `at`.

    `outcome_unknown`: True when this call's result is not known (it may be out), False once
    the network was looked at and it is not there; None leaves the flag as it was."""
    values = {
        "state": SCHEDULED,
        "next_attempt_at": at,
        **leases.RELEASED,
    }
    if reason is not None:  # giving back an untouched claim keeps the last reason shown
        values["last_error"] = reason
    if not count_attempt:
        values["attempts"] = Publication.attempts - 1
    if outcome_unknown is not None:
        values["outcome_unknown"] = outcome_unknown
    return bool(
        connection.execute(
            sa.update(Publication).where(*_held(claimed, owner)).values(**values)
        ).rowcount
    )


def hold(
    connection: sa.Connection,
    claimed: Claimed,
    owner: str,
    until: datetime,
    reason: str,
    outcome_unknown: bool,
) -> bool:
    """publishing -> scheduled at `until`, held back by the network (its publishing limit):
    no attempt spent, and its lateness counts from `until`, so the wait never fails it."""
    return bool(
        connection.execute(
            sa.update(Publication)
            .where(*_held(claimed, owner))
            .values(
                state=SCHEDULED,
                next_attempt_at=until,
                held_until=until,
                attempts=Publication.attempts - 1,
                last_error=reason,
                outcome_unknown=outcome_unknown,
                **leases.RELEASED,
            )
        ).rowcount
    )


# --- a person's (or the calendar file's) moves on a publication still waiting --------------


def cancel(connection: sa.Connection, publication_id: int) -> bool:
    """scheduled -> cancelled; False if a daemon claimed it meanwhile (or it had already gone
    out, failed or been cancelled)."""
    return bool(
        connection.execute(
            sa.update(Publication)
            .where(Publication.id == publication_id, Publication.state == SCHEDULED)
            .values(state=PublicationState.CANCELLED)
        ).rowcount
    )


def reschedule_waiting(connection: sa.Connection, publication_id: int, at: datetime) -> bool:
    """scheduled -> scheduled at `at`, with a fresh budget of attempts; False if a daemon claimed
    it meanwhile. `outcome_unknown` is kept: a lost answer may still mean it is out (the
    publisher looks before publishing)."""
    return bool(
        connection.execute(
            sa.update(Publication)
            .where(Publication.id == publication_id, Publication.state == SCHEDULED)
            .values(next_attempt_at=at, attempts=0, last_error=None)
        ).rowcount
    )


# --- a post for subscribers (WhatsApp): handed to the notifier, never to the publisher ------


def claim_broadcasts(
    connection: sa.Connection, now: datetime, networks: tuple[str, ...]
) -> list[Claimed]:
    """scheduled -> published, every due publication on `networks` at once, with what each
    carries: its broadcast is created in this same transaction. One UPDATE is the
    compare-and-set: a second daemon's finds them taken (on PostgreSQL it waits for the
    first's commit and then skips them)."""
    if not networks:
        return []
    ids = list(
        connection.execute(
            sa.update(Publication)
            .where(
                Publication.state == SCHEDULED,
                Publication.next_attempt_at <= now,
                Publication.network.in_(networks),
            )
            .values(state=PublicationState.PUBLISHED, published_at=now, last_error=None)
            .returning(Publication.id)
        ).scalars()
    )
    if not ids:
        return []
    rows = connection.execute(
        sa.select(*_COLUMNS)
        .join(Post, Post.id == Publication.post_id)
        .where(Publication.id.in_(ids))
        .order_by(Publication.next_attempt_at, Publication.id)
    )
    return [_claimed(row) for row in rows]


def name_broadcast(connection: sa.Connection, publication_id: int, remote_id: str) -> bool:
    """A publication just handed to a broadcast gets the broadcast's name as its remote id."""
    return bool(
        connection.execute(
            sa.update(Publication)
            .where(
                Publication.id == publication_id,
                Publication.state == PublicationState.PUBLISHED,
                Publication.remote_id.is_(None),
            )
            .values(remote_id=remote_id)
        ).rowcount
    )
