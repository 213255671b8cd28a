"""Every move of a reply, each one a compare-and-set update that says so in its name.

A reply is born through `queue`: pending (a person decides), approved (automatic, or a
person's own answer) or failed (recorded as not sent, with why). Then pending -> approved ->
sending -> sent | failed, and pending -> rejected. A claimed reply the
send job did not finish goes back to approved (`give_back`). The moves back to review (pending)
are named and always carry the reason a person reads: `back_to_review` (the network will not
take it as it is), `hold_back_personal_data` (a public reply that carries personal data) and
`undelivered_back_to_review` (sent, then reported undelivered after the window closed). Each
function changes a row only if it is still in one of its source states (and, while sending,
still leased by the caller), and returns whether it did.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from channels.specs import spec
from conectados import leases
from conectados.db import upsert_statement
from responders import interactions
from responders.models import Interaction, Reply, ReplyState, UndeliveredReply
from responders.public_text import Exposure

log = logging.getLogger("conectados.responder")

PENDING, APPROVED, SENDING, SENT = (
    ReplyState.PENDING,
    ReplyState.APPROVED,
    ReplyState.SENDING,
    ReplyState.SENT,
)


def _held(reply_id: int, owner: str):
    return (Reply.id == reply_id, Reply.state == SENDING, Reply.lease_owner == owner)


def _released(**values: Any) -> dict[str, Any]:
    return {**leases.RELEASED, **values}


QUEUED_STATES = frozenset({PENDING, APPROVED, ReplyState.FAILED})
"""The states a reply may be born in; failed only with the reason it was not sent."""


def queue(connection: sa.Connection, rows: list[dict[str, Any]]) -> list[int]:
    """New replies, each born pending, approved or failed (with its `last_error`); their ids,
    in order. Any other first state is a bug in the caller: nothing is written."""
    for row in rows:
        state = row.get("state")
        if state not in QUEUED_STATES:
            raise ValueError(f"a reply is not born {state!r}; it is queued pending or approved")
        if state == ReplyState.FAILED and not row.get("last_error"):
            raise ValueError("a reply born failed says why in last_error")
    return [
        connection.execute(sa.insert(Reply).values(**row).returning(Reply.id)).scalar_one()
        for row in rows
    ]


def decide(connection: sa.Connection, reply_id: int, approve: bool, **values: Any) -> bool:
    """pending -> approved (or rejected), with the reviewer's text and name."""
    state = APPROVED if approve else ReplyState.REJECTED
    return bool(
        connection.execute(
            sa.update(Reply)
            .where(Reply.id == reply_id, Reply.state == PENDING)
            .values(state=state, **values)
        ).rowcount
    )


def reject_replaced(
    connection: sa.Connection, reply_ids: list[int], ticket_id: int, person: str, note: str, now
) -> int:
    """pending -> rejected, settled by a filing whose acknowledgement goes instead."""
    if not reply_ids:
        return 0
    return connection.execute(
        sa.update(Reply)
        .where(Reply.id.in_(reply_ids), Reply.state == PENDING)
        .values(
            ticket_id=ticket_id,  # settled by this filing, not rejected on their own
            state=ReplyState.REJECTED,
            reviewer=person,
            decided_at=now,
            review_note=note,
        )
    ).rowcount


def claim_due(
    connection: sa.Connection,
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    networks: list[str],
) -> list[int]:
    """approved (and due) -> sending, leased to `owner`: the ids now held.

    On PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so several daemons
    share the work; on SQLite the caller's write transaction serialises the claim."""
    if not networks:
        return []
    candidates = (
        sa.select(Reply.id)
        .join(Interaction, Interaction.id == Reply.interaction_id)
        .where(
            Reply.state == APPROVED,
            sa.or_(Reply.next_attempt_at.is_(None), Reply.next_attempt_at <= now),
            Interaction.network.in_(networks),
        )
        .order_by(Reply.id)
        .limit(limit)
    )
    held = leases.Lease(owner, now, lease)
    return leases.claim(
        connection, Reply, candidates, (Reply.state == APPROVED,), held,
        state=SENDING, attempts=Reply.attempts + 1,
    )  # fmt: skip


def mark_sent(
    connection: sa.Connection, reply_id: int, owner: str, remote_id: str | None, now: datetime
) -> bool:
    """sending -> sent, with the network's id for it."""
    return bool(
        connection.execute(
            sa.update(Reply)
            .where(*_held(reply_id, owner))
            .values(
                **_released(
                    state=SENT,
                    remote_id=remote_id,
                    sent_at=now,
                    last_error=None,
                    outcome_unknown=False,
                )
            )
        ).rowcount
    )


def mark_failed(
    connection: sa.Connection,
    reply_id: int,
    owner: str,
    reason: str,
    outcome_unknown: bool = False,
) -> bool:
    """sending -> failed, for good, saying why; `outcome_unknown` when it may have gone out."""
    return bool(
        connection.execute(
            sa.update(Reply)
            .where(*_held(reply_id, owner))
            .values(
                **_released(
                    state=ReplyState.FAILED, last_error=reason, outcome_unknown=outcome_unknown
                )
            )
        ).rowcount
    )


