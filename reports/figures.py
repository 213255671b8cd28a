"""The month in figures: what was published and how far it went, what citizens asked, how fast
they were answered, and whether every PQR was answered in term.

Reads the tables only (it never changes them). Every figure is computed in SQL over indexed
columns, so a month with a million interactions takes seconds.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from content_calendar.models import Post, Publication, PublicationState
from responders.models import (
    Interaction,
    InteractionState,
    Reply,
    ReplyKind,
    ReplyState,
    Ticket,
    TicketStatus,
)
from scheduler.models import MetricSample

AUTOMATIC = "automático"
"""The reviewer the responder records on what it sent on its own (responders.service)."""
LATE = timedelta(minutes=10)
"""A post that went out more than this after its time counts as late."""
NOT_REQUESTS = ("saludo",)
"""Protocols whose messages are not requests (greetings, thanks)."""
REACH_DEFINITIONS = {
    "facebook": "personas únicas que vieron cada publicación (insights «post_impressions_unique»), "
    "sumadas publicación por publicación: una persona que vio dos publicaciones cuenta dos veces",
    "x": "no informa alcance (personas únicas); cuentan sus visualizaciones (impressions)",
}
METRICS = ("reach", "views", "reactions", "comments", "shares", "clicks")


@dataclass
class Period:
    start: date
    end: date
    """The first day after the period."""
    zone: ZoneInfo

    @property
    def first(self) -> datetime:
        return datetime.combine(self.start, time(), self.zone)

    @property
    def last(self) -> datetime:
        return datetime.combine(self.end, time(), self.zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same length just before (the previous calendar month for a month)."""
        if self.start.day == 1 and self.end == _next_month(self.start):
            before = (self.start - timedelta(days=1)).replace(day=1)
            return Period(before, self.start, self.zone)
        return Period(self.start - (self.end - self.start), self.start, self.zone)

    @property
    def label(self) -> str:
        if self.start.day == 1 and self.end == _next_month(self.start):
            return f"{MONTHS[self.start.month - 1]} de {self.start.year}"
        return f"del {self.start:%Y-%m-%d} al {self.end - timedelta(days=1):%Y-%m-%d}"


MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month(text: str, zone: ZoneInfo) -> Period:
    first = datetime.strptime(text, "%Y-%m").date()
    return Period(first, _next_month(first), zone)


@dataclass
class NetworkFigures:
    network: str
    published: int = 0
    failed: int = 0
    late: int = 0
    reach: int = 0
    views: int = 0
    reactions: int = 0
    comments: int = 0
    shares: int = 0
    clicks: int = 0

    @property
    def interactions(self) -> int:
        return self.reactions + self.comments + self.shares + self.clicks

    @property
    def engagement_rate(self) -> float | None:
        """Interactions per view (or per person reached where views are not reported)."""
        base = self.views or self.reach
        return self.interactions / base if base else None


@dataclass
class BestPost:
    network: str
    post_id: str
    text: str
    url: str | None
    views: int
    interactions: int


