"""The send job: approved replies go out once; an interrupted one is never sent again blind.

A reply moves approved -> sending -> sent | failed, or back to approved for a retry, each
step a named compare-and-set transition of `responders.replies`. There is no way to ask a network whether a reply already
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
    Hides,
    Incoming,
    OutsideWindow,
    Rejected,
    Replies,
    Transient,
    capable,
)
from conectados import leases
from conectados.clock import Clock
from conectados.db import Database
from conectados.privacy import has_personal_data
from responders import interactions, replies
from responders.models import (
    AUTOMATIC,
    Interaction,
    InteractionKind,
    Reply,
    ReplyState,
    ReplyVisibility,
)
from responders.public_text import PublicText, public_text_for
from scheduler.paused import paused_channels
from scheduler.pauses import pause_channel

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
        # Only the networks that can answer: a reply of any other is never claimed (it waits
        # for a person instead of failing on a channel that has no way to send it).
        self.channels: dict[str, Replies] = capable(channels, Replies)
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
            counts["failed"] += replies.fail_interrupted(connection, now)
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
                    self._write(replies.give_back, reply.id, self.owner, count_attempt=False)
        return counts

    def _send(self, reply: sa.Row, incoming: Incoming) -> str:
        now = self.clock.now()
        if reply.visibility == ReplyVisibility.PUBLIC:
            exposure = self.public_text.exposure(reply.text)
            if exposure is not None:
                self._write(replies.hold_back_personal_data, reply.id, self.owner, exposure)
                log.warning(
                    "respuesta %s no se publicó: trae %s; vuelve a revisión",
                    reply.id,
                    exposure.kinds_described(),
                )
                return "review"
        try:
            receipt = self.channels[incoming.network].reply(
                incoming,
                reply.text,
                private=reply.visibility == ReplyVisibility.PRIVATE,
                by_person=_by_person(reply.reviewer),
            )
        except Transient as error:
            if error.outcome_unknown:
                # It may have reached the citizen: a person checks before anything is resent.
                reason = f"no se sabe si salió ({error.reason}); revise en la red antes de enviarla de nuevo"
                self._write(replies.mark_failed, reply.id, self.owner, reason, outcome_unknown=True)
                return "failed"
            if reply.attempts >= self.max_attempts:
                reason = f"no salió en {reply.attempts} intentos: {error.reason}"
                self._write(replies.mark_failed, reply.id, self.owner, reason)
                return "failed"
            at = now + timedelta(seconds=max(error.retry_after, 30 * 2 ** (reply.attempts - 1)))
            self._write(replies.give_back, reply.id, self.owner, error.reason, at)
            return "retried"
        except OutsideWindow as error:
            # The network will not take it as it is: a person decides (edit, call, reject).
            self._write(replies.back_to_review, reply.id, self.owner, error.reason)
            log.info("respuesta %s a revisión: %s", reply.id, error.reason)
            return "review"
        except Rejected as error:
            log.warning("respuesta %s: %s la rechazó: %s", reply.id, incoming.network, error.reason)
            reason = f"la red la rechazó: {error.reason}"
            self._write(replies.mark_failed, reply.id, self.owner, reason)
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
            self._write(replies.give_back, reply.id, self.owner, error.reason, count_attempt=False)
            return "retried"
        with self.database.session(write=True) as session:
            connection = session.connection()
            replies.mark_sent(connection, reply.id, self.owner, receipt.remote_id, now)
            # The network may have reported it undelivered before we got here.
            replies.apply_undelivered(connection, incoming.network, [receipt.remote_id])
        if (
            self.hide_exposed
            and reply.visibility == ReplyVisibility.PUBLIC
            and incoming.kind != "message"
            and has_personal_data(incoming.text)
        ):
            self._hide(incoming, reply.interaction_id)
        log.info("respuesta %s enviada en %s", reply.id, incoming.network)
        return "sent"

    def _hide(self, incoming: Incoming, interaction_id: int) -> None:
        try:
            hiding = capable(self.channels, Hides).get(incoming.network)
            if hiding is None:
                return  # the network has no comments to hide
            hiding.hide(incoming)
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
        self._write(interactions.mark_hidden, interaction_id, self.clock.now())
        log.info("comentario con datos personales ocultado en %s", incoming.network)

    def _write(self, transition, *args, **kwargs) -> bool:
        """One reply transition in its own write transaction."""
        with self.database.session(write=True) as session:
            return transition(session.connection(), *args, **kwargs)


def _by_person(reviewer: str | None) -> bool:
    """Whether a person wrote or approved the reply: its reviewer is someone, not the
    responder on its own (AUTOMATIC). A person's approval of an automatic draft replaces the
    reviewer with their name (`responders.review`), so that counts as theirs."""
    return reviewer is not None and reviewer != AUTOMATIC


def _claim(
    connection: sa.Connection,
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    networks: list[str],
) -> list[tuple[sa.Row, Incoming]]:
    ids = replies.claim_due(connection, now, owner, lease, limit, networks)
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
            Reply.reviewer,
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
