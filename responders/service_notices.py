"""Every write and read of a service notice: added open, closed once.

A notice is open until a person closes it (`close`, a compare-and-set on `closed_at IS NULL`,
so two people closing it at once record one close). Whether it is current or coming is not a
state: it follows from the clock (`starts_at`, `ends_at`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from responders.models import ServiceNotice


def add(
    connection: sa.Connection,
    sector: str,
    starts: datetime,
    ends: datetime,
    reason: str,
    now: datetime,
) -> int:
    """A new open notice; its id."""
    return connection.execute(
        sa.insert(ServiceNotice)
        .values(sector=sector, starts_at=starts, ends_at=ends, reason=reason, created_at=now)
        .returning(ServiceNotice.id)
    ).scalar_one()


def close(connection: sa.Connection, notice_id: int, now: datetime) -> bool:
    """open -> closed (the service is back): whether this call closed it."""
    return bool(
        connection.execute(
            sa.update(ServiceNotice)
            .where(ServiceNotice.id == notice_id, ServiceNotice.closed_at.is_(None))
            .values(closed_at=now)
        ).rowcount
    )


def exists(connection: sa.Connection, notice_id: int) -> bool:
    return (
        connection.execute(sa.select(ServiceNotice.id).where(ServiceNotice.id == notice_id)).first()
        is not None
    )


def current(connection: sa.Connection, now: datetime) -> list[sa.Row]:
    """Notices not closed and not over yet (going on or coming), earliest first."""
    return listed(connection, now, everything=False)


def listed(connection: sa.Connection, now: datetime, everything: bool) -> list[sa.Row]:
    """The current notices, or `everything` (closed and over too), earliest first."""
    query = sa.select(
        ServiceNotice.id,
        ServiceNotice.sector,
        ServiceNotice.starts_at,
        ServiceNotice.ends_at,
        ServiceNotice.reason,
        ServiceNotice.closed_at,
    ).order_by(ServiceNotice.starts_at, ServiceNotice.id)
    if not everything:
        query = query.where(ServiceNotice.closed_at.is_(None), ServiceNotice.ends_at >= now)
    return list(connection.execute(query))


def open_texts(connection: sa.Connection) -> list[str]:
    """Sectors and reasons of every notice not closed: the company published them."""
    rows = connection.execute(
        sa.select(ServiceNotice.sector, ServiceNotice.reason).where(
            ServiceNotice.closed_at.is_(None)
        )
    )
    return [text for row in rows for text in row]
