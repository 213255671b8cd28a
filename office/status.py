"""What `conectados status` reports: where things are and what is waiting."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, time

import sqlalchemy as sa
from sqlmodel import select

from channels.specs import pushed_networks, spec
from conectados.app import App
from conectados.settings import ChannelMode
from content_calendar.models import Publication, PublicationState
from responders.models import (
    Interaction,
    Reply,
    ReplyState,
    SetAsideItem,
    Ticket,
    TicketStatus,
)
from scheduler.pauses import paused_channels

PENDING_PUBLICATION_STATES = (PublicationState.SCHEDULED, PublicationState.PUBLISHING)
PENDING_REPLY_STATES = (ReplyState.PENDING, ReplyState.APPROVED, ReplyState.SENDING)


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
    last_whatsapp: str | None = None
    """When the latest WhatsApp message arrived."""
    pending_publications: int | None = None
    pending_replies: int | None = None
    open_tickets: int | None = None
    overdue_tickets: int | None = None
    set_aside_today: int | None = None
    """Items the networks sent that could not be read, set aside since midnight (company zone)."""
    set_aside_total: int | None = None
    latest_set_aside: str | None = None
    """When, from which network, and why the latest one was set aside."""

    @property
    def schema_current(self) -> bool:
        return self.schema_revision == self.schema_head

    def as_dict(self) -> dict:
        data = asdict(self)
        data["schema_current"] = self.schema_current
        for channel, status in zip(data["channels"], self.channels, strict=True):
            channel["ready"] = status.ready
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
                            if spec(name).pushed
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
    if not schema.is_current:
        return status
    with database.session() as session:
        pauses = paused_channels(session.connection(), app.clock.now())
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
        last = session.exec(
            select(sa.func.max(Interaction.received_at)).where(
                Interaction.network.in_(pushed_networks())
            )
        ).one()
        now = app.clock.now()
        midnight = datetime.combine(now.astimezone(settings.zone).date(), time(), settings.zone)
        latest = session.exec(
            select(SetAsideItem.set_aside_at, SetAsideItem.network, SetAsideItem.reason)
            .order_by(SetAsideItem.set_aside_at.desc(), SetAsideItem.id.desc())
            .limit(1)
        ).first()
        return replace(
            status,
            channels=channels,
            last_whatsapp=f"{last.astimezone(settings.zone):%Y-%m-%d %H:%M}" if last else None,
            pending_publications=_count(
                session, Publication, Publication.state.in_(PENDING_PUBLICATION_STATES)
            ),
            pending_replies=_count(session, Reply, Reply.state.in_(PENDING_REPLY_STATES)),
            open_tickets=_count(session, Ticket, Ticket.status == TicketStatus.OPEN),
            overdue_tickets=_count(
                session,
                Ticket,
                Ticket.status == TicketStatus.OPEN,
                Ticket.due_date < app.clock.now().astimezone(settings.zone).date(),
            ),
            set_aside_today=_count(session, SetAsideItem, SetAsideItem.set_aside_at >= midnight),
            set_aside_total=_count(session, SetAsideItem),
            latest_set_aside=(
                f"{latest[0].astimezone(settings.zone):%Y-%m-%d %H:%M}, {latest[1]}: {latest[2]}"
                if latest
                else None
            ),
        )


def _webhooks_line(settings) -> str | None:
    if not settings.channels.whatsapp.enabled:
        return None
    hooks = settings.webhooks
    where = f"http://{hooks.host}:{hooks.port}{hooks.path}"
    if hooks.in_daemon:
        return f"lo abre el servicio («conectados daemon») en {where}"
    return f"aparte del servicio, lo abre «conectados webhooks serve» en {where}"


def _count(session, table, *conditions) -> int:
    return session.exec(select(sa.func.count()).select_from(table).where(*conditions)).one()


def config_file_label(path: str | None) -> str:
    if path is None:
        return "ninguno (valores por defecto; «conectados init» escribe un ejemplo)"
    return path
