"""What `conectados status` reports: where things are and what is waiting.

Read through SQLAlchemy Core over light declarations of the few columns it counts
(`office.status_tables`, `responders.light_tables`): no model module and no ORM is imported,
which saves the status command about 0.2 s of the 0.5 s it took.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, time

import sqlalchemy as sa

from channels.specs import pushed_networks, spec
from conectados.app import App
from conectados.settings import ChannelMode
from office.status_tables import (
    PUBLICATION_PUBLISHING,
    PUBLICATION_SCHEDULED,
    publication,
)
from office.webhook_words import DIRECT_BY_WEBHOOK, webhook_message_networks
from responders.learning_version import ResponderVersion, responder_version
from responders.light_tables import (
    REPLY_APPROVED,
    REPLY_PENDING,
    REPLY_SENDING,
    TICKET_OPEN,
    interaction,
    reply,
    set_aside_item,
    ticket,
)
from responders.template_values import company_values
from scheduler.paused import paused_channels

PENDING_PUBLICATION_STATES = (PUBLICATION_SCHEDULED, PUBLICATION_PUBLISHING)
PENDING_REPLY_STATES = (REPLY_PENDING, REPLY_APPROVED, REPLY_SENDING)


@dataclass(frozen=True)
class ChannelStatus:
    name: str
    enabled: bool
    mode: str
    credentials: dict[str, bool]
    """Environment variable -> whether it holds a value (never the value)."""
    paused_until: str | None = None
    pause_reason: str | None = None

    missing_id: bool = False
    """Real mode without the page or account id the settings must give."""
    missing_key: str | None = None
    """That id's key in the settings file ("pagina_id")."""
    gap: str = ""
    """What real mode lacks for part of the work (Instagram without url_medios), in Spanish."""

    @property
    def ready(self) -> bool:
        if not self.enabled or self.paused_until:
            return False
        return self.mode == ChannelMode.SANDBOX or (
            all(self.credentials.values()) and not self.missing_id
        )


@dataclass(frozen=True)
class Status:
    config_file: str | None
    database: str
    database_exists: bool
    schema_revision: str | None
    schema_head: str
    timezone: str
    company: str
    company_missing: list[str]
    channels: list[ChannelStatus]
    webhooks: str | None = None
    """Who runs the receiver of Meta's messages (webhooks) and where (None: no network arrives by webhook)."""
    last_pushed_message: str | None = None
    """When the latest message that only comes by webhook arrived (WhatsApp's, Instagram's
    direct messages)."""
    pending_publications: int | None = None
    pending_replies: int | None = None
    open_tickets: int | None = None
    overdue_tickets: int | None = None
    set_aside_today: int | None = None
    """Items the networks sent that could not be read, set aside since midnight (company zone)."""
    set_aside_total: int | None = None
    latest_set_aside: str | None = None
    """When, from which network, and why the latest one was set aside."""
    responder: ResponderVersion = field(default_factory=ResponderVersion)
    """The protocols, learned examples and thresholds the service answers with."""

    @property
    def schema_current(self) -> bool:
        return self.schema_revision == self.schema_head

    def as_dict(self) -> dict:
        data = asdict(self)
        data["schema_current"] = self.schema_current
        for channel, status in zip(data["channels"], self.channels, strict=True):
            channel["ready"] = status.ready
        data["responder"]["line"] = self.responder.line
        return data


