"""The daemon: APScheduler only wakes the jobs up; the database holds every bit of state.

No persistent APScheduler job store (version 3 cannot share one between processes): each
job is a sweep over the database that claims rows with compare-and-set updates, so a
second daemon, a restart or a crash never publishes twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

import sqlalchemy as sa
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler

from content_calendar.models import Publication, PublicationState
from scheduler.inbox import PollRound
from scheduler.publisher import Publisher, PublishRound

log = logging.getLogger("conectados.daemon")

PUBLISH_EVERY_SECONDS = 5


def daemon_name() -> str:
    """Who holds a lease: this host and process, readable in the database and the logs."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Reach:
    """Which networks answered during one round of every job, and which failed and why."""

    answered: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def nothing_answered(self) -> bool:
        """Some network was tried and none answered: the round could do nothing at all."""
        return bool(self.failed) and not self.answered

    def describe_failures(self) -> str:
        return "; ".join(f"{name}: {why}" for name, why in sorted(self.failed.items()))


def round_reach(
    published: PublishRound,
    read: Mapping[str, PollRound],
    paused: Mapping[str, tuple[datetime, str | None]],
    replies_sent: int,
    figures: Mapping[str, int],
    zone: tzinfo = UTC,
) -> Reach:
    """Sum up one round of `daemon --once`: a network answered if any call to it worked.

    A network that only waits for webhooks (WhatsApp) and had nothing to send was not tried:
    it neither answered nor failed. A paused network (a revoked token) failed.
    """
    reach = Reach()
    for name, (until, reason) in paused.items():
        if name in read:  # only the networks this daemon uses
            reach.failed[name] = (
                f"en pausa hasta {until.astimezone(zone):%Y-%m-%d %H:%M} ({reason or 'sin motivo'})"
            )
    for name in published.paused:
        reach.failed.setdefault(name, "en pausa: la red rechazó las credenciales")
    for claimed in published.retried:
        reach.failed.setdefault(claimed.network, "no se pudo publicar; se reintentará")
    for poll in read.values():
        for name, why in poll.failed.items():
            reach.failed[name] = why
        reach.answered.update(name for name, calls in poll.calls.items() if calls)
    reach.answered.update(claimed.network for claimed, _ in published.published)
    reach.answered.update(claimed.network for claimed, _ in published.recovered)
    reach.answered.update(name for name, stored in figures.items() if stored)
    if replies_sent:
        reach.answered.add("respuestas")  # the outbox does not say through which network
    return reach


class Daemon:
    """Runs the publish job every few seconds and exactly at the next due time."""

    def __init__(self, publisher: Publisher, every_seconds: float = PUBLISH_EVERY_SECONDS) -> None:
        self.publisher = publisher
        self.every_seconds = every_seconds
        self.stopping = threading.Event()
        self.scheduler = BlockingScheduler(timezone=UTC)

    def every(self, name: str, job: Callable[[], object], seconds: float) -> None:
        """Another sweep (reading citizens, collecting figures), first run right away."""

        def run() -> None:
            if self.stopping.is_set():
                self._stop_scheduler()
                return
            try:
                job()
            except Exception:  # one bad round must not stop the service
                log.exception("falló la ronda de %s; se intentará de nuevo", name)

        self.scheduler.add_job(
            run,
            "interval",
            seconds=seconds,
            id=name,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )

    def _stop_scheduler(self) -> None:
        """A stop asked for before the scheduler was running: stop it now that it is."""
        with contextlib.suppress(SchedulerNotRunningError):
            self.scheduler.shutdown(wait=False)

    def publish(self) -> PublishRound | None:
        if self.stopping.is_set():
            self._stop_scheduler()
            return None
        outcome = self.publisher.run_once(should_stop=self.stopping.is_set)
        self._wake_at_next_due()
        return outcome

    def _wake_at_next_due(self) -> None:
        with self.publisher.database.session() as session:
            next_due = session.execute(
                sa.select(sa.func.min(Publication.next_attempt_at)).where(
                    Publication.state == PublicationState.SCHEDULED
                )
            ).scalar()
        if next_due is None or self.stopping.is_set():
            return
        next_due = next_due if next_due.tzinfo else next_due.replace(tzinfo=UTC)
        now = datetime.now(UTC)
        # Overdue rows (a paused network) wait for the interval; only a future due time wakes.
        if now < next_due < now + timedelta(seconds=self.every_seconds):
            # Move the one publish job rather than adding another: rounds never overlap.
            with contextlib.suppress(JobLookupError):
                self.scheduler.modify_job("publish", next_run_time=next_due)

    def run_forever(self, on_stop: Callable[[], None] | None = None) -> None:
        """Until SIGTERM or SIGINT: then finish the call in flight and stop within seconds."""
        self.scheduler.add_job(
            self.publish,
            "interval",
            seconds=self.every_seconds,
            id="publish",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )

        def stop(signum, _frame) -> None:
            if self.stopping.is_set():
                return  # a second Ctrl+C while stopping: keep stopping, quietly
            log.info(
                "señal %s recibida: terminando lo que está en curso", signal.Signals(signum).name
            )
            self.stopping.set()
            # Not from here: the signal may have interrupted this very thread inside the
            # scheduler, holding the locks shutdown needs (a deadlock, seen in the SIGKILL test).
            threading.Thread(target=self._stop_scheduler, name="stop", daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("servicio en marcha (%s)", self.publisher.owner)
        try:
            if not self.stopping.is_set():  # a stop that came even sooner: nothing to start
                self.scheduler.start()
        finally:
            # BlockingScheduler returns once shut down; wait for the job thread, which stops
            # after the publication it is handling (run_once checks `stopping`).
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
            for thread in threading.enumerate():
                if thread is not threading.current_thread() and thread.name.startswith(
                    "ThreadPoolExecutor"
                ):
                    thread.join(timeout=30)
            self.publisher.close()
            if on_stop is not None:
                on_stop()
            log.info("servicio detenido")
