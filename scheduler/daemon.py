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
import textwrap
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

import sqlalchemy as sa
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler

from channels.specs import display_name
from content_calendar.models import Publication, PublicationState
from responders.models import Interaction, Reply, ReplyState, Ticket
from scheduler.inbox import PollRound
from scheduler.publisher import Publisher, PublishRound

log = logging.getLogger("conectados.daemon")
narration = logging.getLogger("conectados.servicio")
NARRATION_NARROWEST = 40
"""The narrowest the service's lines are wrapped to (COLUMNS=10 would leave a word a line)."""

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


KIND_WORDS = {"comment": "comentario", "mention": "mención", "message": "mensaje privado"}


class Narrator:
    """One short Spanish line per thing the service does, for the person who watches it.

    In a terminal (no -v) each line is printed with the time in the company's zone. With -v
    (the systemd unit runs `conectados -v daemon`) the lines go to the log instead, and only
    those the jobs' own log lines do not already say: the journal gets one line per event.
    """

    def __init__(
        self,
        database,
        zone: tzinfo,
        verbose: bool,
        echo: Callable[[str], object] = print,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        width: int | None = None,
    ) -> None:
        self.database = database
        self.zone = zone
        self.verbose = verbose
        self.echo = echo
        self.now = now
        self.width = width
        """The window's width, each line wrapped to it; None (a file, a pipe): one long line."""
        self._lock = threading.Lock()  # jobs run in several threads: whole lines, in order
        with database.session() as session:
            self.last_ticket = session.execute(sa.select(sa.func.max(Ticket.id))).scalar() or 0

    def say(self, text: str, logged_by_the_job: bool = False) -> None:
        if self.verbose:
            if not logged_by_the_job:
                narration.info("%s", text)
            return
        line = f"{self.now().astimezone(self.zone):%H:%M:%S} {text}"
        if self.width is not None:
            # Under the time, what goes on; a link or a path longer than a line stays whole.
            line = textwrap.fill(
                line,
                width=max(self.width, NARRATION_NARROWEST),
                subsequent_indent=" " * 9,
                break_long_words=False,
                break_on_hyphens=False,
            )
        with self._lock:
            self.echo(line)

    def published(self, outcome: PublishRound | None) -> None:
        if outcome is None:
            return
        for claimed, receipt in outcome.published + outcome.recovered:
            where = receipt.url or receipt.remote_id
            self.say(
                f"Publicada «{claimed.post_id}» en {display_name(claimed.network)}: {where}",
                logged_by_the_job=True,
            )

    def read(self, poll: PollRound) -> None:
        for network, stored in poll.stored.items():
            if stored:
                self.say(
                    f"{_count(stored, 'mensaje nuevo', 'mensajes nuevos')} de ciudadanos "
                    f"en {display_name(network)}",
                    logged_by_the_job=True,
                )

    def decided(self, counts: Mapping[str, int]) -> None:
        """What the responder filed as PQR, and how many it left for a person to review."""
        with self.database.session() as session:
            filed = session.execute(
                sa.select(Ticket.id, Ticket.radicado, Interaction.network, Interaction.id)
                .join(Interaction, Interaction.id == Ticket.interaction_id)
                .where(Ticket.id > self.last_ticket)
                .order_by(Ticket.id)
            ).all()
        for ticket_id, radicado, network, interaction_id in filed:
            self.last_ticket = max(self.last_ticket, ticket_id)
            # by its number, never the citizen's name: under systemd these lines are the log
            self.say(
                f"Mensaje {interaction_id} de {display_name(network)} radicado como PQR {radicado}"
            )
        if counts.get("review"):
            self.say(
                f"{_count(counts['review'], 'mensaje', 'mensajes')} para revisar "
                "(«conectados replies review»)"
            )

    def sent(self, since: datetime) -> None:
        with self.database.session() as session:
            replies = session.execute(
                sa.select(Reply.id, Interaction.network, Interaction.kind, Interaction.id)
                .join(Interaction, Interaction.id == Reply.interaction_id)
                .where(Reply.state == ReplyState.SENT, Reply.sent_at >= since)
                .order_by(Reply.id)
            ).all()
        for reply_id, network, kind, interaction_id in replies:
            self.say(
                f"Respuesta {reply_id} enviada en {display_name(network)} "
                f"({KIND_WORDS.get(str(kind), str(kind))}, al mensaje {interaction_id})",
                logged_by_the_job=True,
            )

    def figures(self, stored: Mapping[str, int]) -> None:
        for network, count in stored.items():
            if count:
                self.say(
                    f"Métricas de {_count(count, 'publicación', 'publicaciones')} en "
                    f"{display_name(network)}",
                    logged_by_the_job=True,
                )


def _count(number: int, one: str, many: str) -> str:
    return f"1 {one}" if number == 1 else f"{number} {many}"


class Daemon:
    """Runs the publish job every few seconds and exactly at the next due time."""

    def __init__(
        self,
        publisher: Publisher,
        every_seconds: float = PUBLISH_EVERY_SECONDS,
        narrator: Narrator | None = None,
    ) -> None:
        self.publisher = publisher
        self.narrator = narrator
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
        if self.narrator is not None:
            self.narrator.published(outcome)
        self._wake_at_next_due()
        return outcome

    def _wake_at_next_due(self) -> None:
        """Run the next round when the next publication falls due (a post due at 08:00, one
        the network asked to check again in 2 s), if that comes before the next tick."""
        now = datetime.now(UTC)
        with self.publisher.database.session() as session:
            # Only future due times: overdue rows (a paused or switched-off network) wait for
            # the interval, and must not hide the next row that will fall due.
            next_due = session.execute(
                sa.select(sa.func.min(Publication.next_attempt_at)).where(
                    Publication.state == PublicationState.SCHEDULED,
                    Publication.next_attempt_at > now,
                )
            ).scalar()
        if next_due is None or self.stopping.is_set():
            return
        next_due = next_due if next_due.tzinfo else next_due.replace(tzinfo=UTC)
        if now < next_due < now + timedelta(seconds=self.every_seconds):
            # Move the one publish job rather than adding another: rounds never overlap.
            with contextlib.suppress(JobLookupError):
                self.scheduler.modify_job("publish", next_run_time=next_due)

    def run_forever(
        self, on_stop: Callable[[], None] | None = None, started: str | None = None
    ) -> None:
        """Until SIGTERM or SIGINT: then finish the call in flight and stop within seconds.

        `started` is the line that says so (through the narrator, else the log); "" when the
        caller said it already."""
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
        if started != "":
            self._say(started or f"Servicio en marcha ({self.publisher.owner})")
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
            self._say("Servicio detenido.")

    def _say(self, text: str) -> None:
        if self.narrator is not None:
            self.narrator.say(text)
        else:
            log.info("%s", text)
