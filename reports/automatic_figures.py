"""What the responder answered on its own, week by week, and what it learned from the team.

Weeks are ISO weeks (Monday to Sunday) in the company's zone: those the period touches and
the eight before them, so the trend shows. A citizen's request is «respondida sola» when the
responder approved its answer itself and no person had to look at it; «a revisión» when a
draft of it waited for a person (whatever they then decided). What was learned comes from
the newest `LearningRun` computed by the end of the period.

Reads the tables only, like reports.figures.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from reports.period import Period
from responders.calibration import ProtocolFigures
from responders.learning import figures_from_json
from responders.models import (
    AUTOMATIC,
    Interaction,
    InteractionState,
    LearningRun,
    Reply,
    ReplyKind,
)

WEEKS_BEFORE = 8
"""Weeks shown before the period's first one, so a month's chart shows where it comes from."""


@dataclass
class WeekAnswers:
    """One ISO week's citizens' requests and how they were answered."""

    monday: date
    requests: int = 0
    alone: int = 0
    """Answered by the responder on its own (its answer approved by «automático»)."""
    review: int = 0
    """A draft of it waited for a person."""
    in_period: bool = True
    """False for the weeks shown before the period, for the trend."""

    @property
    def iso_week(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-S{week:02d}"

    @property
    def alone_share(self) -> float | None:
        return self.alone / self.requests if self.requests else None

    @property
    def review_share(self) -> float | None:
        return self.review / self.requests if self.requests else None


@dataclass
class LearnedFigures:
    """The newest computation of what was learned: per protocol, before and after learning."""

    computed_at: datetime
    examples: int
    protocols: dict[str, ProtocolFigures] = field(default_factory=dict)
    total: ProtocolFigures = field(default_factory=lambda: ProtocolFigures("total"))


@dataclass
class AutomaticFigures:
    weeks: list[WeekAnswers] = field(default_factory=list)
    learned: LearnedFigures | None = None
    """None: nothing had been learned by the end of the period."""

    def as_dict(self, zone: ZoneInfo) -> dict:
        """For `report --json`: moments in the company's zone."""
        learned = self.learned
        return {
            "respondidas_solas_por_semana": [
                {
                    "semana": week.iso_week,
                    "lunes": week.monday.isoformat(),
                    "del_periodo": week.in_period,
                    "solicitudes": week.requests,
                    "respondidas_solas": week.alone,
                    "a_revision": week.review,
                    "proporcion_respondidas_solas": week.alone_share,
                }
                for week in self.weeks
            ],
            "aprendizaje": None
            if learned is None
            else {
                "calculado": learned.computed_at.astimezone(zone).isoformat(),
                "ejemplos_aprendidos": learned.examples,
                "protocolos": {
                    protocol_id: _figures_dict(figures)
                    for protocol_id, figures in learned.protocols.items()
                },
                "total": _figures_dict(learned.total),
            },
        }


def _figures_dict(figures: ProtocolFigures) -> dict:
    return {
        "ejemplos_aprendidos": figures.examples,
        "umbral": figures.threshold,
        "precision_antes": figures.precision_before,
        "precision_despues": figures.precision_after,
        "cobertura_antes": figures.coverage_before,
        "cobertura_despues": figures.coverage_after,
    }


def report_mondays(period: Period) -> list[date]:
    """The Mondays of the ISO weeks the period touches, and of the eight weeks before."""
    first = period.start - timedelta(days=period.start.weekday())
    last_day = period.end - timedelta(days=1)
    last = last_day - timedelta(days=last_day.weekday())
    monday = first - timedelta(weeks=WEEKS_BEFORE)
    mondays = []
    while monday <= last:
        mondays.append(monday)
        monday += timedelta(weeks=1)
    return mondays


def count_automatic(
    connection: sa.Connection,
    period: Period,
    requests: Callable[[Period], tuple],
    now: datetime | None = None,
) -> AutomaticFigures:
    """The weeks' requests (`requests`: what counts as a citizen's request in a span of days,
    the same as the report's other figures) answered alone and sent to review; and the newest
    run of what was learned by the end of the period (or `now`, for one in course)."""
    mondays = report_mondays(period)
    first_in_period = period.start - timedelta(days=period.start.weekday())
    weeks = {monday: WeekAnswers(monday, in_period=monday >= first_in_period) for monday in mondays}
    # A week that runs past the period counts up to the period's end only.
    span = Period(mondays[0], period.end, period.zone)
    alone = sa.exists().where(
        Reply.interaction_id == Interaction.id,
        Reply.kind == ReplyKind.ANSWER,
        Reply.reviewer == AUTOMATIC,
    )
    # Any draft that waited for a person: still pending, or decided by someone.
    by_person = sa.exists().where(
        Reply.interaction_id == Interaction.id,
        Reply.kind.in_((ReplyKind.ANSWER, ReplyKind.ACKNOWLEDGEMENT)),
        sa.or_(Reply.reviewer.is_(None), Reply.reviewer != AUTOMATIC),
    )
    review = sa.or_(Interaction.state == InteractionState.IN_REVIEW, by_person)
    rows = connection.execute(
        sa.select(Interaction.written_at, alone, review).where(*requests(span))
    )
    for written_at, answered_alone, went_to_review in rows:
        day = written_at.astimezone(period.zone).date()
        week = weeks[day - timedelta(days=day.weekday())]
        week.requests += 1
        if went_to_review:
            week.review += 1
        elif answered_alone:
            week.alone += 1
    moment = period.last if now is None else min(period.last, now)
    shown = list(weeks.values())
    if now is not None:  # a month in course: its weeks still to come are not shown as empty
        today = now.astimezone(period.zone).date()
        shown = [week for week in shown if week.monday <= today]
    return AutomaticFigures(shown, _learned(connection, moment))


def _learned(connection: sa.Connection, moment: datetime) -> LearnedFigures | None:
    """The newest run computed before `moment`; None when there is none (or it is unreadable)."""
    table = LearningRun.__table__
    row = connection.execute(
        sa.select(table.c.computed_at, table.c.examples, table.c.thresholds, table.c.figures)
        .where(table.c.computed_at < moment)
        .order_by(table.c.computed_at.desc(), table.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    try:
        protocols, total = figures_from_json(row.figures)
        thresholds = json.loads(row.thresholds or "{}")
    except (ValueError, TypeError, AttributeError):
        return None
    # A protocol with a threshold of its own and no figures still shows its threshold.
    for protocol_id, threshold in thresholds.items():
        figures = protocols.get(protocol_id, ProtocolFigures(protocol_id))
        if figures.threshold is None:
            figures = replace(figures, threshold=threshold)
        protocols[protocol_id] = figures
    return LearnedFigures(row.computed_at, row.examples, dict(sorted(protocols.items())), total)
