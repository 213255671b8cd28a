"""The notify job: send each broadcast's deliveries once, at the number's pace, within its daily
limit, and never blind after a crash.

Each round: the due calendar contents become broadcasts; deliveries whose sender died mid-call
are settled (confirmed by a status webhook: sent; no word after the confirmation wait while
later sends were confirmed: queued again; else left «sin confirmar»); then due deliveries are
claimed a few at a time, each marked `sending` and committed before its call, held again
(compare-and-set, lease renewed) right before the call, sent by worker threads paced by one
token bucket, and recorded.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from channels.base import (
    HTTP_TIMEOUT_SECONDS,
    AuthFailed,
    Channel,
    ChannelError,
    Notifies,
    Receipt,
    Rejected,
    TemplateMessage,
    TemplateUnavailable,
    Transient,
    Undeliverable,
    capable,
)
from channels.media import media_path, sniff
from conectados.clock import Clock
from conectados.db import Database
from conectados.errors import ConectadosError
from conectados.leases import Lease
from notices import content
from notices.deliveries import (
    Claimed,
    claim_due,
    defer_due,
    failure_words,
    finish_done,
    hold_for_call,
    lock_network,
    mark_failed,
    mark_sent,
    pause_broadcast,
    reached_today,
    recover_expired,
    reference,
    remember_media,
    requeue,
)
from scheduler.paused import paused_channels
from scheduler.pauses import pause_channel

log = logging.getLogger("conectados.avisos")

AUTH_PAUSE = timedelta(minutes=30)
THROTTLED_SLOWDOWN = 0.9
"""The network said «too fast» (130429, 131056): the pace drops this much."""
RECOVERY_STEP = 0.1
"""Each second with no «too fast» gives back this share of the configured rate."""
PACE_MARGIN = 0.95
"""The pace keeps this share of the number's throughput: evenly spaced sends at exactly the
limit still put one too many into some second as WhatsApp counts it (network jitter), and each
«too fast» costs a pause and a slower pace (bench/notices.py: 55.6/s of 80 at 100 %)."""
CALL_LATENCY = 0.3
"""Seconds one Graph call takes, about (p95 of ~250 ms): workers = rate × this, so the number's
messages per second are reachable with blocking HTTP (80 mps: 24 workers)."""
MAX_WORKERS = 32
MEDIA_LIFE = timedelta(days=29)
"""An uploaded header's media id is used this long, then uploaded again (Meta keeps it 30)."""


@dataclass(frozen=True)
class NotifyPolicy:
    """The number's limits and how sends are held, as [avisos] says them."""

    messages_per_second: float = 80.0
    daily_limit: int = 1000
    confirmation_wait: timedelta = timedelta(minutes=5)
    lease: timedelta = timedelta(seconds=60)
    workers: int = 4
    call_timeout: timedelta = timedelta(seconds=HTTP_TIMEOUT_SECONDS)

    @classmethod
    def from_settings(cls, notices) -> NotifyPolicy:
        return cls(
            messages_per_second=notices.messages_per_second,
            daily_limit=notices.daily_limit,
            confirmation_wait=timedelta(seconds=notices.confirmation_wait_seconds),
            lease=timedelta(seconds=notices.lease_seconds),
            workers=workers_for(notices.messages_per_second),
        )

    @property
    def settled_wait(self) -> timedelta:
        """The confirmation wait in use: longer than a lease plus a whole call, so a send
        still on its way (or waiting in the pool) is never taken for one that never went."""
        return max(self.confirmation_wait, self.lease + self.call_timeout + timedelta(seconds=1))

    @property
    def batch(self) -> int:
        """Claimed at once: about half a second of sends (short, honest `sending_since`)."""
        return max(self.workers, min(100, int(self.messages_per_second / 2)))


def workers_for(messages_per_second: float) -> int:
    """Enough blocking calls at once to reach the rate at real Graph latency, at most 32."""
    return max(1, min(MAX_WORKERS, math.ceil(messages_per_second * CALL_LATENCY)))


