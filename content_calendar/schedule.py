"""What is planned and how it went: listing publications, and cancelling before they go out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from conectados.db import Database
from content_calendar.models import Post, Publication, PublicationState
from content_calendar.publications import cancel

STATE_NAMES = {
    PublicationState.SCHEDULED: "programada",
    PublicationState.PUBLISHING: "publicándose",
    PublicationState.PUBLISHED: "publicada",
    PublicationState.FAILED: "fallida",
    PublicationState.CANCELLED: "cancelada",
}
STATES_BY_NAME = {name: state for state, name in STATE_NAMES.items()} | {
    state.value: state for state in PublicationState
}


@dataclass(frozen=True)
class Row:
    """One publication with its post, as the list shows it."""

    post: Post
    publication: Publication


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first instant of a month (AAAA-MM) and of the next one, in the company's zone."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime.combine(date(year, number, 1), time(), zone)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def list_publications(
    database: Database,
    month: str | None = None,
    zone: ZoneInfo | None = None,
    network: str | None = None,
    states: tuple[PublicationState, ...] = (),
    post_id: str | None = None,
) -> list[Row]:
    query = select(Post, Publication).join(Publication, Publication.post_id == Post.id)
    if month and zone:
        start, end = month_bounds(month, zone)
        query = query.where(Post.scheduled_at >= start, Post.scheduled_at < end)
    if network:
        query = query.where(Publication.network == network)
    if states:
        query = query.where(Publication.state.in_(states))
    if post_id is not None:
        query = query.where(Post.id == post_id)
    query = query.order_by(Post.scheduled_at, Post.id, Publication.network)
    with database.session() as session:
        return [Row(post, publication) for post, publication in session.exec(query)]


def cancel_post(
    database: Database, post_id: str, network: str | None = None
) -> tuple[list[str], list[Row]]:
    """Cancel the post's publications still waiting; return the networks cancelled and the
    publications that could not be (already out, failed, or cancelled before)."""
    cancelled, kept = [], []
    with database.session(write=True) as session:
        rows = session.exec(
            select(Post, Publication)
            .join(Publication, Publication.post_id == Post.id)
            .where(Post.id == post_id, *([Publication.network == network] if network else []))
        ).all()
        for post, publication in rows:
            if cancel(session.connection(), publication.id):
                cancelled.append(publication.network)
            else:
                kept.append(Row(post, publication))
    return cancelled, kept
