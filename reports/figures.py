"""The month in figures: what was published and how far it went, what citizens asked, how fast
they were answered, and whether every PQR was answered in term.

Reads the tables only (it never changes them). Every figure is computed in SQL over indexed
columns, so a month with a million interactions takes seconds.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from conectados.spanish import MONTHS
from content_calendar.models import Post, Publication, PublicationState
from content_calendar.source import NETWORKS
from responders.models import (
    AUTOMATIC,
    Interaction,
    InteractionState,
    Reply,
    ReplyKind,
    ReplyState,
    Ticket,
)
from scheduler.models import MetricSample

LATE = timedelta(minutes=10)
"""A post that went out more than this after its time counts as late."""
NOT_REQUESTS = ("saludo",)
"""Protocols whose messages are not requests (greetings, thanks)."""
NO_PROTOCOL = "sin protocolo"
"""The key of the requests that no protocol was clear about (they went to a person)."""
REACH_DEFINITIONS = {
    "facebook": "alcance: cuántas personas distintas vieron cada publicación, sumadas publicación "
    "por publicación (quien vio dos publicaciones cuenta dos veces); vistas: cuántas veces se "
    "mostraron las publicaciones",
    "x": "no informa alcance (cuántas personas distintas); vistas: cuántas veces se mostró cada "
    "publicación",
}
"""What each network's figures mean, in words the team reads (no API names)."""
API_SOURCES = {
    "facebook": "estadísticas de cada publicación: alcance (post_total_media_view_unique), "
    "vistas (post_media_view), clics (post_clicks)",
    "x": "public_metrics de cada publicación: vistas (impression_count), reacciones "
    "(like_count), comentarios (reply_count), compartidos (retweet_count + quote_count)",
}
"""Where each figure comes from in the network's API: for a footnote, for whoever checks it."""
NO_REACH = ("x",)
"""Networks whose API reports no reach (X's public_metrics have none): "—", never 0."""
METRICS = ("reach", "views", "reactions", "comments", "shares", "clicks")
SPANISH = {
    "network": "red",
    "published": "hechas",
    "failed": "fallidas",
    "late": "tarde",
    "reach": "alcance",
    "views": "vistas",
    "reactions": "reacciones",
    "comments": "comentarios",
    "shares": "compartidos",
    "clicks": "clics",
}


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
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == _next_month(self.start)

    @property
    def label(self) -> str:
        """ "noviembre de 2026", or "16 al 30 de noviembre de 2026" for another period."""
        if self.is_month:
            return f"{MONTHS[self.start.month - 1]} de {self.start.year}"
        last = self.end - timedelta(days=1)
        first = f"{self.start.day} de {MONTHS[self.start.month - 1]}"
        if self.start.year != last.year:
            first += f" de {self.start.year}"
        return f"{first} al {last.day} de {MONTHS[last.month - 1]} de {last.year}"


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
    reach: int | None = 0
    """None when the network reported no reach for the period's posts (X never does): unknown,
    never a 0."""
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
        base = self.views or self.reach or 0
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
    tickets_settled: int = 0
    """The PQR whose term was settled in the period: answered in time in the period, or whose
    term ran out in the period (up to when the report is made), answered or not."""
    tickets_in_term: int = 0
    """Of tickets_settled, those answered by their due day (damage reports: by their due hour)."""
    tickets_by_state: dict[str, int] = field(default_factory=dict)
    """The PQR filed in the period by where they stood when the period ended (or now, for a
    period in course): TICKET_STATES -> how many."""
    tickets_overdue_open: int = 0
    """PQR past their term with no answer when the period ended (or now), whenever filed."""
    overdue: list[dict[str, str]] = field(default_factory=list)
    decisions_by_person: dict[str, dict[str, int]] = field(default_factory=dict)
    """person -> DECISIONS -> how many they made in the period (the service's own left out)."""
    previous: Report | None = None
    generated_at: datetime | None = None
    days_counted: int = 0
    """Days of the period already lived when the report was made (a month in course)."""
    protocol_names: dict[str, str] = field(default_factory=dict)
    """Protocol id -> its `nombre` in the catalogue: what the report shows instead of the id."""

    def protocol_label(self, protocol_id: str) -> str:
        """What a person reads for a protocol id: its name, or words for one with none."""
        if protocol_id in self.protocol_names:
            return self.protocol_names[protocol_id]
        if protocol_id == NO_PROTOCOL:
            return "Sin protocolo claro (las decide una persona)"
        words = protocol_id.replace("_", " ").strip()
        return f"{words[:1].upper()}{words[1:]} (protocolo que ya no está en el catálogo)"

    # --- headline figures -----------------------------------------------------------

    @property
    def total(self) -> NetworkFigures:
        total = NetworkFigures("total")
        for figures in self.networks.values():
            for name in ("published", "failed", "late", *METRICS):
                if name != "reach":
                    setattr(total, name, getattr(total, name) + getattr(figures, name))
        known = [figures.reach for figures in self.networks.values() if figures.reach is not None]
        total.reach = sum(known) if known or not self.networks else None
        return total

    @property
    def without_reach(self) -> list[str]:
        """The networks that did not report reach: the total reach leaves them out."""
        return [name for name, figures in self.networks.items() if figures.reach is None]

    @property
    def partial(self) -> bool:
        return self.days_counted < self.period.days

    @property
    def requests_per_day(self) -> float:
        days = self.days_counted or self.period.days
        return self.requests / days if days else 0.0

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
        return values[max(0, math.ceil(0.9 * len(values)) - 1)]  # nearest rank

    @property
    def in_term_share(self) -> float | None:
        return self.tickets_in_term / self.tickets_settled if self.tickets_settled else None

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
            "pqr_respondidas_o_vencidas": self.tickets_settled,
            "pqr_respondidas_en_termino": self.tickets_in_term,
            "pqr_en_termino": self.in_term_share,
            "pqr_vencidas_sin_respuesta": self.tickets_overdue_open,
            "pqr_respondidas_tarde": len(self.overdue) - self.tickets_overdue_open,
            "pqr_vencidas": len(self.overdue),
        }

    def as_dict(self) -> dict:
        return {
            "empresa": self.company,
            "periodo": {
                "desde": self.period.start.isoformat(),
                "hasta": (self.period.end - timedelta(days=1)).isoformat(),
            },
            "generado": (
                self.generated_at.astimezone(self.period.zone).isoformat()
                if self.generated_at
                else None
            ),
            "periodo_incompleto": self.partial,
            "cifras": self.headline(),
            "periodo_anterior": self.previous.headline() if self.previous else None,
            "redes": {
                name: {
                    **{SPANISH.get(key, key): value for key, value in asdict(figures).items()},
                    "tasa_interaccion": figures.engagement_rate,
                    "definicion": REACH_DEFINITIONS.get(name, ""),
                }
                for name, figures in self.networks.items()
            },
            "vistas_acumuladas_por_dia": self.reach_by_day,
            "respondidas": self.answered,
            "mejores_publicaciones": [asdict(post) for post in self.best_posts],
            "solicitudes_cada_dia": self.requests_by_day,
            "solicitudes_por_canal": self.requests_by_channel,
            "solicitudes_por_protocolo": self.requests_by_protocol,
            "nombres_de_protocolos": {
                protocol_id: self.protocol_label(protocol_id)
                for protocol_id in self.requests_by_protocol
            },
            "pqr_por_tipo": self.tickets_by_type,
            "pqr_por_causal": self.tickets_by_causal,
            "pqr_radicadas_por_estado": self.tickets_by_state,
            "pqr_vencidas": self.overdue,
            "decisiones_por_persona": self.decisions_by_person,
        }


