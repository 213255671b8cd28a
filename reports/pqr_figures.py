"""The PQR of a period in figures (filed, in term, overdue) and who decided what.

Reads the tables only, in SQL over indexed columns, like reports.figures."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from reports.report import DECISIONS, TICKET_STATES, Report
from responders.models import (
    AUTOMATIC,
    Reply,
    ReplyKind,
    ReplyState,
    Ticket,
)


def count_tickets(connection: sa.Connection, report: Report, now: datetime | None) -> None:
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


def count_decisions(connection: sa.Connection, report: Report) -> None:
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
