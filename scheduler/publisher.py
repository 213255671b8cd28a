"""The publish job: claim what is due, publish it once, retry what can wait, never publish blind.

Just past ~400 lines on purpose: the claim, the call, the lookup after an unknown outcome and
the retry policy are one path that a reader must see whole to trust "never twice".
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from channels.base import (
    AuthFailed,
    Channel,
    ChannelError,
    Held,
    NotReady,
    Outgoing,
    Publishes,
    Receipt,
    Rejected,
    Transient,
    capable,
)
from channels.media import outgoing_media
from conectados.clock import Clock
from conectados.db import Database
from conectados.spanish import short_number
from content_calendar.publications import (
    Claimed,
    claim_due,
    claim_expired,
    hold,
    mark_failed,
    mark_published,
    remember_upload,
    renew_lease,
    reschedule,
)
from scheduler.paused import paused_channels
from scheduler.pauses import clear_pause, pause_channel

log = logging.getLogger("conectados.publicar")

FRESH_CLAIM = timedelta(seconds=30)
"""A claim younger than this needs no lease renewal before its call (one write less)."""


@dataclass(frozen=True)
class PublishPolicy:
    """How hard to try: attempts, how late is too late, how long a claim lasts."""

    max_attempts: int = 5
    deadline: timedelta = timedelta(hours=6)
    """A post more than this late is worthless (a water-cut notice a day late): fail it."""
    lease: timedelta = timedelta(minutes=10)
    """Longer than any publish call can take; a video upload renews it as the network confirms
    its parts (Outgoing.remember)."""
    first_backoff: float = 30.0
    max_backoff: float = 30 * 60.0
    batch: int = 20
    auth_pause: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class Sent:
    """A publication the network accepted, waiting to be recorded as published."""

    claimed: Claimed
    receipt: Receipt
    into: list


@dataclass
class PublishRound:
    """What one run of the job did (for logs, `daemon --once` and tests)."""

    published: list[tuple[Claimed, Receipt]] = field(default_factory=list)
    recovered: list[tuple[Claimed, Receipt]] = field(default_factory=list)
    retried: list[Claimed] = field(default_factory=list)
    failed: list[Claimed] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    held: list[Claimed] = field(default_factory=list)
    """Held back by the network (its publishing limit) until a slot frees: not an attempt."""
    waiting: list[Claimed] = field(default_factory=list)
    """The network is still preparing their media: asked again in seconds, not an attempt."""


class Publisher:
    """Publishes due publications through their channels; safe with several at once."""

    def __init__(
        self,
        database: Database,
        channels: Mapping[str, Channel],
        clock: Clock,
        media_dir: Path,
        owner: str,
        zone: ZoneInfo,
        policy: PublishPolicy | None = None,
        rng: random.Random | None = None,
        workers: int = 1,
        channel_factory: Callable[[], Mapping[str, Channel]] | None = None,
    ) -> None:
        self.database = database
        self.channels = capable(channels, Publishes)
        self.clock = clock
        self.media_dir = media_dir
        self.owner = owner
        self.zone = zone
        self.policy = policy or PublishPolicy()
        self.rng = rng or random.Random()
        self.workers = workers if channel_factory is not None else 1
        self.channel_factory = channel_factory
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None

    def run_once(self, should_stop: Callable[[], bool] = lambda: False) -> PublishRound:
        """Recover interrupted publications, then publish everything due, one claim at a time.

        `should_stop` is asked between publications: when it says so, what was claimed and
        not yet sent goes back to the queue at once instead of waiting for its lease.
        """
        outcome = PublishRound()
        now = self.clock.now()
        with self.database.session(write=True) as session:
            expired = claim_expired(
                session.connection(),
                now,
                self.owner,
                self.policy.lease,
                self.policy.batch,
                self._active_networks(session.connection(), now),
            )
        for claimed in expired:
            self._recover(claimed, outcome)
        if self.workers > 1:
            self._publish_in_parallel(outcome, should_stop)
            return outcome
        while True:
            claimed_now = self._claim(self.policy.batch)
            if not claimed_now:
                return outcome
            for index, claimed in enumerate(claimed_now):
                if should_stop():
                    self._release(claimed_now[index:])
                    return outcome
                self._publish(claimed, outcome)

    def _active_networks(self, connection, now: datetime) -> tuple[str, ...]:
        """The networks this publisher has, less those paused (by any daemon)."""
        paused = paused_channels(connection, now)
        return tuple(name for name in self.channels if name not in paused)

    def _claim(self, limit: int) -> list[Claimed]:
        now = self.clock.now()
        with self.database.session(write=True) as session:
            return claim_due(
                session.connection(),
                now,
                self.owner,
                self.policy.lease,
                limit,
                self._active_networks(session.connection(), now),
            )

    def _publish_in_parallel(self, outcome: PublishRound, should_stop: Callable[[], bool]) -> None:
        """Several publications at once, each worker thread with channel clients of its own.

        A pipeline, not batches: whenever fewer calls are in flight than there are workers, the
        next few due publications are claimed, so no worker waits for the slowest of a batch.
        Only a couple of publications per worker are held at a time (short, fresh leases).
        While calls are in flight, each one that ends lets the queue be asked again: a post the
        network sent back for a few seconds (NotReady) is taken again in this same round.
        """

        def work(claimed: Claimed) -> Sent | None:
            if should_stop():
                self._release([claimed])
                return None
            return self._publish(claimed, outcome, defer=True)

        if self._pool is None:  # one pool for the publisher's life: its threads keep their clients
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="publicar")
        in_flight: set[Future] = set()
        try:
            while True:
                if not should_stop() and len(in_flight) < self.workers:
                    claims = self._claim(2 * self.workers - len(in_flight))
                    in_flight.update(self._pool.submit(work, claimed) for claimed in claims)
                if not in_flight:
                    return
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                # What went out since the last wake-up is recorded in one transaction.
                self._record([sent for future in done if (sent := future.result())])
        finally:
            self._record([sent for future in in_flight if (sent := future.result())])

    def close(self) -> None:
        """Let the worker threads go (the daemon calls this when it stops)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _channel(self, network: str) -> Publishes | None:
        """This thread's client for a network (HTTP sessions are not shared between threads)."""
        if self.channel_factory is None or threading.current_thread() is threading.main_thread():
            return self.channels.get(network)
        if not hasattr(self._local, "channels"):
            self._local.channels = capable(self.channel_factory(), Publishes)
        return self._local.channels.get(network)

    def _release(self, claims: list[Claimed]) -> None:
        with self.database.session(write=True) as session:
            for claimed in claims:
                reschedule(
                    session.connection(),
                    claimed,
                    self.owner,
                    self.clock.now(),
                    None,
                    count_attempt=False,
                )

    def _outgoing(self, claimed: Claimed) -> Outgoing:
        return Outgoing(
            key=claimed.post_id,
            text=claimed.text,
            media=outgoing_media(self.media_dir, claimed.media),
            due_at=claimed.scheduled_at,
            upload=claimed.upload,
            remember=lambda upload: self._remember_upload(claimed, upload),
        )

    def _remember_upload(self, claimed: Claimed, upload: dict) -> None:
        """Keep a video upload's session under our lease before its bytes go (and renew the
        lease as they are confirmed); lost the lease: stop, another process holds it now."""
        with self.database.session(write=True) as session:
            kept = remember_upload(
                session.connection(),
                claimed,
                self.owner,
                upload,
                self.clock.now(),
                self.policy.lease,
            )
        if not kept:
            raise Transient(
                "otro proceso tomó la publicación durante la subida del video", retry_after=60
            )

    def _publish(self, claimed: Claimed, outcome: PublishRound, defer: bool = False) -> Sent | None:
        """Publish one claimed publication. With `defer`, a success is returned for the caller
        to record with others in one transaction; a crash before that is recovered like any
        other interrupted call (the network is asked first), so nothing goes out twice."""
        now = self.clock.now()
        if self._too_late(claimed, now):
            self._fail(claimed, outcome, f"{self._late_reason(claimed)}; no se publicó")
            return
        channel = self._channel(claimed.network)
        assert channel is not None, f"no channel for {claimed.network}"
        if not self._lease_is_fresh(claimed, now):
            with self.database.session(write=True) as session:
                # Still ours, with a fresh lease for the call (a slow batch must not let it lapse).
                if not renew_lease(
                    session.connection(), claimed, self.owner, now, self.policy.lease
                ):
                    return
        checked = False
        try:
            if claimed.outcome_unknown:
                # An earlier attempt may have gone through without our knowing: look first.
                since = claimed.scheduled_at - timedelta(minutes=5)
                found = channel.find_published(self._outgoing(claimed), since)
                if found is not None:
                    self._published(claimed, found, outcome.recovered)
                    return None
                checked = True
            receipt = channel.publish(self._outgoing(claimed))
        except Held as error:
            self._hold(claimed, outcome, error, checked)
        except NotReady as error:
            self._ask_again(claimed, outcome, error, checked)
        except Transient as error:
            self._retry(claimed, outcome, error, checked)
        except Rejected as error:
            self._fail(claimed, outcome, f"la red la rechazó: {error.reason}")
        except AuthFailed as error:
            self._pause(claimed, outcome, error)
        else:
            if defer:
                return Sent(claimed, receipt, outcome.published)
            self._published(claimed, receipt, outcome.published)
        return None

    def _lease_is_fresh(self, claimed: Claimed, now: datetime) -> bool:
        """Claimed moments ago: nobody else can hold it and the lease covers the whole call."""
        if claimed.leased_until is None:
            return False
        leased_until = claimed.leased_until
        if leased_until.tzinfo is None:
            leased_until = leased_until.replace(tzinfo=now.tzinfo)
        return leased_until - now > self.policy.lease - FRESH_CLAIM

    def _recover(self, claimed: Claimed, outcome: PublishRound) -> None:
        """The previous holder died mid-call: the post may be out. Look before publishing."""
        channel = self._channel(claimed.network)
        if channel is None:
            return
        since = claimed.scheduled_at - timedelta(minutes=5)
        try:
            found = channel.find_published(self._outgoing(claimed), since)
        except AuthFailed as error:
            self._pause(claimed, outcome, error)
            return
        except ChannelError as error:
            if self._too_late(claimed, self.clock.now()):
                self._fail(
                    claimed,
                    outcome,
                    f"el servicio se detuvo mientras la publicaba y no se pudo comprobar si salió ({error}); revise la red",
                )
                return
            # Still unknown: keep it held; the lease expires and a later round looks again.
            log.warning(
                "no se pudo comprobar %s en %s: %s", claimed.post_id, claimed.network, error
            )
            return
        if found is not None:
            log.info(
                "%s en %s: la publicación interrumpida ya estaba en la red; no se repite",
                claimed.post_id,
                claimed.network,
            )
            self._published(claimed, found, outcome.recovered)
            return
        with self.database.session(write=True) as session:
            reschedule(
                session.connection(),
                claimed,
                self.owner,
                self.clock.now(),
                "el servicio se detuvo durante la publicación y la red no la tenía; se intenta de nuevo",
                outcome_unknown=False,  # looked: it is not there
            )
        log.info(
            "%s en %s: interrumpida y no publicada; se intenta de nuevo",
            claimed.post_id,
            claimed.network,
        )

    def _published(self, claimed: Claimed, receipt: Receipt, into: list) -> None:
        self._record([Sent(claimed, receipt, into)])

    def _record(self, sent: list[Sent]) -> None:
        """Mark what went out as published (one transaction), then say so in the log."""
        if not sent:
            return
        now = self.clock.now()
        with self.database.session(write=True) as session:
            connection = session.connection()
            kept = [
                mark_published(connection, item.claimed, self.owner, item.receipt, now)
                for item in sent
            ]
            for network in {item.claimed.network for item in sent}:
                clear_pause(connection, network, now)
        for item, held in zip(sent, kept, strict=True):
            self._announce(item.claimed, item.receipt, item.into, held, now)

    def _announce(
        self, claimed: Claimed, receipt: Receipt, into: list, kept: bool, now: datetime
    ) -> None:
        if not kept:
            log.warning(
                "%s en %s: otro proceso tomó la publicación mientras salía",
                claimed.post_id,
                claimed.network,
            )
            return
        into.append((claimed, receipt))
        late = (receipt.created_at or now) - claimed.scheduled_at
        log.info(
            "publicada %s en %s a las %s (prevista %s, %+.0f s): %s",
            claimed.post_id,
            claimed.network,
            (receipt.created_at or now).astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S"),
            claimed.scheduled_at.astimezone(self.zone).strftime("%H:%M"),
            late.total_seconds(),
            receipt.url or receipt.remote_id,
        )

    def _retry(
        self, claimed: Claimed, outcome: PublishRound, error: Transient, checked: bool = False
    ) -> None:
        now = self.clock.now()
        backoff = min(
            self.policy.max_backoff, self.policy.first_backoff * 2 ** (claimed.attempts - 1)
        )
        wait = max(error.retry_after, backoff * (0.5 + self.rng.random() / 2))
        at = now + timedelta(seconds=wait)
        if claimed.attempts >= self.policy.max_attempts:
            self._fail(
                claimed,
                outcome,
                f"no se pudo publicar en {claimed.attempts} intentos; el último: {error.reason}",
            )
            return
        if self._too_late(claimed, at):
            self._fail(
                claimed,
                outcome,
                f"{self._late_reason(claimed)} antes de poder reintentar; el último error: {error.reason}",
            )
            return
        with self.database.session(write=True) as session:
            # Unknown if this call may have gone through, or an earlier one was never looked up.
            unknown = error.outcome_unknown or (claimed.outcome_unknown and not checked)
            reschedule(
                session.connection(),
                claimed,
                self.owner,
                at,
                error.reason,
                outcome_unknown=unknown,
            )
        outcome.retried.append(claimed)
        log.info(
            "%s en %s: %s; nuevo intento a las %s",
            claimed.post_id,
            claimed.network,
            error.reason,
            at.astimezone(self.zone).strftime("%H:%M:%S"),
        )

    def _too_late(self, claimed: Claimed, at: datetime) -> bool:
        """Past the deadline at `at`; counted from when the network stopped holding it back
        (its publishing limit), if it did: that wait is not lateness."""
        start = claimed.scheduled_at
        if claimed.held_until is not None and claimed.held_until > start:
            start = claimed.held_until
        return at > start + self.policy.deadline

    def _hold(
        self, claimed: Claimed, outcome: PublishRound, error: Held, checked: bool = False
    ) -> None:
        """The network holds it back (its publishing limit): wait for the slot, attempt not
        counted, never failed for that wait."""
        at = self.clock.now() + timedelta(seconds=max(error.retry_after, self.policy.first_backoff))
        with self.database.session(write=True) as session:
            hold(
                session.connection(),
                claimed,
                self.owner,
                at,
                error.reason,
                outcome_unknown=error.outcome_unknown or (claimed.outcome_unknown and not checked),
            )
        outcome.held.append(claimed)
        log.info(
            "%s en %s: %s; se publicará desde las %s",
            claimed.post_id,
            claimed.network,
            error.reason,
            at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M"),
        )

    def _ask_again(
        self, claimed: Claimed, outcome: PublishRound, error: NotReady, checked: bool = False
    ) -> None:
        """The network is still preparing its media: back in the queue for exactly the wait it
        named (no backoff of ours), attempt not counted, and not held: that time is lateness."""
        at = self.clock.now() + timedelta(seconds=error.retry_after)
        if self._too_late(claimed, at):
            self._fail(
                claimed,
                outcome,
                f"{self._late_reason(claimed)} mientras la red preparaba el archivo",
            )
            return
        with self.database.session(write=True) as session:
            reschedule(
                session.connection(),
                claimed,
                self.owner,
                at,
                error.reason,
                count_attempt=False,
                outcome_unknown=claimed.outcome_unknown and not checked,
            )
        outcome.waiting.append(claimed)
        # Said once when the wait begins; each later check only for whoever debugs.
        log.log(
            logging.INFO if error.first else logging.DEBUG,
            "%s en %s: %s (a las %s)",
            claimed.post_id,
            claimed.network,
            error.reason,
            at.astimezone(self.zone).strftime("%H:%M:%S"),
        )

    def _fail(self, claimed: Claimed, outcome: PublishRound, reason: str) -> None:
        with self.database.session(write=True) as session:
            mark_failed(session.connection(), claimed, self.owner, reason)
        outcome.failed.append(claimed)
        log.warning("no se publicó %s en %s: %s", claimed.post_id, claimed.network, reason)

    def _pause(self, claimed: Claimed, outcome: PublishRound, error: AuthFailed) -> None:
        now = self.clock.now()
        until = now + self.policy.auth_pause
        with self.database.session(write=True) as session:
            pause_channel(session.connection(), claimed.network, until, error.reason, now)
            reschedule(
                session.connection(), claimed, self.owner, until, error.reason, count_attempt=False
            )
        outcome.paused.append(claimed.network)
        log.error(
            "%s en pausa hasta las %s: %s",
            claimed.network,
            until.astimezone(self.zone).strftime("%H:%M"),
            error.reason,
        )

    def _late_reason(self, claimed: Claimed) -> str:
        hours = self.policy.deadline.total_seconds() / 3600
        return f"pasaron más de {short_number(hours)} horas desde la hora prevista ({claimed.scheduled_at.astimezone(self.zone):%Y-%m-%d %H:%M})"
