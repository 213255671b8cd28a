"""A ticket's legal term as the office reads it: the rules of `[pqr]`, whether a ticket is
overdue and what is left of its term. Shared by `conectados pqr` and the web office, so both
count the same days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from responders.models import Ticket, TicketStatus
from responders.terms import working_days_between
from responders.tickets import TermRules


def rules_for(settings) -> TermRules:
    """The term rules of the company's `[pqr]` settings."""
    pqr = settings.pqr
    return TermRules(settings.zone, pqr.saturday_is_working_day, pqr.damage_hours)


def is_overdue(ticket: Ticket, now: datetime, today: date) -> bool:
    """Past its due moment (damage reports, by the hour) or its due day (the rest)."""
    if ticket.due_at is not None:
        return ticket.due_at < now
    return ticket.due_date < today


def time_left(ticket: Ticket, now: datetime, today: date, saturday_works: bool) -> str:
    """What is left of an open ticket's term ("3 días hábiles", "5 h", "vencida hace 2 días
    hábiles"); "" once it is answered or closed."""
    if ticket.status != TicketStatus.OPEN:
        return ""
    if ticket.due_at is not None:
        hours = (ticket.due_at - now).total_seconds() / 3600
        return f"{hours:.0f} h" if hours >= 0 else f"vencida hace {-hours:.0f} h"
    if ticket.due_date < today:
        return (
            f"vencida hace {working_days_between(ticket.due_date, today, saturday_works)} "
            "días hábiles"
        )
    return f"{working_days_between(today, ticket.due_date, saturday_works)} días hábiles"


def left_phrase(
    ticket: Ticket,
    now: datetime,
    today: date,
    saturday_works: bool,
    due_today: str | None = None,
) -> str:
    """`time_left` as a phrase: "quedan 3 días hábiles", "vencida hace 2 días hábiles";
    `due_today`, when given, is said of a ticket due today instead of "quedan 0 días
    hábiles"."""
    left = time_left(ticket, now, today, saturday_works)
    if not left or is_overdue(ticket, now, today):
        return left
    if due_today is not None and ticket.due_at is None and ticket.due_date == today:
        return due_today
    return f"quedan {left}"


def overdue_first(tickets: Iterable[Ticket], now: datetime, today: date) -> list[Ticket]:
    """The open tickets past their term first, each group in the order given (by due date)."""
    return sorted(
        tickets,
        key=lambda ticket: (
            not (ticket.status == TicketStatus.OPEN and is_overdue(ticket, now, today))
        ),
    )