@dataclass
class Report:
    company: str
    period: Period
    networks: dict[str, NetworkFigures] = field(default_factory=dict)
    best_posts: list[BestPost] = field(default_factory=list)
    reach_by_day: dict[str, dict[str, int]] = field(default_factory=dict)
    """network -> day -> views+reach collected by the end of that day (how it grew)."""
    requests_by_day: dict[str, int] = field(default_factory=dict)
    requests_by_channel: dict[str, int] = field(default_factory=dict)
    requests_by_protocol: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    answered_automatically: int = 0
    answered: int = 0
    first_answer_minutes: list[float] = field(default_factory=list)
    pending_replies_at_end: int = 0
    tickets_by_type: dict[str, int] = field(default_factory=dict)
    tickets_by_causal: dict[str, int] = field(default_factory=dict)
    tickets: int = 0
    tickets_due: int = 0
    tickets_in_term: int = 0
    overdue: list[dict[str, str]] = field(default_factory=list)
    previous: Report | None = None

    # --- headline figures -----------------------------------------------------------

    @property
    def total(self) -> NetworkFigures:
        total = NetworkFigures("total")
        for figures in self.networks.values():
            for name in ("published", "failed", "late", *METRICS):
                setattr(total, name, getattr(total, name) + getattr(figures, name))
        return total

    @property
    def requests_per_day(self) -> float:
        return self.requests / self.period.days if self.period.days else 0.0

    @property
    def automatic_share(self) -> float | None:
        return self.answered_automatically / self.requests if self.requests else None

    @property
    def median_first_answer(self) -> float | None:
        return statistics.median(self.first_answer_minutes) if self.first_answer_minutes else None

    @property
    def p90_first_answer(self) -> float | None:
        values = sorted(self.first_answer_minutes)
        if not values:
            return None
        return values[min(len(values) - 1, max(0, round(0.9 * len(values)) - 1))]

    @property
    def in_term_share(self) -> float | None:
        return self.tickets_in_term / self.tickets_due if self.tickets_due else None

    def headline(self) -> dict[str, float | int | None]:
        total = self.total
        return {
            "publicaciones": total.published,
            "publicaciones_fallidas": total.failed,
            "publicaciones_tarde": total.late,
            "alcance": total.reach,
            "visualizaciones": total.views,
            "interacciones": total.interactions,
            "tasa_interaccion": total.engagement_rate,
            "solicitudes": self.requests,
            "solicitudes_por_dia": round(self.requests_per_day, 1),
            "respuestas_automaticas": self.automatic_share,
            "minutos_primera_respuesta_mediana": self.median_first_answer,
            "minutos_primera_respuesta_p90": self.p90_first_answer,
            "respuestas_pendientes_al_cierre": self.pending_replies_at_end,
            "pqr_radicadas": self.tickets,
            "pqr_en_termino": self.in_term_share,
            "pqr_vencidas": len(self.overdue),
        }

    def as_dict(self) -> dict:
        return {
            "empresa": self.company,
            "periodo": {
                "desde": self.period.start.isoformat(),
                "hasta": (self.period.end - timedelta(days=1)).isoformat(),
            },
            "cifras": self.headline(),
            "mes_anterior": self.previous.headline() if self.previous else None,
            "redes": {
                name: {
                    **asdict(figures),
                    "tasa_interaccion": figures.engagement_rate,
                    "definicion_alcance": REACH_DEFINITIONS.get(name, ""),
                }
                for name, figures in self.networks.items()
            },
            "mejores_publicaciones": [asdict(post) for post in self.best_posts],
            "solicitudes_por_dia": self.requests_by_day,
            "solicitudes_por_canal": self.requests_by_channel,
            "solicitudes_por_protocolo": self.requests_by_protocol,
            "pqr_por_tipo": self.tickets_by_type,
            "pqr_por_causal": self.tickets_by_causal,
            "pqr_vencidas": self.overdue,
        }


# --- building the report -----------------------------------------------------------------


def build_report(
    connection: sa.Connection,
    period: Period,
    company: str,
    networks: tuple[str, ...] = ("facebook", "x"),
    with_previous: bool = True,
    now: datetime | None = None,
) -> Report:
    report = Report(company, period)
    report.networks = {name: NetworkFigures(name) for name in networks}
    _publications(connection, report)
    _reach(connection, report)
    _requests(connection, report)
    _answers(connection, report)
    _tickets(connection, report, now)
    if with_previous:
        report.previous = build_report(
            connection, period.previous(), company, networks, with_previous=False, now=now
        )
    return report


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
            Post.scheduled_at >= period.first,
            Post.scheduled_at < period.last,
        )
        .group_by(Publication.network)
    ).all()
    for network, count in failed:
        _figures(report, network).failed = count


def _latest_samples(period: Period):
    """Each publication of the period with its latest sample (collected by the period's end
    plus a week, so late-arriving figures of the last days still count)."""
    cutoff = period.last + timedelta(days=7)
    latest = (
        sa.select(
            MetricSample.publication_id,
            sa.func.max(MetricSample.collected_at).label("collected_at"),
        )
        .join(Publication, Publication.id == MetricSample.publication_id)
        .where(
            Publication.published_at >= period.first,
            Publication.published_at < period.last,
            MetricSample.collected_at < cutoff,
        )
        .group_by(MetricSample.publication_id)
        .subquery()
    )
    return (
        sa.select(
            *(getattr(MetricSample, name) for name in METRICS),
            Publication.network,
            Publication.post_id,
            Publication.remote_url,
        )
        .join(
            latest,
            sa.and_(
                latest.c.publication_id == MetricSample.publication_id,
                latest.c.collected_at == MetricSample.collected_at,
            ),
        )
        .join(Publication, Publication.id == MetricSample.publication_id)
    )


