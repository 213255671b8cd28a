"""The one place that builds the office from the settings: channels, jobs, receiver, responder.

`conectados daemon`, `daemon --once`, the demo and the benchmarks all get their office from
`open_office`, so what the demo shows is what a company runs: only the clock and the folder
(the settings) differ. The policies are small frozen values read from the settings once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from channels.base import Polls, capable
from channels.registry import ChannelSet, open_channels
from conectados.app import App
from conectados.db import Database
from conectados.errors import ConectadosError
from conectados.settings import Settings
from office.webhook_words import webhook_message_networks
from responders.protocol_files import load_catalogue
from responders.protocols import Catalogue
from responders.public_text import company_texts
from responders.service import Responder
from scheduler.daemon import daemon_name
from scheduler.figures import MetricsCollector
from scheduler.inbox import Inbox
from scheduler.notifier import Notifier, NotifyPolicy
from scheduler.outbox import Outbox
from scheduler.publisher import Publisher, PublishPolicy

log = logging.getLogger("conectados.daemon")


@dataclass(frozen=True)
class OutboxPolicy:
    """How the approved replies are sent: how long a claim lasts, how often to try."""

    lease: timedelta
    max_attempts: int
    hide_exposed: bool
    """Hide a public comment that carries personal data once its reply is sent."""


@dataclass(frozen=True)
class OfficePolicy:
    """Every rule the jobs follow, as the settings say them."""

    publish: PublishPolicy
    workers: int
    outbox: OutboxPolicy
    metrics_days: int
    notify: NotifyPolicy
    every_seconds: float
    """How often the publisher, the responder and the sender look for work."""

    @classmethod
    def from_settings(cls, settings: Settings) -> OfficePolicy:
        rules = settings.publishing
        lease = timedelta(seconds=rules.lease_seconds)
        return cls(
            publish=PublishPolicy(
                max_attempts=rules.max_attempts,
                deadline=timedelta(hours=rules.deadline_hours),
                lease=lease,
            ),
            workers=rules.workers,
            outbox=OutboxPolicy(
                lease=lease,
                max_attempts=rules.max_attempts,
                hide_exposed=settings.pqr.hide_comments_with_data,
            ),
            metrics_days=settings.metrics.days,
            notify=NotifyPolicy.from_settings(settings.notices),
            every_seconds=rules.every_seconds,
        )


@dataclass
class Office:
    """The jobs of one running office, over one set of open channels."""

    policy: OfficePolicy
    database: Database
    channels: ChannelSet
    publisher: Publisher
    inboxes: dict[str, Inbox]
    """One per network, so a slow network does not hold the others' reading back."""
    responder: Responder
    outbox: Outbox
    metrics: MetricsCollector
    catalogue: Catalogue
    notifier: Notifier
    """Sends the notices and contents to the subscribers (WhatsApp templates)."""


def build_office(
    settings: Settings, database: Database, app: App, opened: ChannelSet, owner: str
) -> Office:
    """The office's jobs over `opened`, each with its own channel objects (jobs run in threads)."""
    policy = OfficePolicy.from_settings(settings)
    publisher = Publisher(
        database,
        opened.fresh(),
        app.clock,
        settings.media_dir,
        owner,
        settings.zone,
        policy.publish,
        workers=policy.workers,
        channel_factory=opened.fresh,
    )
    catalogue = load_catalogue(settings.protocols_dir)
    return Office(
        policy=policy,
        database=database,
        channels=opened,
        publisher=publisher,
        inboxes={
            name: Inbox(database, {name: channel}, app.clock)
            for name, channel in capable(opened.fresh(), Polls).items()
        },
        responder=Responder.from_settings(database, settings, app.clock, catalogue),
        outbox=Outbox(
            database,
            opened.fresh(),
            app.clock,
            owner,
            lease=policy.outbox.lease,
            max_attempts=policy.outbox.max_attempts,
            hide_exposed=policy.outbox.hide_exposed,
            own_texts=company_texts(settings.company),
        ),
        metrics=MetricsCollector(database, opened.fresh(), app.clock, policy.metrics_days),
        catalogue=catalogue,
        notifier=Notifier(
            database,
            opened.fresh(),
            app.clock,
            owner,
            settings.media_dir,
            policy.notify,
            settings=settings,
            channel_factory=opened.fresh,
        ),
    )


@contextlib.contextmanager
def open_office(app: App, database: Database, sandbox_port: int = 0) -> Iterator[Office]:
    """Open the channels the settings enable (and the simulator they need) and build the
    office over them; the channels close when the block ends."""
    settings = app.settings
    with open_channels(settings, app.credentials, app.clock, sandbox_port=sandbox_port) as opened:
        yield build_office(settings, database, app, opened, daemon_name())


def receiver_config(app: App):
    """What the webhook receiver needs from the settings and the credentials (bad settings
    stop the command: exit 2)."""
    from webhooks.server import webhook_config

    return webhook_config(app.settings, app.credentials)


def build_receiver(
    app: App, database: Database, config, host: str | None = None, port: int | None = None
):
    """The webhook receiver, listening but not yet serving (`host` and `port` replace
    [webhooks]'s): the daemon runs it in a thread, `webhooks serve` alone in its process."""
    from webhooks.server import WebhookServer

    settings = app.settings
    return WebhookServer(
        config,
        database,
        app.clock,
        settings.webhooks.host if host is None else host,
        settings.webhooks.port if port is None else port,
    )


def receives_webhooks(settings) -> bool:
    """Whether the daemon runs the receiver: [webhooks] says so and a network whose messages
    arrive only by webhook is on (WhatsApp, Instagram's direct messages)."""
    return settings.webhooks.in_daemon and bool(webhook_message_networks(settings.channels))


def start_receiver(
    app: App, database: Database, own_sandbox_url: str | None, port: int | None = None
):
    """The webhook receiver in this process, when `receives_webhooks` (`port` replaces
    [webhooks] puerto: the demo takes a free one).

    A port already taken (another daemon of the same company receives them) is not fatal:
    this daemon goes on publishing and answering what the other one stores.
    """
    settings = app.settings
    if not receives_webhooks(settings):
        return None  # and uvicorn is not even imported
    from webhooks.server import subscribe_to_sandbox

    config = receiver_config(app)
    try:
        server = build_receiver(app, database, config, port=port).start()
    except ConectadosError as exc:
        # Said once, by the log (the terminal and the journal both show warnings).
        log.warning("este servicio no recibe webhooks: %s", exc)
        return None
    if config.sandbox:
        try:
            subscribe_to_sandbox(
                settings.sandbox.url or own_sandbox_url or "",
                reachable(server.url),
                config.verify_token,
            )
        except ConectadosError:
            server.stop()
            raise
    return server


def reachable(url: str) -> str:
    """The receiver's address as another local process can call it."""
    return url.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:")