class Pace:
    """One token bucket for every worker: at most `rate` calls a second, evenly spaced. A
    «too fast» slows it; each second without one gives back a tenth of the configured rate."""

    def __init__(self, rate: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ceiling = rate
        self.rate = rate
        self._monotonic = monotonic
        self._next = 0.0
        self._calm_since = 0.0
        self._lock = threading.Lock()

    def take(self) -> None:
        with self._lock:
            now = self._monotonic()
            self._recover(now)
            at = max(now, self._next)
            self._next = at + 1.0 / self.rate
        if at > now:
            time.sleep(at - now)

    def current(self) -> float:
        """The rate now (recovered as far as the time without throttles allows)."""
        with self._lock:
            self._recover(self._monotonic())
            return self.rate

    def slow_down(self, pause: float) -> None:
        """The network refused for throughput: wait `pause` and go on a little slower."""
        with self._lock:
            now = self._monotonic()
            self.rate = max(0.5, self.rate * THROTTLED_SLOWDOWN)
            self._next = max(self._next, now + pause)
            self._calm_since = now

    def _recover(self, now: float) -> None:
        if self.rate >= self.ceiling:
            return
        calm = int(now - self._calm_since)
        if calm >= 1:
            self.rate = min(self.ceiling, self.rate + RECOVERY_STEP * self.ceiling * calm)
            self._calm_since += calm


@dataclass
class NotifyRound:
    """What one run of the job did (for logs, `daemon --once` and tests)."""

    sent: int = 0
    failed: int = 0
    withdrawn: int = 0
    retried: int = 0
    unknown: int = 0
    recovered: int = 0
    requeued: int = 0
    paused: list[str] = field(default_factory=list)
    limited_until: datetime | None = None
    started: int = 0


@dataclass(frozen=True)
class Outcome:
    """One send's result, recorded with the others of its batch."""

    claimed: Claimed
    receipt: Receipt | None = None
    error: ChannelError | None = None
    skipped: bool = False
    """Not ours any more right before the call (withdrawn, taken over): no call was made."""


class Notifier:
    """Sends the queued deliveries through the channels that notify; safe with several at once."""

    def __init__(
        self,
        database: Database,
        channels: Mapping[str, Channel],
        clock: Clock,
        owner: str,
        media_dir: Path,
        policy: NotifyPolicy | None = None,
        settings=None,
        channel_factory: Callable[[], Mapping[str, Channel]] | None = None,
    ) -> None:
        self.database = database
        self.channels = capable(channels, Notifies)
        self.clock = clock
        self.owner = owner
        self.media_dir = media_dir
        self.policy = policy or NotifyPolicy()
        self.settings = settings
        self.channel_factory = channel_factory
        self.workers = self.policy.workers if channel_factory is not None else 1
        self.pace = Pace(self.policy.messages_per_second * PACE_MARGIN)
        if self.policy.settled_wait > self.policy.confirmation_wait:
            log.warning(
                "espera_confirmacion_segundos (%d) no cubre la reserva más una llamada a "
                "WhatsApp: se esperan %d segundos antes de reenviar un envío sin confirmar",
                self.policy.confirmation_wait.total_seconds(),
                self.policy.settled_wait.total_seconds(),
            )
        self._local = threading.local()
        # SQLite takes one writer at a time and its busy wait sleeps in steps: the workers'
        # holds queue here instead. PostgreSQL takes them side by side.
        self._hold_lock = threading.Lock() if database.sqlite_path else contextlib.nullcontext()
        self._pool: ThreadPoolExecutor | None = None

    def run_once(self, should_stop: Callable[[], bool] = lambda: False) -> NotifyRound:
        """Start what is due, settle what a dead sender left, then send until nothing is due."""
        outcome = NotifyRound()
        if not self.channels:
            return outcome
        with self.database.transaction(write=True) as connection:
            now = self.clock.now()
            outcome.started = content.start_due(connection, now, self.settings)
            confirmed, queued = recover_expired(connection, now, self.policy.settled_wait)
            outcome.recovered, outcome.requeued = confirmed, queued
            finish_done(connection, now)
        if confirmed or queued:
            log.info(
                "envíos interrumpidos: %d ya confirmados por WhatsApp, %d sin confirmar vuelven a la cola",
                confirmed,
                queued,
            )
        claimed = [] if should_stop() else self._claim(outcome)
        return self.deliver(claimed, outcome, should_stop)

    def deliver(
        self,
        claimed: list[Claimed],
        outcome: NotifyRound | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> NotifyRound:
        """Send what this sender holds, record it, and go on claiming until nothing is due."""
        outcome = outcome if outcome is not None else NotifyRound()
        # A pipeline: while one batch goes out, the last one is recorded and the next claimed,
        # so the database's time does not eat into the number's messages per second.
        in_flight: list[Future] = []
        while claimed or in_flight:
            sending = [self._submit(item) for item in self._with_media(claimed, outcome)]
            if in_flight:
                self._record([future.result() for future in in_flight], outcome)
            in_flight = sending
            claimed = [] if should_stop() or not sending else self._claim(outcome)
        return outcome

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    # --- claiming ---------------------------------------------------------------------

    def _claim(self, outcome: NotifyRound) -> list[Claimed]:
        with self.database.transaction(write=True) as connection:
            now = self.clock.now()
            paused = paused_channels(connection, now)
            networks = [name for name in self.channels if name not in paused]
            held: list[Claimed] = []
            for network in networks:
                lock_network(connection, network)
                room = self._room(connection, network, now, outcome)
                found, gone = claim_due(
                    connection,
                    now,
                    Lease(self.owner, now, self.policy.lease),
                    min(room, self.policy.batch - len(held)),
                    [network],
                )
                held.extend(found)
                outcome.withdrawn += gone
            if outcome.withdrawn:
                finish_done(connection, now)
        return held

    def _room(self, connection, network: str, now: datetime, outcome: NotifyRound) -> int:
        """How many more people may get a template now; at the limit, the due ones wait until
        the oldest send of the window is 24 hours old."""
        used, oldest = reached_today(connection, now, network)
        room = self.policy.daily_limit - used
        if room > 0:
            return room
        until = (oldest or now) + timedelta(hours=24, seconds=1)
        if defer_due(connection, now, until):
            outcome.limited_until = until
            log.warning(
                "límite diario de WhatsApp alcanzado (%d personas en 24 horas): el resto "
                "espera en la cola",
                self.policy.daily_limit,
            )
        return 0

    def _with_media(self, claimed: list[Claimed], outcome: NotifyRound) -> list[Claimed]:
        """Upload each broadcast's header media before its first send, and again once the
        network's id is near its end; a failed upload puts back all of that broadcast's items."""
        uploaded: dict[int, dict | None] = {}
        ready: list[Claimed] = []
        held_back: dict[int, list[Claimed]] = {}
        for item in claimed:
            header = item.header
            if header and self._needs_upload(header):
                if item.broadcast_id not in uploaded:
                    uploaded[item.broadcast_id] = self._upload(item, outcome)
                header = uploaded[item.broadcast_id]
                if header is None:
                    held_back.setdefault(item.broadcast_id, []).append(item)
                    continue
                item = Claimed(**{**item.__dict__, "header": header})
            ready.append(item)
        if held_back:
            with self.database.transaction(write=True) as connection:
                at = self.clock.now() + timedelta(seconds=30)
                for items in held_back.values():
                    for item in items:
                        requeue(connection, item.id, self.owner, at, count_attempt=False)
        return ready

    def _needs_upload(self, header: dict) -> bool:
        if not header.get("id"):
            return True
        try:
            uploaded_at = datetime.fromisoformat(str(header.get("uploaded_at")))
        except ValueError:
            return True  # an id of unknown age: it may have expired
        return self.clock.now() - uploaded_at > MEDIA_LIFE

    def _upload(self, item: Claimed, outcome: NotifyRound) -> dict | None:
        header = dict(item.header or {})
        channel = self._channel(item.network)
        try:
            path = media_path(self.media_dir, str(header.get("path", "")))
            with path.open("rb") as handle:
                mime_type = sniff(handle.read(16)) or "application/octet-stream"
            header["id"] = channel.upload_media(path, mime_type)
            header["uploaded_at"] = self.clock.now().isoformat()
        except (OSError, ValueError, ChannelError, ConectadosError) as error:
            reason = getattr(error, "reason", None) or str(error)
            self._hold_broadcast(
                item,
                f"no se pudo subir el archivo del encabezado: {reason}",
                outcome,
                isinstance(error, Transient),
            )
            return None
        with self.database.transaction(write=True) as connection:
            remember_media(connection, item.broadcast_id, header)
        return header

    def _hold_broadcast(
        self, item: Claimed, reason: str, outcome: NotifyRound, transient: bool
    ) -> None:
        """The upload failed: for good, the broadcast waits for a person (its items are put
        back by `_with_media`, not counted as attempts)."""
        if transient:
            return
        with self.database.transaction(write=True) as connection:
            pause_broadcast(connection, item.broadcast_id, reason)
            outcome.paused.append(reason)

    # --- sending ----------------------------------------------------------------------

    def _submit(self, item: Claimed) -> Future:
        if self._pool is None:  # one pool for the notifier's life: threads keep their clients
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="avisar")
        return self._pool.submit(self._send, item)

    def _send(self, item: Claimed) -> Outcome:
        header = item.header or {}
        message = TemplateMessage(
            template=item.template,
            language=item.language,
            parameters=item.parameters,
            header_kind=header.get("type"),
            header_media_id=header.get("id"),
        )
        self.pace.take()
        # Still ours right now? A SALIR or another daemon may have taken it while it waited.
        with self._hold_lock, self.database.transaction(write=True) as connection:
            held = hold_for_call(
                connection, item.id, self.owner, self.clock.now(), self.policy.lease
            )
        if not held:
            return Outcome(item, skipped=True)
        try:
            receipt = self._channel(item.network).notify(item.address, message, reference(item.id))
        except ChannelError as error:
            # Only the number's pace slows it (130429, 131056), not a server error or a spam limit.
            if getattr(error, "slows_pace", False):
                self.pace.slow_down(min(error.retry_after, 1.0))
            return Outcome(item, error=error)
        return Outcome(item, receipt=receipt)

    def _channel(self, network: str) -> Notifies:
        """This thread's client for a network (HTTP sessions are not shared between threads)."""
        if self.channel_factory is None or threading.current_thread() is threading.main_thread():
            return self.channels[network]
        if not hasattr(self._local, "channels"):
            self._local.channels = capable(self.channel_factory(), Notifies)
        return self._local.channels[network]

    # --- recording --------------------------------------------------------------------

    def _record(self, results: list[Outcome], outcome: NotifyRound) -> None:
        """Every result of a batch in one transaction."""
        with self.database.transaction(write=True) as connection:
            now = self.clock.now()
            for result in results:
                self._record_one(connection, result, now, outcome)
            finish_done(connection, now)

    def _record_one(self, connection, result: Outcome, now: datetime, outcome: NotifyRound) -> None:
        item, error = result.claimed, result.error
        if result.skipped:
            outcome.withdrawn += 1
        elif result.receipt is not None:
            mark_sent(connection, item.id, self.owner, result.receipt.remote_id, now)
            outcome.sent += 1
        elif isinstance(error, Undeliverable):
            mark_failed(
                connection,
                item.id,
                self.owner,
                error.code,
                failure_words(error.code, error.detail),
                now,
            )
            outcome.failed += 1
        elif isinstance(error, TemplateUnavailable):
            if pause_broadcast(connection, item.broadcast_id, error.reason):
                outcome.paused.append(error.reason)
                log.error("envío %d en pausa: %s", item.broadcast_id, error.reason)
            requeue(connection, item.id, self.owner, now, count_attempt=False)
        elif isinstance(error, Transient) and error.outcome_unknown:
            # It may have gone: it stays `sending` until a status says so or the wait passes.
            outcome.unknown += 1
        elif isinstance(error, Transient):
            at = now + timedelta(seconds=max(error.retry_after, 1.0))
            requeue(connection, item.id, self.owner, at, count_attempt=False)
            outcome.retried += 1
        elif isinstance(error, AuthFailed):
            until = now + AUTH_PAUSE
            pause_channel(connection, item.network, until, error.reason, now)
            requeue(connection, item.id, self.owner, until, count_attempt=False)
            if item.network not in outcome.paused:
                outcome.paused.append(item.network)
                log.error("%s en pausa: %s", item.network, error.reason)
        elif isinstance(error, Rejected):
            mark_failed(connection, item.id, self.owner, error.code, error.reason, now)
            outcome.failed += 1
