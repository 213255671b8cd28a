"""The send job: approved replies go out once; an interrupted one is never sent again blind.

A reply moves approved -> sending -> sent | failed, or back to approved for a retry, each
step a compare-and-set update. There is no way to ask a network whether a reply already
went out, so a reply whose sender died mid-call is marked failed for a person to check:
answering a citizen twice is worse than asking a person to look. A public reply is checked
for personal data once more just before the network is called (whoever approved it, and
whichever version wrote it): one that carries any goes back to review instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from channels.base import (
    AuthFailed,
    Channel,
    ChannelError,
    Incoming,
    OutsideWindow,
    Rejected,
    Transient,
)
from conectados import leases
from conectados.clock import Clock
from conectados.db import Database, upsert_statement
from conectados.privacy import has_personal_data
from responders.models import (
    Interaction,
    InteractionKind,
    InteractionState,
    Reply,
    ReplyState,
    ReplyVisibility,
    UndeliveredReply,
)
from responders.public_text import Exposure, PublicText, public_text_for
from scheduler.pauses import pause_channel, paused_channels

log = logging.getLogger("conectados.responder")

APPROVED, SENDING = ReplyState.APPROVED, ReplyState.SENDING


class Outbox:
    """Sends approved replies through the channel each interaction came from."""

    def __init__(
        self,
        database: Database,
        channels: Mapping[str, Channel],
        clock: Clock,
        owner: str,
        lease: timedelta = timedelta(minutes=10),
        max_attempts: int = 5,
        batch: int = 20,
        hide_exposed: bool = False,
        own_texts: Sequence[str] = (),
    ) -> None:
        self.database = database
        self.channels = channels
        self.clock = clock
        self.owner = owner
        self.lease = lease
        self.max_attempts = max_attempts
        self.batch = batch
        self.hide_exposed = hide_exposed
        """Hide a public comment that shows personal data once we have answered it."""
        self.own_texts = list(own_texts)
        """What the company publishes itself (`[empresa]`): not personal data in a reply."""
        self.public_text = PublicText(self.own_texts)

    def run_once(self) -> dict[str, int]:
        """How many replies were sent, retried, failed and sent back to review."""
        counts = {"sent": 0, "retried": 0, "failed": 0, "review": 0}
        now = self.clock.now()
        with self.database.session(write=True) as session:
            connection = session.connection()
            counts["failed"] += _fail_interrupted(connection, now)
            paused = paused_channels(connection, now)
            networks = [name for name in self.channels if name not in paused]
            claimed = _claim(connection, now, self.owner, self.lease, self.batch, networks)
            if claimed:
                self.public_text = public_text_for(connection, self.own_texts)
        sent: set[int] = set()
        try:
            for reply, incoming in claimed:
                counts[self._send(reply, incoming)] += 1
                sent.add(reply.id)
        finally:
            # Whatever was claimed and not attempted goes back, untouched, for the next round.
            for reply, _incoming in claimed:
                if reply.id not in sent:
                    self._move(reply, APPROVED, attempts=reply.attempts - 1)
        return counts

    def _send(self, reply: sa.Row, incoming: Incoming) -> str:
        now = self.clock.now()
        if reply.visibility == ReplyVisibility.PUBLIC:
            exposure = self.public_text.exposure(reply.text)
            if exposure is not None:
                self._hold_back(reply, exposure)
                log.warning(
                    "respuesta %s no se publicó: trae %s; vuelve a revisión",
                    reply.id,
                    exposure.kinds_described(),
                )
                return "review"
        try:
            receipt = self.channels[incoming.network].reply(
                incoming, reply.text, private=reply.visibility == ReplyVisibility.PRIVATE
            )
        except Transient as error:
            if error.outcome_unknown:
                # It may have reached the citizen: a person checks before anything is resent.
                self._move(
                    reply,
                    ReplyState.FAILED,
                    last_error=f"no se sabe si salió ({error.reason}); revise en la red antes de enviarla de nuevo",
                )
                return "failed"
            if reply.attempts >= self.max_attempts:
                self._move(
                    reply,
                    ReplyState.FAILED,
                    last_error=f"no salió en {reply.attempts} intentos: {error.reason}",
                )
                return "failed"
            at = now + timedelta(seconds=max(error.retry_after, 30 * 2 ** (reply.attempts - 1)))
            self._move(reply, APPROVED, last_error=error.reason, next_attempt_at=at)
            return "retried"
        except OutsideWindow as error:
            self._to_review(reply, error.reason)
            log.info("respuesta %s a revisión: %s", reply.id, error.reason)
            return "review"
        except Rejected as error:
            log.warning("respuesta %s: %s la rechazó: %s", reply.id, incoming.network, error.reason)
            self._move(reply, ReplyState.FAILED, last_error=f"la red la rechazó: {error.reason}")
            return "failed"
        except AuthFailed as error:
            with self.database.session(write=True) as session:
                pause_channel(
                    session.connection(),
                    incoming.network,
                    now + timedelta(minutes=30),
                    error.reason,
                    now,
                )
            self._move(reply, APPROVED, last_error=error.reason, attempts=reply.attempts - 1)
            return "retried"
        with self.database.session(write=True) as session:
            connection = session.connection()
            self._move(
                reply,
                ReplyState.SENT,
                connection,
                remote_id=receipt.remote_id,
                sent_at=now,
                last_error=None,
            )
            # The network may have reported it undelivered before we got here.
            apply_undelivered(connection, incoming.network, [receipt.remote_id])
        if (
            self.hide_exposed
            and reply.visibility == ReplyVisibility.PUBLIC
            and incoming.kind != "message"
            and has_personal_data(incoming.text)
        ):
            self._hide(incoming)
        log.info("respuesta %s enviada en %s", reply.id, incoming.network)
        return "sent"

    def _hide(self, incoming: Incoming) -> None:
        try:
            self.channels[incoming.network].hide(incoming)
        except Rejected as error:  # the network does not allow it for this kind of item
            log.info(
                "no se ocultó en %s el comentario con datos personales: %s", incoming.network, error
            )
            return
        except ChannelError as error:
            log.warning(
                "no se pudo ocultar en %s el comentario con datos personales: %s",
                incoming.network,
                error,
            )
            return
        log.info("comentario con datos personales ocultado en %s", incoming.network)

    def _to_review(self, reply: sa.Row, reason: str) -> None:
        """The network will not take it as it is: a person decides (edit, call, reject)."""
        with self.database.session(write=True) as session:
            send_back_to_review(
                session.connection(),
                reply.id,
                reason,
                (Reply.state == SENDING) & (Reply.lease_owner == self.owner),
                attempts=reply.attempts - 1,
            )

    def _hold_back(self, reply: sa.Row, exposure: Exposure) -> None:
        with self.database.session(write=True) as session:
            hold_back_personal_data(
                session.connection(),
                reply.id,
                exposure,
                (Reply.state == SENDING) & (Reply.lease_owner == self.owner),
                attempts=reply.attempts - 1,
            )

    def _move(
        self, reply: sa.Row, state: ReplyState, connection: sa.Connection | None = None, **values
    ) -> None:
        statement = (
            sa.update(Reply)
            .where(Reply.id == reply.id, Reply.state == SENDING, Reply.lease_owner == self.owner)
            .values(state=state, lease_owner=None, lease_expires_at=None, **values)
        )
        if connection is not None:
            connection.execute(statement)
            return
        with self.database.session(write=True) as session:
            session.connection().execute(statement)


def send_back_to_review(
    connection: sa.Connection, reply_id: int, reason: str, condition, **values
) -> bool:
    """reply -> pending with the reason, for a person; an answered message goes back to review
    (a filed one stays filed: only its acknowledgement waits)."""
    note = (
        f"no se pudo enviar: {reason}. Aprobarla otra vez no servirá hasta que el ciudadano "
        "vuelva a escribir; si lo contactó por otro medio, recházela"
    )
    return _back_to_review(connection, reply_id, note, condition, **values)


def hold_back_personal_data(
    connection: sa.Connection, reply_id: int, exposure: Exposure, condition, **values
) -> bool:
    """A public reply with personal data -> pending, never sent; the note names what it
    carries (the kinds, never the data) and how to send it instead."""
    note = (
        f"no se publicó: es pública y trae {exposure.kinds_described()}; quite esos datos del "
        f"texto, o envíela por mensaje privado con «conectados replies approve {reply_id} --privado»"
    )
    return _back_to_review(connection, reply_id, note, condition, **values)


def _back_to_review(
    connection: sa.Connection, reply_id: int, note: str, condition, **values
) -> bool:
    interaction_id = connection.execute(
        sa.update(Reply)
        .where(Reply.id == reply_id, condition)
        .values(
            state=ReplyState.PENDING,
            lease_owner=None,
            lease_expires_at=None,
            review_note=note,
            **values,
        )
        .returning(Reply.interaction_id)
    ).scalar()
    if interaction_id is None:
        return False
    connection.execute(
        sa.update(Interaction)
        .where(Interaction.id == interaction_id, Interaction.state == InteractionState.ANSWERED)
        .values(state=InteractionState.IN_REVIEW)
    )
    return True


RE_ENGAGEMENT = 131047
"""WhatsApp's code for a reply sent after the 24-hour window: a person must decide."""


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
    closed, failed otherwise; either way a person sees why."""
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
            Reply.state == ReplyState.SENT,
        )
    ).all()
    for reply_id, code, reason in reports:
        if code == RE_ENGAGEMENT:
            send_back_to_review(
                connection, reply_id, reason, Reply.state == ReplyState.SENT, remote_id=None, sent_at=None
            )  # fmt: skip
        else:
            connection.execute(
                sa.update(Reply)
                .where(Reply.id == reply_id, Reply.state == ReplyState.SENT)
                .values(state=ReplyState.FAILED, last_error=reason)
            )
        log.warning("respuesta %s no entregada en %s: %s", reply_id, network, reason)


def _fail_interrupted(connection: sa.Connection, now: datetime) -> int:
    return connection.execute(
        sa.update(Reply)
        .where(Reply.state == SENDING, leases.expired(Reply, now))
        .values(
            state=ReplyState.FAILED,
            **leases.RELEASED,
            last_error="el servicio se detuvo mientras la enviaba; revise en la red si salió antes de enviarla de nuevo",
        )
    ).rowcount


def _claim(
    connection: sa.Connection,
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    networks: list[str],
) -> list[tuple[sa.Row, Incoming]]:
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
    claim = leases.Lease(owner, now, lease)
    ids = leases.claim(
        connection, Reply, candidates, (Reply.state == APPROVED,), claim,
        state=SENDING, attempts=Reply.attempts + 1,
    )  # fmt: skip
    if not ids:
        return []
    # WhatsApp's window counts from the citizen's latest message, not the one answered.
    latest = aliased(Interaction)
    last_heard = (
        sa.select(sa.func.max(latest.written_at))
        .where(
            latest.network == Interaction.network,
            latest.author_id == Interaction.author_id,
            latest.kind == InteractionKind.MESSAGE,
        )
        .correlate(Interaction)
        .scalar_subquery()
    )
    rows = connection.execute(
        sa.select(
            Reply.id,
            Reply.interaction_id,
            Reply.text,
            Reply.visibility,
            Reply.attempts,
            Interaction.network,
            Interaction.kind,
            Interaction.remote_id,
            Interaction.author_id,
            Interaction.author_name,
            Interaction.text.label("written_text"),
            Interaction.written_at,
            Interaction.thread_id,
            Interaction.parent_id,
            sa.case((Interaction.kind == InteractionKind.MESSAGE, last_heard)).label(
                "last_heard_at"
            ),
        )
        .join(Interaction, Interaction.id == Reply.interaction_id)
        .where(Reply.id.in_(ids), Reply.state == SENDING, leases.held_by(Reply, owner))
    ).all()
    return [
        (
            row,
            Incoming(
                network=row.network,
                kind=row.kind.value,
                remote_id=row.remote_id,
                author_id=row.author_id,
                author_name=row.author_name,
                text=row.written_text,
                written_at=row.written_at,
                thread_id=row.thread_id,
                parent_id=row.parent_id,
                last_heard_at=row.last_heard_at,
            ),
        )
        for row in rows
    ]