def collect_status(app: App) -> Status:
    """Gather the status without creating or changing anything."""
    settings = app.settings
    database = app.database
    schema = database.schema_state()
    channels = [
        ChannelStatus(
            name=name,
            enabled=channel.enabled,
            mode=str(channel.mode),
            missing_id=channel.mode == ChannelMode.REAL
            and channel.missing_account_key() is not None,
            missing_key=channel.missing_account_key(),
            gap=channel.real_mode_gap() if channel.mode == ChannelMode.REAL else "",
            credentials=(
                {}
                if channel.mode == ChannelMode.SANDBOX
                else {
                    variable: app.credentials.is_present(variable)
                    for variable in [
                        *channel.credential_variables().values(),
                        # What only comes by webhook needs the receiver's secrets too.
                        *(
                            [settings.webhooks.verify_token_env, settings.webhooks.app_secret_env]
                            if spec(name).pushed or spec(name).direct_by_webhook
                            else []
                        ),
                    ]
                }
            ),
        )
        for name, channel in settings.channels.by_name().items()
    ]
    status = Status(
        config_file=str(settings.source) if settings.source else None,
        database=database.display_url,
        database_exists=database.exists(),
        schema_revision=schema.current,
        schema_head=schema.head,
        timezone=settings.timezone,
        company=settings.company.name,
        company_missing=settings.company.missing_fields(),
        channels=channels,
        webhooks=_webhooks_line(settings),
    )
    folder, company = settings.protocols_dir, company_values(settings)
    if not schema.is_current:
        waiting = (
            "la base de datos no está al día («conectados init»)"
            if status.database_exists
            else "sin base de datos todavía"
        )
        version = responder_version(folder, company, None, settings.zone, waiting)
        return replace(status, responder=version)
    now = app.clock.now()
    with database.transaction() as connection:
        pauses = paused_channels(connection, now)
        channels = [
            replace(
                channel,
                paused_until=f"{pauses[channel.name][0].astimezone(settings.zone):%Y-%m-%d %H:%M}",
                pause_reason=pauses[channel.name][1],
            )
            if channel.name in pauses
            else channel
            for channel in status.channels
        ]
        last = connection.execute(
            sa.select(sa.func.max(interaction.c.received_at)).where(
                interaction.c.network.in_(pushed_networks())
                | (interaction.c.network.in_(DIRECT_BY_WEBHOOK) & (_KIND == "message"))
            )
        ).scalar_one()
        midnight = datetime.combine(now.astimezone(settings.zone).date(), time(), settings.zone)
        aside = set_aside_item.c
        latest = connection.execute(
            sa.select(aside.set_aside_at, aside.network, aside.reason)
            .order_by(aside.set_aside_at.desc(), aside.id.desc())
            .limit(1)
        ).first()
        return replace(
            status,
            responder=responder_version(folder, company, connection, settings.zone),
            channels=channels,
            last_pushed_message=f"{last.astimezone(settings.zone):%Y-%m-%d %H:%M}"
            if last
            else None,
            pending_publications=_count(
                connection, publication, publication.c.state.in_(PENDING_PUBLICATION_STATES)
            ),
            pending_replies=_count(connection, reply, reply.c.state.in_(PENDING_REPLY_STATES)),
            open_tickets=_count(connection, ticket, ticket.c.status == TICKET_OPEN),
            overdue_tickets=_count(
                connection,
                ticket,
                ticket.c.status == TICKET_OPEN,
                ticket.c.due_date < now.astimezone(settings.zone).date(),
            ),
            set_aside_today=_count(connection, set_aside_item, aside.set_aside_at >= midnight),
            set_aside_total=_count(connection, set_aside_item),
            latest_set_aside=(
                f"{latest[0].astimezone(settings.zone):%Y-%m-%d %H:%M}, {latest[1]}: {latest[2]}"
                if latest
                else None
            ),
        )


_KIND = sa.column("kind", sa.String)
"""interaction.kind (responders.light_tables leaves it out): a direct message, by webhook."""


def _webhooks_line(settings) -> str | None:
    if not webhook_message_networks(settings.channels):
        return None  # no network on sends its messages by webhook
    hooks = settings.webhooks
    where = f"http://{hooks.host}:{hooks.port}{hooks.path}"
    if hooks.in_daemon:
        return f"lo abre el servicio («conectados daemon») en {where}"
    return f"aparte del servicio, lo abre «conectados webhooks serve» en {where}"


def _count(connection: sa.Connection, table, *conditions) -> int:
    return connection.execute(
        sa.select(sa.func.count()).select_from(table).where(*conditions)
    ).scalar_one()


def config_file_label(path: str | None) -> str:
    if path is None:
        return "ninguno (valores por defecto; «conectados init» escribe un ejemplo)"
    return path