# --- building the report -----------------------------------------------------------------


def build_report(
    connection: sa.Connection,
    period: Period,
    company: str,
    networks: tuple[str, ...] = ("facebook", "x"),
    with_previous: bool = True,
    now: datetime | None = None,
    protocol_names: dict[str, str] | None = None,
) -> Report:
    report = Report(company, period, protocol_names=dict(protocol_names or {}))
    moment = now or datetime.now(period.zone)
    report.generated_at = moment
    today = moment.astimezone(period.zone).date()
    report.days_counted = min(max((today - period.start).days + 1, 0), period.days)
    # Only the networks the calendar publishes on have posts to count (not WhatsApp).
    report.networks = {name: NetworkFigures(name) for name in networks if name in NETWORKS}
    _publications(connection, report)
    _reach(connection, report)
    _requests(connection, report)
    _answers(connection, report)
    _tickets(connection, report, now)
    _decisions(connection, report)
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
    """Each publication of the period with its figures: figures only grow, so the largest one
    reported by the period's end plus a week (late figures of the last days still count) is the
    latest, and a sample where the network left one out does not wipe it."""
    cutoff = period.last + timedelta(days=7)
    return (
        sa.select(
            *(sa.func.max(getattr(MetricSample, name)).label(name) for name in METRICS),
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
    for name, figures in report.networks.items():
        if name not in reported and (figures.published or name in NO_REACH):
            figures.reach = None
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
    text). A message a person decided on counts whatever they decided: a rejected draft
    leaves the message "ignored", but it had a draft, so it was a request."""
    drafted = sa.exists().where(Reply.interaction_id == Interaction.id)
    return (
        Interaction.written_at >= period.first,
        Interaction.written_at < period.last,
        sa.or_(Interaction.state != InteractionState.IGNORED, drafted),
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
        channel = (
            f"{NETWORK_TITLES.get(network, network)} ({CHANNEL_NAMES.get(kind.value, kind.value)})"
        )
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


CHANNEL_NAMES = {"comment": "comentarios", "mention": "menciones", "message": "mensajes privados"}
NETWORK_TITLES = {"facebook": "Facebook", "x": "X", "whatsapp": "WhatsApp"}


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


TICKET_STATES = ("abiertas", "vencidas sin respuesta", "respondidas", "cerradas")
"""Where a PQR stands: open within its term, past its term with no answer, answered, closed."""


def _tickets(connection: sa.Connection, report: Report, now: datetime | None) -> None:
    """Filed in the period: by type, causal and where they stand at the period's end (or now).

    Answered in term: of the PQR whose term was settled in the period, those answered by their
    due day (damage reports: by their due hour). A PQR's term is settled when it is answered
    in time, or when its due day ends without an answer in time: each one counts once, in the
    period where that happened (up to when the report is made). Overdue: every PQR whose term
    has run out unanswered, or that was answered late in the period, whenever it was filed."""
    period = report.period
    zone = period.zone
    moment = min(period.last, (now or datetime.now(zone)).astimezone(zone))
    cutoff = moment.date() + timedelta(days=1) if moment < period.last else period.end
    """The day after the last due day that may have run out by `moment`."""

    def deadline_of(due: date, due_at: datetime | None) -> datetime:
        return due_at or datetime.combine(due + timedelta(days=1), time(), zone)

    report.tickets_by_state = dict.fromkeys(TICKET_STATES, 0)
    for kind, causal, due, due_at, answered_at, closed_at in connection.execute(
        sa.select(
            Ticket.type, Ticket.causal, Ticket.due_date, Ticket.due_at, Ticket.answered_at,
            Ticket.closed_at,
        ).where(Ticket.filed_at >= period.first, Ticket.filed_at < period.last)
    ):  # fmt: skip
        report.tickets += 1
        report.tickets_by_type[kind] = report.tickets_by_type.get(kind, 0) + 1
        if causal:
            report.tickets_by_causal[causal] = report.tickets_by_causal.get(causal, 0) + 1
        if closed_at is not None and closed_at < moment:
            state = "cerradas"
        elif answered_at is not None and answered_at < moment:
            state = "respondidas"
        elif deadline_of(due, due_at) <= moment:
            state = "vencidas sin respuesta"
        else:
            state = "abiertas"
        report.tickets_by_state[state] += 1
    report.tickets_by_type = dict(sorted(report.tickets_by_type.items(), key=lambda i: -i[1]))
    rows = connection.execute(
        sa.select(
            Ticket.radicado, Ticket.type, Ticket.due_date, Ticket.due_at, Ticket.answered_at,
        )
        .where(
            sa.or_(
                sa.and_(
                    Ticket.due_date < cutoff,
                    sa.or_(
                        Ticket.due_date >= period.start,
                        Ticket.answered_at.is_(None),
                        Ticket.answered_at >= period.first,
                    ),
                ),
                sa.and_(Ticket.answered_at >= period.first, Ticket.answered_at < moment),
            )
        )
        .order_by(Ticket.year, Ticket.sequence)
    )  # fmt: skip
    for radicado, kind, due, due_at, answered_at in rows:
        deadline = deadline_of(due, due_at)
        on_time = answered_at is not None and answered_at <= deadline
        answered_late = answered_at is not None and not on_time and answered_at < period.last
        open_at_end = answered_at is None or answered_at >= moment
        if on_time and period.first <= answered_at < moment:
            report.tickets_settled += 1
            report.tickets_in_term += 1
        elif not on_time and period.start <= due < period.end and deadline <= moment:
            report.tickets_settled += 1
        if open_at_end and deadline <= moment:
            report.tickets_overdue_open += 1
        if answered_late or (open_at_end and deadline <= moment):
            answered_on = answered_at.astimezone(zone).date() if answered_at else None
            report.overdue.append(
                {
                    "radicado": radicado,
                    "tipo": kind,
                    "vencia": (due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if due_at else due.isoformat()),
                    "respondida": answered_on.isoformat() if answered_on and answered_at < moment else "",
                }
            )  # fmt: skip


DECISIONS = ("aprobadas", "rechazadas", "radicadas", "respondidas", "cerradas")
"""What a person decides: replies approved (edited or not, with another protocol or not) and
rejected, PQR filed by hand, answered and closed."""


def _decisions(connection: sa.Connection, report: Report) -> None:
    """Who decided what in the period. A reply that a filing queued or replaced (linked to a
    ticket the same person filed) counts as that filing, not as an approval or a rejection."""
    period = report.period

    def add(person: str | None, what: str, count: int) -> None:
        if not person or person == AUTOMATIC:
            return
        per = report.decisions_by_person.setdefault(person, dict.fromkeys(DECISIONS, 0))
        per[what] += count

    by_filing = sa.exists().where(Ticket.id == Reply.ticket_id, Ticket.filed_by == Reply.reviewer)
    for person, state, count in connection.execute(
        sa.select(Reply.reviewer, Reply.state, sa.func.count())
        .where(
            Reply.decided_at >= period.first,
            Reply.decided_at < period.last,
            Reply.kind != ReplyKind.TICKET_ANSWER,  # counted as the PQR's answer
            ~by_filing,
        )
        .group_by(Reply.reviewer, Reply.state)
    ):
        add(person, "rechazadas" if state == ReplyState.REJECTED else "aprobadas", count)
    for column, moment, what in (
        (Ticket.filed_by, Ticket.filed_at, "radicadas"),
        (Ticket.answered_by, Ticket.answered_at, "respondidas"),
        (Ticket.closed_by, Ticket.closed_at, "cerradas"),
    ):
        for person, count in connection.execute(
            sa.select(column, sa.func.count())
            .where(moment >= period.first, moment < period.last)
            .group_by(column)
        ):
            add(person, what, count)
    report.decisions_by_person = dict(sorted(report.decisions_by_person.items()))
