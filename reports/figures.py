"""The month in figures: what was published and how far it went, what citizens asked, how fast
they were answered, and whether every PQR was answered in term.

Reads the tables only (it never changes them). Every figure is computed in SQL over indexed
columns, so a month with a million interactions takes seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from channels.specs import broadcast_networks, display_name, publishing_networks, spec
from content_calendar.models import Post, Publication, PublicationState
from reports.automatic_figures import count_automatic
from reports.notice_figures import count_notices, subscription_message
from reports.period import Period, month
from reports.pqr_figures import count_decisions, count_tickets
from reports.report import (
    CHANNEL_NAMES,
    METRICS,
    NO_PROTOCOL,
    BestPost,
    NetworkFigures,
    Report,
)
from responders.models import (
    AUTOMATIC,
    Interaction,
    InteractionState,
    Reply,
    ReplyKind,
    ReplyState,
)
from scheduler.models import MetricSample

# The demo and the benchmarks build a report from a month with these names alone.
__all__ = ["Period", "Report", "build_report", "month"]

LATE = timedelta(minutes=10)
"""A post that went out more than this after its time counts as late."""
NOT_REQUESTS = ("saludo",)
"""Protocols whose messages are not requests (greetings, thanks)."""


# --- building the report -----------------------------------------------------------------


def build_report(
    connection: sa.Connection,
    period: Period,
    company: str,
    networks: tuple[str, ...] = publishing_networks(),
    with_previous: bool = True,
    now: datetime | None = None,
    protocol_names: dict[str, str] | None = None,
) -> Report:
    report = Report(company, period, protocol_names=dict(protocol_names or {}))
    moment = now or datetime.now(period.zone)
    report.generated_at = moment
    today = moment.astimezone(period.zone).date()
    report.days_counted = min(max((today - period.start).days + 1, 0), period.days)
    # Only the networks the calendar publishes on have posts to count; WhatsApp's go to its
    # subscribers and are counted with the notices.
    report.networks = {name: NetworkFigures(name) for name in networks if name in page_networks()}
    _publications(connection, report)
    _reach(connection, report)
    _requests(connection, report)
    _answers(connection, report)
    count_tickets(connection, report, now)
    count_decisions(connection, report)
    report.notices = count_notices(connection, period)
    report.automatic = count_automatic(connection, period, _requests_filter, now)
    if with_previous:
        report.previous = build_report(
            connection, period.previous(), company, networks, with_previous=False, now=now
        )
    return report


def page_networks() -> tuple[str, ...]:
    """The calendar's networks whose posts go on a page (not WhatsApp's broadcasts)."""
    return tuple(name for name in publishing_networks() if name not in broadcast_networks())


def _figures(report: Report, network: str) -> NetworkFigures:
    if network not in report.networks:
        report.networks[network] = NetworkFigures(network)
    return report.networks[network]


def _publications(connection: sa.Connection, report: Report) -> None:
    period = report.period
    published = connection.execute(
        sa.select(Publication.network, Publication.published_at, Post.scheduled_at)
        .join(Post, Post.id == Publication.post_id)
        .where(
            Publication.state == PublicationState.PUBLISHED,
            Publication.network.in_(page_networks()),
            Publication.published_at >= period.first,
            Publication.published_at < period.last,
        )
    )
    for network, published_at, scheduled_at in published:
        figures = _figures(report, network)
        figures.published += 1
        if published_at - scheduled_at > LATE:
            figures.late += 1
    failed = connection.execute(
        sa.select(Publication.network, sa.func.count())
        .join(Post, Post.id == Publication.post_id)
        .where(
            Publication.state == PublicationState.FAILED,
            Publication.network.in_(page_networks()),
            Post.scheduled_at >= period.first,
            Post.scheduled_at < period.last,
        )
        .group_by(Publication.network)
    ).all()
    for network, count in failed:
        _figures(report, network).failed = count


def _latest_samples(period: Period):
    """Each publication of the period with its figures: figures only grow, so the largest one
    reported by the period's end plus a week (late figures of the last days still count) is the
    latest, and a sample where the network left one out does not wipe it."""
    cutoff = period.last + timedelta(days=7)
    return (
        sa.select(
            *(sa.func.max(getattr(MetricSample, name)).label(name) for name in METRICS),
            # Null where no sample reported saves: the network has none to report (unknown).
            sa.func.max(MetricSample.saved).label("saved"),
            Publication.network,
            Publication.post_id,
            Publication.remote_url,
        )
        .join(Publication, Publication.id == MetricSample.publication_id)
        .where(
            Publication.published_at >= period.first,
            Publication.published_at < period.last,
            MetricSample.collected_at < cutoff,
        )
        .group_by(
            MetricSample.publication_id,
            Publication.network,
            Publication.post_id,
            Publication.remote_url,
        )
    )


def _reach(connection: sa.Connection, report: Report) -> None:
    period = report.period
    posts = []
    # Reach is unknown (None) for a network until one of its samples reports it: X's API has
    # no reach at all, and a network that published but reported nothing yet is no 0 either.
    reported = set()
    for row in connection.execute(_latest_samples(period)):
        figures = _figures(report, row.network)
        if row.reach is not None:
            reported.add(row.network)
        values = {name: getattr(row, name) or 0 for name in METRICS}
        for name, value in values.items():
            setattr(figures, name, getattr(figures, name) + value)
        if row.saved is not None:
            figures.saved = (figures.saved or 0) + row.saved
        interactions = (
            values["reactions"] + values["comments"] + values["shares"] + values["clicks"]
        )
        posts.append(
            (
                row.network,
                row.post_id,
                row.remote_url,
                values["views"] or values["reach"],
                interactions,
                row.saved,
            )
        )
    for name, figures in report.networks.items():
        if name not in reported and (figures.published or not spec(name).reports_reach):
            figures.reach = None
    texts = dict(
        connection.execute(
            sa.select(Post.id, Post.text).where(Post.id.in_({post[1] for post in posts}))
        ).all()
    ) if posts else {}  # fmt: skip
    posts.sort(key=lambda post: (-post[4], -post[3], post[1]))
    report.best_posts = [
        BestPost(network, post_id, texts.get(post_id, ""), url, views, interactions, saved)
        for network, post_id, url, views, interactions, saved in posts[:5]
    ]
    # How it grew: per network, the views (or reach) of the period's posts as of each day.
    latest_by_day: dict[str, dict[tuple[str, int], int]] = {}
    rows = connection.execute(
        sa.select(
            Publication.network,
            MetricSample.publication_id,
            MetricSample.collected_at,
            sa.func.coalesce(MetricSample.views, MetricSample.reach),
        )
        .join(Publication, Publication.id == MetricSample.publication_id)
        .where(
            Publication.published_at >= period.first,
            Publication.published_at < period.last,
            MetricSample.collected_at < period.last,
        )
    )
    for network, publication_id, collected_at, value in rows:
        if value is None:
            continue
        key = collected_at.astimezone(period.zone).date().isoformat()
        seen = latest_by_day.setdefault(key, {})
        seen[(network, publication_id)] = max(value, seen.get((network, publication_id), 0))
    if not latest_by_day:
        return
    running: dict[tuple[str, int], int] = {}
    day = period.start
    last_day = period.start + timedelta(days=max(report.days_counted, 1) - 1)
    while day <= last_day:
        for key_value in latest_by_day.get(day.isoformat(), {}).items():
            key, value = key_value
            running[key] = max(value, running.get(key, 0))
        for network in report.networks:
            report.reach_by_day.setdefault(network, {})[day.isoformat()] = sum(
                value for (name, _), value in running.items() if name == network
            )
        day += timedelta(days=1)


def _requests_filter(period: Period):
    """What citizens asked: everything but what the responder left on its own (spam, our own
    text) and the subscription messages (counted with the notices). A message a person decided
    on counts whatever they decided: a rejected draft leaves the message "ignored", but it had
    a draft, so it was a request."""
    drafted = sa.exists().where(Reply.interaction_id == Interaction.id)
    return (
        Interaction.written_at >= period.first,
        Interaction.written_at < period.last,
        sa.or_(Interaction.state != InteractionState.IGNORED, drafted),
        sa.or_(Interaction.protocol.is_(None), Interaction.protocol.not_in(NOT_REQUESTS)),
        sa.not_(subscription_message()),
    )


def _requests(connection: sa.Connection, report: Report) -> None:
    period = report.period
    where = _requests_filter(period)
    rows = connection.execute(
        sa.select(
            Interaction.written_at, Interaction.network, Interaction.kind, Interaction.protocol
        ).where(*where)
    )
    by_day: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    by_protocol: dict[str, int] = {}
    total = 0
    for written_at, network, kind, protocol in rows:
        total += 1
        key = written_at.astimezone(period.zone).date().isoformat()
        by_day[key] = by_day.get(key, 0) + 1
        channel = f"{display_name(network)} ({CHANNEL_NAMES.get(kind.value, kind.value)})"
        by_channel[channel] = by_channel.get(channel, 0) + 1
        name = protocol or NO_PROTOCOL
        by_protocol[name] = by_protocol.get(name, 0) + 1
    day = period.start
    while day < period.end:
        by_day.setdefault(day.isoformat(), 0)
        day += timedelta(days=1)
    report.requests = total
    report.requests_by_day = dict(sorted(by_day.items()))
    report.requests_by_channel = dict(sorted(by_channel.items(), key=lambda item: -item[1]))
    report.requests_by_protocol = dict(sorted(by_protocol.items(), key=lambda item: -item[1]))


def _answers(connection: sa.Connection, report: Report) -> None:
    period = report.period
    first = (
        sa.select(
            Reply.interaction_id,
            sa.func.min(Reply.sent_at).label("sent_at"),
            sa.func.max(
                sa.case(
                    (sa.and_(Reply.reviewer == AUTOMATIC, Reply.kind == ReplyKind.ANSWER), 1),
                    else_=0,
                )
            ).label("automatic"),
        )
        .where(Reply.state == ReplyState.SENT)
        .group_by(Reply.interaction_id)
        .subquery()
    )
    rows = connection.execute(
        sa.select(Interaction.written_at, first.c.sent_at, first.c.automatic)
        .join(first, first.c.interaction_id == Interaction.id)
        .where(*_requests_filter(period))
    )
    for written_at, sent_at, automatic in rows:
        report.answered += 1
        report.answered_automatically += int(automatic or 0)
        report.first_answer_minutes.append(max(0.0, (sent_at - written_at).total_seconds() / 60))
    report.pending_replies_at_end = connection.execute(
        sa.select(sa.func.count())
        .select_from(Reply)
        .where(
            Reply.created_at < period.last,
            sa.or_(
                Reply.state.in_((ReplyState.PENDING, ReplyState.APPROVED, ReplyState.SENDING)),
                Reply.sent_at >= period.last,
                Reply.decided_at >= period.last,
            ),
        )
    ).scalar_one()
