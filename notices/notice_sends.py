"""Sending a service notice by WhatsApp: the notice and its broadcast in one transaction, and
its closing with the "service restored" broadcast in one transaction.

`avisos add --notificar`, `avisos close --notificar` and the demo all come through here. The
notice table belongs to the responders (the outage answer cites it), so the caller passes in
how to add or close the notice (`responders.service_notices`); everything about whom it
reaches and with which template variables is decided here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

import sqlalchemy as sa

from conectados.db import Database
from conectados.errors import BadInput
from conectados.settings_sections import NoticeSettings
from conectados.spanish import spanish_list, spanish_moment
from notices import broadcasts, deliveries
from notices.models import Broadcast, BroadcastKind, Purpose
from notices.sectors import load_sectors

MAX_TEMPLATE_VARIABLE = 1024
"""WhatsApp's longest template body variable, in characters."""
NOTICE_FIELDS = ("opción --sector", "opción --desde", "opción --hasta", "opción --motivo")
"""Where each of the notice template's variables comes from, for the error message."""


@dataclass(frozen=True)
class Notified:
    """A notice sent (or about to be): its id, the sectors as the company's list names them,
    and how many subscribers it was queued for."""

    notice_id: int
    sectors: list[str]
    queued: int


def listed_sectors(sectors_path: Path, text: str, field: str = "opción --sector") -> list[str]:
    """The sectors of `text` as the company's list names them (BadInput naming the unknown
    one, or the missing list)."""
    return [one.name for one in _resolved(sectors_path, text, field)]


def spellings_of(sectors_path: Path, text: str, field: str = "opción --sector") -> list[str]:
    """Every name the sectors of `text` go by (name and aliases): a consent given under a
    sector's old name, kept as an alias after a rename, still counts."""
    return [
        spelled
        for one in _resolved(sectors_path, text, field)
        for spelled in (one.name, *one.aliases)
    ]


def _resolved(sectors_path: Path, text: str, field: str):
    found = load_sectors(sectors_path)
    if found.missing:
        raise BadInput(
            f"para notificar hace falta la lista de sectores de la empresa ({sectors_path}); "
            "créela con sus barrios y veredas (vea docs/comunicaciones.md) o quite --notificar",
            "opción --notificar",
        )
    return found.resolve(text, field)


def check_parameters(values: Sequence[str], fields: Sequence[str]) -> None:
    """What WhatsApp refuses in a template variable: line breaks, tabs, 4 spaces in a row,
    more than 1,024 characters (checked before anything is stored)."""
    for value, field in zip(values, fields, strict=True):
        if "\n" in value or "\t" in value or "\r" in value or "    " in value:
            raise BadInput(
                "WhatsApp no admite saltos de línea, tabulaciones ni 4 espacios seguidos en "
                "una variable de plantilla",
                field,
            )
        if len(value) > MAX_TEMPLATE_VARIABLE:
            raise BadInput(
                f"es demasiado largo para la plantilla de WhatsApp ({len(value)} caracteres; "
                f"máximo {MAX_TEMPLATE_VARIABLE})",
                field,
            )


def notice_parameters(
    sectors: Sequence[str], starts: datetime, ends: datetime, reason: str, zone: tzinfo
) -> list[str]:
    """The notice template's variables (sectors, start, end, reason), checked. The reason
    loses a final period: the template puts one after it («lavado de tanque..»)."""
    values = [
        spanish_list(sectors),
        spanish_moment(starts.astimezone(zone)),
        spanish_moment(ends.astimezone(zone)),
        reason.rstrip().rstrip(".").rstrip(),
    ]
    check_parameters(values, NOTICE_FIELDS)
    return values


def add_and_notify(
    database: Database,
    add_notice: Callable[[sa.Connection], int],
    sector: str,
    starts: datetime,
    ends: datetime,
    reason: str,
    sectors_path: Path,
    settings: NoticeSettings,
    zone: tzinfo,
    now: datetime,
    created_by: str = "",
) -> Notified:
    """Add a notice (`add_notice` stores it and gives its id; for `avisos notificar`, it finds
    the open notice already stored) and queue it, with the notice template, for every
    subscriber of its sectors: both or neither; a notice already sent is refused. Bad sectors or template
    variables are refused (BadInput) before anything is stored."""
    sectors = listed_sectors(sectors_path, sector)
    spellings = spellings_of(sectors_path, sector)
    parameters = notice_parameters(sectors, starts, ends, reason, zone)
    with database.session(write=True) as session:
        connection = session.connection()
        notice_id = add_notice(connection)
        if _notified(connection, notice_id):  # `avisos notificar` twice: the key would refuse
            raise BadInput(
                f"el aviso {notice_id} ya se envió por WhatsApp; siga el envío con «conectados "
                f"avisos estado {notice_id}»",
                "ID",
            )
        _, queued = broadcasts.create(
            connection,
            BroadcastKind.NOTICE,
            Purpose.NOTICES,
            sectors,
            settings.notice_template,
            settings.template_language,
            parameters,
            now,
            notice_id=notice_id,
            created_by=created_by,
            sector_spellings=spellings,
        )
    return Notified(notice_id, sectors, queued)


def _notified(connection: sa.Connection, notice_id: int) -> bool:
    """Whether the notice already has its WhatsApp broadcast."""
    return (
        connection.execute(
            sa.select(Broadcast.id).where(
                Broadcast.notice_id == notice_id, Broadcast.kind == BroadcastKind.NOTICE
            )
        ).first()
        is not None
    )


def close_and_notify(
    database: Database,
    close_notice: Callable[[sa.Connection], bool],
    notice_id: int,
    sector: str,
    sectors_path: Path,
    settings: NoticeSettings,
    now: datetime,
    created_by: str = "",
) -> Notified | None:
    """Close a notice (`close_notice`: whether this call closed it) and queue the "service
    restored" template for the subscribers of the sectors it was sent to (`sector`, the
    notice's own text, read from the list when it was never sent): both or neither. None
    when it was not open."""
    with database.session(write=True) as session:
        connection = session.connection()
        if not close_notice(connection):
            return None
        sent = connection.execute(
            sa.select(Broadcast.id, Broadcast.sectors, Broadcast.sector_spellings).where(
                Broadcast.notice_id == notice_id, Broadcast.kind == BroadcastKind.NOTICE
            )
        ).first()
        if sent is not None:
            # «No habrá agua» must not go out once the water is back; «restablecido» goes
            # only to those who got the notice (and still want notices).
            deliveries.expire_open(connection, sent.id)
            sectors = list(sent.sectors or [])
            spellings = list(sent.sector_spellings or sectors)
            only = broadcasts.notified(notice_id)
        else:
            sectors = listed_sectors(sectors_path, sector)
            spellings, only = spellings_of(sectors_path, sector), None
        parameters = [spanish_list(sectors)]
        check_parameters(parameters, NOTICE_FIELDS[:1])
        _, queued = broadcasts.create(
            connection,
            BroadcastKind.RESTORED,
            Purpose.NOTICES,
            sectors,
            settings.restored_template,
            settings.template_language,
            parameters,
            now,
            notice_id=notice_id,
            created_by=created_by,
            sector_spellings=spellings,
            only_subscribers=only,
        )
    return Notified(notice_id, sectors, queued)
