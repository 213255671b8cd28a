"""Importing a checked calendar: one transaction, idempotent, never touching what went out."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from conectados.db import Database
from content_calendar.check import CalendarEntry, CheckResult
from content_calendar.models import Post, Publication, PublicationState
from content_calendar.publications import cancel, reschedule_waiting, schedule
from content_calendar.schedule import STATE_NAMES

LOCKED_STATES = (PublicationState.PUBLISHING, PublicationState.PUBLISHED)


@dataclass
class ImportReport:
    """What an import did, entry by entry."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or self.cancelled)


def _content(post: sa.Row, networks: set[str]) -> tuple:
    return (
        post.text,
        dict(post.variants or {}),
        tuple(post.media or ()),
        post.scheduled_at,
        post.campaign,
        frozenset(networks),
    )


def _entry_content(entry: CalendarEntry, cancelled: set[str]) -> tuple:
    return (
        entry.text,
        dict(entry.variants),
        entry.media,
        entry.scheduled_at,
        entry.campaign,
        frozenset(entry.networks) - cancelled,
    )


def import_calendar(
    database: Database,
    result: CheckResult,
    source: str,
    now: datetime,
    cancel_missing: bool = False,
) -> ImportReport:
    """Apply a calendar whose check found no errors; all of it or, on any failure, none.

    Works on plain rows (not ORM objects) and inserts in bulk: a 10,000-entry calendar is
    compared and written in about a second.
    """
    if result.errors:
        raise ValueError("a calendar with errors cannot be imported")
    report = ImportReport()
    entries = {entry.id: entry for entry in result.entries}
    with database.session(write=True) as session:
        connection = session.connection()
        posts = {
            row.id: row
            for row in connection.execute(
                sa.select(*POST_COLUMNS).where(
                    sa.or_(Post.id.in_(list(entries)), Post.source_file == source)
                )
            )
        }
        publications: dict[str, dict[str, sa.Row]] = defaultdict(dict)
        if posts:
            for row in connection.execute(
                # On PostgreSQL, lock them: a daemon claiming one meanwhile waits (or skips it).
                sa.select(*PUBLICATION_COLUMNS)
                .where(Publication.post_id.in_(list(posts)))
                .with_for_update()
            ):
                publications[row.post_id][row.network] = row
        new_posts, new_publications = [], []
        for entry in result.entries:
            post = posts.get(entry.id)
            if post is None:
                new_posts.append(_post_row(entry, source, now))
                new_publications += [
                    (entry.id, network, entry.scheduled_at) for network in entry.networks
                ]
                report.created.append(entry.id)
                continue
            existing = publications[entry.id]
            # A cancelled network stays cancelled whether the file still lists it or not.
            cancelled = {n for n, p in existing.items() if p.state == PublicationState.CANCELLED}
            if _content(post, set(existing) - cancelled) == _entry_content(entry, cancelled):
                report.unchanged.append(entry.id)
                continue
            locked = sorted(n for n, p in existing.items() if p.state in LOCKED_STATES)
            if locked:
                report.notes.append(
                    f"{entry.id}: ya se publicó en {', '.join(locked)}; sus cambios no se aplican "
                    "(lo publicado no se modifica desde Conectados)"
                )
                report.unchanged.append(entry.id)
                continue
            _update(connection, entry, existing, source, now, report)
            report.updated.append(entry.id)
        if new_posts:
            connection.execute(sa.insert(Post.__table__), new_posts)
            schedule(connection, new_publications)
        for post_id, post in posts.items():
            if post_id in entries or post.source_file != source:
                continue
            pending = [
                p for p in publications[post_id].values() if p.state == PublicationState.SCHEDULED
            ]
            if not pending:
                continue
            report.missing.append(post_id)
            if cancel_missing:
                _cancel(connection, pending)
                report.cancelled.append(post_id)
    return report


POST_COLUMNS = (
    Post.id,
    Post.text,
    Post.variants,
    Post.media,
    Post.scheduled_at,
    Post.campaign,
    Post.source_file,
)
PUBLICATION_COLUMNS = (Publication.id, Publication.post_id, Publication.network, Publication.state)


def _post_row(entry: CalendarEntry, source: str, now: datetime) -> dict:
    return {
        "id": entry.id,
        "text": entry.text,
        "variants": dict(entry.variants),
        "media": list(entry.media),
        "scheduled_at": entry.scheduled_at,
        "campaign": entry.campaign,
        "source_file": source,
        "source_line": entry.line,
        "created_at": now,
        "updated_at": now,
    }


def _update(
    connection: sa.Connection,
    entry: CalendarEntry,
    existing: dict[str, sa.Row],
    source: str,
    now: datetime,
    report: ImportReport,
) -> None:
    connection.execute(
        sa.update(Post)
        .where(Post.id == entry.id)
        .values(
            text=entry.text,
            variants=dict(entry.variants),
            media=list(entry.media),
            scheduled_at=entry.scheduled_at,
            campaign=entry.campaign,
            source_file=source,
            source_line=entry.line,
            updated_at=now,
        )
    )
    for network in entry.networks:
        publication = existing.get(network)
        if publication is None:
            schedule(connection, [(entry.id, network, entry.scheduled_at)])
        elif publication.state == PublicationState.SCHEDULED:
            # A new time gets a fresh budget of attempts; one a daemon claimed meanwhile stays.
            reschedule_waiting(connection, publication.id, entry.scheduled_at)
        else:
            report.notes.append(
                f"{entry.id}: en {network} quedó {STATE_NAMES[publication.state]}; para volver a "
                "programarla use un id nuevo"
            )
    removed = [
        p
        for n, p in existing.items()
        if n not in entry.networks and p.state == PublicationState.SCHEDULED
    ]
    _cancel(connection, removed)


def _cancel(connection: sa.Connection, waiting: list[sa.Row]) -> None:
    for publication in waiting:
        cancel(connection, publication.id)


def report_lines(
    report: ImportReport, file: str, how_to_cancel: str, cancel_missing: bool
) -> list[str]:
    """What an import did, in the words `calendar import` and the web office both use:
    warnings, the scheduled posts the file no longer has (and `how_to_cancel` them), the
    cancelled ones, then the counts (`file` as the person knows it)."""
    lines = [f"Advertencia: {note}" for note in report.notes]
    if report.missing and not cancel_missing:
        missing = len(report.missing)
        lines.append(
            f"{_count(missing, 'publicación programada', 'publicaciones programadas')} de este "
            f"archivo ya no {'está' if missing == 1 else 'están'} en él: "
            f"{', '.join(report.missing)}. Siguen programadas; para cancelarlas {how_to_cancel}."
        )
    if report.cancelled:
        lines.append(f"Canceladas por no estar en el archivo: {', '.join(report.cancelled)}.")
    if not report.changed_anything:
        unchanged = len(report.unchanged)
        lines.append(
            "Sin cambios: "
            + (
                "la publicación ya estaba al día."
                if unchanged == 1
                else f"las {unchanged} publicaciones ya estaban al día."
            )
        )
    else:
        lines.append(
            f"Importado {file}: {_count(len(report.created), 'nueva', 'nuevas')}, "
            f"{_count(len(report.updated), 'actualizada', 'actualizadas')}, "
            f"{len(report.unchanged)} sin cambios."
        )
    return lines


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