def give_back(
    connection: sa.Connection,
    reply_id: int,
    owner: str,
    reason: str | None = None,
    at: datetime | None = None,
    count_attempt: bool = True,
) -> bool:
    """sending -> approved, to be tried again (at `at`, when given)."""
    values: dict[str, Any] = {"state": APPROVED}
    if reason is not None:  # giving back an untouched claim keeps the last reason shown
        values["last_error"] = reason
    if at is not None:
        values["next_attempt_at"] = at
    if not count_attempt:
        values["attempts"] = Reply.attempts - 1
    return bool(
        connection.execute(
            sa.update(Reply).where(*_held(reply_id, owner)).values(**_released(**values))
        ).rowcount
    )


def fail_interrupted(connection: sa.Connection, now: datetime) -> int:
    """sending (its sender stopped mid-call: lease expired) -> failed, outcome unknown: there is
    no way to ask a network whether a reply went out, so a person checks."""
    return connection.execute(
        sa.update(Reply)
        .where(Reply.state == SENDING, leases.expired(Reply, now))
        .values(
            **_released(
                state=ReplyState.FAILED,
                outcome_unknown=True,
                last_error="el servicio se detuvo mientras la enviaba; revise en la red si salió antes de enviarla de nuevo",
            )
        )
    ).rowcount


def back_to_review(connection: sa.Connection, reply_id: int, owner: str, reason: str) -> bool:
    """sending -> pending: the network will not take it as it is (outside its window); a person
    decides (edit, call, reject). The claim's attempt is not counted."""
    return _to_review(
        connection, reply_id, _not_sent_note(reason), _held(reply_id, owner), attempts=Reply.attempts - 1
    )  # fmt: skip


def hold_back_personal_data(
    connection: sa.Connection, reply_id: int, owner: str, exposure: Exposure
) -> bool:
    """sending -> pending, never sent: a public reply with personal data. The note names what
    it carries (the kinds, never the data) and how to send it instead."""
    note = (
        f"no se publicó: es pública y trae {exposure.kinds_described()}; quite esos datos del "
        f"texto, o envíela por mensaje privado con «conectados replies approve {reply_id} --privado»"
    )
    return _to_review(
        connection, reply_id, note, _held(reply_id, owner), attempts=Reply.attempts - 1
    )


def undelivered_back_to_review(connection: sa.Connection, reply_id: int, reason: str) -> bool:
    """sent -> pending: the network reported it undelivered because the window had closed."""
    return _to_review(
        connection,
        reply_id,
        _not_sent_note(reason),
        (Reply.id == reply_id, Reply.state == SENT),
        remote_id=None,
        sent_at=None,
    )


def mark_undelivered(connection: sa.Connection, reply_id: int, reason: str) -> bool:
    """sent -> failed: the network reported it undelivered, for a reason a retry will not fix."""
    return bool(
        connection.execute(
            sa.update(Reply)
            .where(Reply.id == reply_id, Reply.state == SENT)
            .values(state=ReplyState.FAILED, last_error=reason)
        ).rowcount
    )


def _not_sent_note(reason: str) -> str:
    return (
        f"no se pudo enviar: {reason}. Aprobarla otra vez no servirá hasta que el ciudadano "
        "vuelva a escribir; si lo contactó por otro medio, recházela"
    )


def _to_review(connection: sa.Connection, reply_id: int, note: str, where, **values) -> bool:
    """The reply -> pending with `note`; an answered message goes back to review with it (a
    filed one stays filed: only its acknowledgement waits)."""
    interaction_id = connection.execute(
        sa.update(Reply)
        .where(*where)
        .values(**_released(state=PENDING, review_note=note, **values))
        .returning(Reply.interaction_id)
    ).scalar()
    if interaction_id is None:
        return False
    interactions.back_to_review(connection, interaction_id)
    return True


def record_undelivered(
    connection: sa.Connection,
    network: str,
    reports: list[tuple[str, int | None, str]],
    now: datetime,
) -> None:
    """Keep each (reply id, code, reason) the network reported undelivered, once, and apply
    those whose reply is already recorded as sent."""
    connection.execute(
        upsert_statement(connection, UndeliveredReply)
        .values(
            [
                {"network": network, "remote_id": remote_id, "code": code, "reason": reason, "reported_at": now}
                for remote_id, code, reason in reports
            ]
        )
        .on_conflict_do_nothing(index_elements=[UndeliveredReply.network, UndeliveredReply.remote_id])
    )  # fmt: skip
    apply_undelivered(connection, network, [remote_id for remote_id, _, _ in reports])


def apply_undelivered(connection: sa.Connection, network: str, remote_ids: list[str]) -> None:
    """Sent replies the network reported undelivered: back to review when the window had
    closed, failed otherwise; either way a person sees why. Either order works: a report that
    arrives before the reply is recorded as sent is applied when it is."""
    reports = connection.execute(
        sa.select(Reply.id, UndeliveredReply.code, UndeliveredReply.reason)
        .join(Interaction, Interaction.id == Reply.interaction_id)
        .join(
            UndeliveredReply,
            (UndeliveredReply.remote_id == Reply.remote_id)
            & (UndeliveredReply.network == Interaction.network),
        )
        .where(
            Interaction.network == network,
            Reply.remote_id.in_(remote_ids),
            Reply.state == SENT,
        )
    ).all()
    for reply_id, code, reason in reports:
        if code in spec(network).window_closed_codes:  # too late to write: a person decides
            undelivered_back_to_review(connection, reply_id, reason)
        else:
            mark_undelivered(connection, reply_id, reason)
        log.warning("respuesta %s no entregada en %s: %s", reply_id, network, reason)
