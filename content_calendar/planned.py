"""The plan as the calendar commands show it: what is already imported, each publication as a
list or a page shows it, and the month a preview opens on."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from conectados.db import Database
from content_calendar.check import CalendarChecker, CalendarEntry, CheckResult, KnownPost
from content_calendar.models import Post
from content_calendar.preview import PreviewItem
from content_calendar.schedule import STATE_NAMES, Row, list_publications


def known_posts(database: Database) -> dict[str, KnownPost]:
    """What the database already has; nothing when it is not set up (check works without).
    Raises DatabaseError when the database cannot be asked."""
    if not database.schema_state().is_current:
        return {}
    with database.session() as session:
        rows = session.exec(select(Post.id, Post.scheduled_at, Post.source_file, Post.source_line))
        return {row[0]: KnownPost(row[1], row[2], row[3]) for row in rows}


def row_data(row: Row, zone: ZoneInfo) -> dict:
    """One publication as `calendar list` and `show` print it (and their --json)."""
    post, publication = row.post, row.publication
    return {
        "id": post.id,
        "fecha": post.scheduled_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "red": publication.network,
        "estado": STATE_NAMES[publication.state],
        "intentos": publication.attempts,
        "enlace": publication.remote_url,
        "error": publication.last_error,
        "campana": post.campaign,
        "texto": post.variants.get(publication.network) or post.text,
    }


def file_items(result: CheckResult) -> list[PreviewItem]:
    """A checked file's posts for the preview, those with errors too (with their problems)."""
    return [
        PreviewItem(entry, result.problems_of(entry))
        for entry in [*result.entries, *result.rejected]
    ]


def database_items(database: Database, checker: CalendarChecker) -> list[PreviewItem]:
    """The imported posts for the preview, checked again against today's rules."""
    rows_by_post: dict[str, list[Row]] = {}
    for row in list_publications(database):
        rows_by_post.setdefault(row.post.id, []).append(row)
    items = []
    for rows in rows_by_post.values():
        post = rows[0].post
        entry = CalendarEntry(
            id=post.id,
            scheduled_at=post.scheduled_at,
            networks=tuple(row.publication.network for row in rows),
            text=post.text,
            variants=dict(post.variants or {}),
            media=tuple(post.media or ()),
            campaign=post.campaign,
            source_file=post.source_file,
            line=post.source_line,
        )
        states = {row.publication.network: STATE_NAMES[row.publication.state] for row in rows}
        items.append(PreviewItem(entry, checker.recheck(entry), states))
    return items


def first_month(items: list[PreviewItem], now: datetime, zone: ZoneInfo) -> str:
    """AAAA-MM of the next post to go out (or of the first one, when all went out)."""
    upcoming = [i.entry.scheduled_at for i in items if i.entry.scheduled_at >= now]
    first = min(upcoming or [i.entry.scheduled_at for i in items])
    return f"{first.astimezone(zone):%Y-%m}"