def _reach(connection: sa.Connection, report: Report) -> None:
    period = report.period
    posts = []
    for row in connection.execute(_latest_samples(period)):
        figures = _figures(report, row.network)
        values = {name: getattr(row, name) or 0 for name in METRICS}
        for name, value in values.items():
            setattr(figures, name, getattr(figures, name) + value)
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
            )
        )
    texts = dict(
        connection.execute(
            sa.select(Post.id, Post.text).where(Post.id.in_({post[1] for post in posts}))
        ).all()
    ) if posts else {}  # fmt: skip
    posts.sort(key=lambda post: (-post[4], -post[3], post[1]))
    report.best_posts = [
        BestPost(network, post_id, texts.get(post_id, ""), url, views, interactions)
        for network, post_id, url, views, interactions in posts[:5]
    ]
    # How it grew: per network and day, the figures of the period's posts as of that day.
    latest_by_day: dict[str, dict[tuple[str, int], int]] = {}
    rows = connection.execute(
        sa.select(
            Publication.network,
            MetricSample.publication_id,
            MetricSample.collected_at,
            sa.func.coalesce(MetricSample.views, MetricSample.reach, 0),
        )
        .join(Publication, Publication.id == MetricSample.publication_id)
        .where(
            Publication.published_at >= period.first,
            Publication.published_at < period.last,
            MetricSample.collected_at < period.last,
        )
    )
    for network, publication_id, collected_at, value in rows:
        key = collected_at.astimezone(period.zone).date().isoformat()
        latest_by_day.setdefault(key, {})[(network, publication_id)] = value
    running: dict[tuple[str, int], int] = {}
    for key in sorted(latest_by_day):
        running.update(latest_by_day[key])
        for network in report.networks:
            report.reach_by_day.setdefault(network, {})[key] = sum(
                value for (name, _), value in running.items() if name == network
            )


def _requests_filter(period: Period):
    return (
        Interaction.written_at >= period.first,
        Interaction.written_at < period.last,
        Interaction.state != InteractionState.IGNORED,
        sa.or_(Interaction.protocol.is_(None), Interaction.protocol.not_in(NOT_REQUESTS)),
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
        channel = f"{network} ({CHANNEL_NAMES.get(kind.value, kind.value)})"
        by_channel[channel] = by_channel.get(channel, 0) + 1
        name = protocol or "sin protocolo"
        by_protocol[name] = by_protocol.get(name, 0) + 1
    day = period.start
    while day < period.end:
        by_day.setdefault(day.isoformat(), 0)
        day += timedelta(days=1)
    report.requests = total
    report.requests_by_day = dict(sorted(by_day.items()))
    report.requests_by_channel = dict(sorted(by_channel.items(), key=lambda item: -item[1]))
    report.requests_by_protocol = dict(sorted(by_protocol.items(), key=lambda item: -item[1]))


CHANNEL_NAMES = {"comment": "comentarios", "mention": "menciones", "message": "mensajes privados"}


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


def _tickets(connection: sa.Connection, report: Report, now: datetime | None) -> None:
    period = report.period
    end_day = period.end
    today = (now or datetime.now(period.zone)).astimezone(period.zone).date()
    cutoff = min(end_day, today)
    rows = connection.execute(
        sa.select(
            Ticket.radicado,
            Ticket.type,
            Ticket.causal,
            Ticket.due_date,
            Ticket.answered_at,
            Ticket.status,
        ).where(Ticket.filed_at >= period.first, Ticket.filed_at < period.last)
        .order_by(Ticket.year, Ticket.sequence)
    )  # fmt: skip
    for radicado, kind, causal, due, answered_at, status in rows:
        report.tickets += 1
        report.tickets_by_type[kind] = report.tickets_by_type.get(kind, 0) + 1
        if causal:
            report.tickets_by_causal[causal] = report.tickets_by_causal.get(causal, 0) + 1
        answered_on = answered_at.astimezone(period.zone).date() if answered_at else None
        if answered_on is not None or due < cutoff:
            # Its term has run out, or it was answered: it counts for "answered in term".
            report.tickets_due += 1
            if answered_on is not None and answered_on <= due:
                report.tickets_in_term += 1
        late_answer = answered_on is not None and answered_on > due
        still_open = status == TicketStatus.OPEN and due < cutoff
        if late_answer or still_open:
            report.overdue.append(
                {
                    "radicado": radicado,
                    "tipo": kind,
                    "vencia": due.isoformat(),
                    "respondida": answered_on.isoformat() if answered_on else "",
                }
            )
