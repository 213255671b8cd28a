"""Every write and read of a service notice: added open, closed once.

A notice is open until a person closes it (`close`, a compare-and-set on `closed_at IS NULL`,
so two people closing it at once record one close). Whether it is current or coming is not a
state: it follows from the clock (`starts_at`, `ends_at`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

import sqlalchemy as sa

from conectados import dates
from conectados.errors import BadInput
from responders.models import ServiceNotice

MAX_SECTOR = 200
MAX_REASON = 500
NOT_A_MOMENT = (
    "«{value}» no es una fecha y hora; escriba «AAAA-MM-DD HH:MM», por ejemplo «2026-12-01 08:00»"
)


@dataclass(frozen=True)
class Fields:
    """Where the person typed each value of a new notice, as a message names it: options on
    the command line (`avisos add`), form fields in the web office."""

    sector: str
    starts: str
    ends: str
    reason: str
    starts_named: str
    """The start as a sentence refers to it: «debe ser posterior a --desde»."""


COMMAND_LINE = Fields(
    "opción --sector", "opción --desde", "opción --hasta", "opción --motivo", "--desde"
)


@dataclass(frozen=True)
class NewNotice:
    """A notice as typed, checked: the moments in the company's zone, the words tidied."""

    sector: str
    starts: datetime
    ends: datetime
    reason: str


def parse_moment(value: str, where: str, zone: tzinfo, end_of_day: bool = False) -> datetime:
    """ "AAAA-MM-DD HH:MM" in the company's zone; a date alone is the start of that day, or its
    end for the end of a notice ("hasta el 2 de diciembre" includes the 2nd)."""
    return dates.parse_moment(value, zone, where, not_a_date=NOT_A_MOMENT, end_of_day=end_of_day)


def checked(
    sector: str,
    starts: str,
    ends: str,
    reason: str,
    zone: tzinfo,
    now: datetime,
    fields: Fields = COMMAND_LINE,
) -> NewNotice:
    """A new notice as the person typed it, checked (BadInput naming the field otherwise): the
    end after the start and not past, a sector and a reason neither blank nor too long."""
    start = parse_moment(starts, fields.starts, zone)
    end = parse_moment(ends, fields.ends, zone, end_of_day=True)
    if end <= start:
        raise BadInput(f"debe ser posterior a {fields.starts_named}", fields.ends)
    for value, where, limit in (
        (sector, fields.sector, MAX_SECTOR),
        (reason, fields.reason, MAX_REASON),
    ):
        if not value.strip():
            raise BadInput("no puede estar vacío", where)
        if len(value) > limit:
            raise BadInput(f"es demasiado largo (máximo {limit} caracteres)", where)
    if end < now:
        raise BadInput("ya pasó; un aviso es para trabajos en curso o próximos", fields.ends)
    return NewNotice(" ".join(sector.split()), start, end, " ".join(reason.split()))


def state_name(row: sa.Row, now: datetime) -> str:
    """Where a listed notice stands: cerrado, terminado, en curso or próximo."""
    if row.closed_at:
        return "cerrado"
    if row.ends_at < now:
        return "terminado"
    if row.starts_at <= now:
        return "en curso"
    return "próximo"


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


def why_not_closed(connection: sa.Connection, notice_id: int, where_listed: str) -> BadInput:
    """Why `close` closed nothing: there is no such notice (see `where_listed`), or it was
    closed already (by another person, or before)."""
    if not exists(connection, notice_id):
        return BadInput(f"no hay ningún aviso con id {notice_id}; {where_listed}", "ID")
    return BadInput(f"el aviso {notice_id} ya estaba cerrado", "ID")


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
