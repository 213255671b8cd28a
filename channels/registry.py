"""Build the company's enabled channels from the settings: real networks or the sandbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from channels.base import Channel, Hides, Measures, Polls, Publishes, Replies, capable
from channels.meta.facebook import FacebookChannel
from channels.meta.instagram import InstagramChannel
from channels.meta.webhooks import WebhookAccounts
from channels.meta.whatsapp import WhatsAppChannel
from channels.sandbox import SandboxServer
from channels.sandbox.graph_world import APP_ID as SANDBOX_APP_ID
from channels.sandbox.graph_world import PAGE_ID as SANDBOX_PAGE_ID
from channels.sandbox.instagram_world import IG_USER_ID as SANDBOX_IG_USER_ID
from channels.sandbox.whatsapp_world import APP_SECRET as SANDBOX_APP_SECRET
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID as SANDBOX_PHONE_NUMBER_ID
from channels.sandbox.whatsapp_world import VERIFY_TOKEN as SANDBOX_VERIFY_TOKEN
from channels.sandbox.x_world import ACCOUNT_ID as SANDBOX_ACCOUNT_ID
from channels.specs import FACEBOOK, INSTAGRAM, WHATSAPP, NetworkSpec, X
from channels.x import XChannel, XCredentials
from conectados.clock import Clock
from conectados.credentials import Credentials
from conectados.errors import ConfigError
from conectados.settings import ChannelMode, Settings

log = logging.getLogger(__name__)

SANDBOX_PORT = 8765
"""Where the daemon's own simulator listens (the commands of `conectados sandbox` call it)."""
SANDBOX_URL = f"http://127.0.0.1:{SANDBOX_PORT}"

SANDBOX_TOKEN = "sandbox-token"


@dataclass
class ChannelSet:
    """The enabled channels, and the sandbox this process started for them (if any)."""

    channels: dict[str, Channel]
    sandbox: SandboxServer | None = None
    closed: bool = field(default=False, init=False)
    build: Callable[[], dict[str, Channel]] | None = field(default=None, repr=False)
    """Makes another set of the same channels (same worlds), for a job in another thread."""

    def fresh(self) -> dict[str, Channel]:
        """Channel objects of their own for one job: HTTP sessions are not shared by threads."""
        return self.build() if self.build is not None else dict(self.channels)

    def publishing(self) -> dict[str, Publishes]:
        """Every open channel that can publish."""
        return capable(self.channels, Publishes)

    def polling(self) -> dict[str, Polls]:
        """Every open channel that can be polled."""
        return capable(self.channels, Polls)

    def replying(self) -> dict[str, Replies]:
        """Every open channel that can answer citizens."""
        return capable(self.channels, Replies)

    def measuring(self) -> dict[str, Measures]:
        """Every open channel that reports its posts' figures."""
        return capable(self.channels, Measures)

    def hiding(self) -> dict[str, Hides]:
        """Every open channel that can hide a comment."""
        return capable(self.channels, Hides)

    def close(self) -> None:
        if self.sandbox is not None and not self.closed:
            self.sandbox.stop()
        self.closed = True

    def __enter__(self) -> ChannelSet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_channels(
    settings: Settings,
    credentials: Credentials,
    clock: Clock | None = None,
    sandbox_port: int = 0,
) -> ChannelSet:
    """The enabled channels; starts a sandbox in this process when one is needed and no
    `[sandbox] url` is set (on `sandbox_port`; 0 picks a free port)."""
    wanted = {
        name: config for name, config in settings.channels.by_name().items() if config.enabled
    }
    sandbox = None
    sandbox_url = settings.sandbox.url.rstrip("/")
    if not sandbox_url and any(config.mode == ChannelMode.SANDBOX for config in wanted.values()):
        sandbox = SandboxServer(port=sandbox_port, state_path=settings.sandbox_state_path).start()
        sandbox_url = sandbox.url
        log.info("simulador de redes iniciado en %s", sandbox_url)

    def build() -> dict[str, Channel]:
        # Meta's app secret signs every real Graph call (appsecret_proof) when it is set.
        real_meta = any(
            name in ("facebook", "instagram", "whatsapp") and config.mode != ChannelMode.SANDBOX
            for name, config in wanted.items()
        )
        app_secret = credentials.get(settings.webhooks.app_secret_env) if real_meta else None
        return {
            name: _build(
                name, config, credentials, sandbox_url, clock, app_secret, settings.media_dir
            )
            for name, config in wanted.items()
        }

    try:
        channels = build()
    except Exception:
        if sandbox is not None:
            sandbox.stop()
        raise
    return ChannelSet(channels, sandbox, build=build)


def _build(
    name: str,
    config,
    credentials: Credentials,
    sandbox_url: str,
    clock: Clock | None,
    app_secret: str | None = None,
    media_dir: Path | None = None,
) -> Channel:
    if name not in NETWORKS:
        raise ConfigError(f"red desconocida «{name}»", field=f"channels.{name}")
    factory, _ = NETWORKS[name]
    in_sandbox = config.mode == ChannelMode.SANDBOX
    url = sandbox_url if in_sandbox else None
    if name == "instagram":  # its images go by URL: it names them inside carpeta_medios
        return _instagram(config, credentials, url, clock, app_secret, media_dir)
    return factory(config, credentials, url, clock, app_secret)


def _facebook(
    config, credentials: Credentials, sandbox_url: str | None, clock, app_secret=None
) -> Channel:
    window = timedelta(days=config.comment_window_days)
    if sandbox_url is not None:
        return FacebookChannel(
            SANDBOX_PAGE_ID,  # the company's real ids are for modo = "real"
            SANDBOX_TOKEN,
            sandbox_url,
            clock=clock,
            comment_window=window,
            app_id=SANDBOX_APP_ID,
        )
    if not config.page_id:
        raise ConfigError(
            "falta pagina_id para usar Facebook en modo real",
            field="channels.facebook.pagina_id",
        )
    token = credentials.require(config.token_env, "publicar en la página de Facebook")
    return FacebookChannel(
        config.page_id,
        token,
        clock=clock,
        comment_window=window,
        app_secret=app_secret,
        app_id=config.app_id or None,  # without it only Reels go up (Rejected says what to set)
        derive_page_token=True,  # the system user's token is enough: the Page's is asked for
    )


def _instagram(
    config,
    credentials: Credentials,
    sandbox_url: str | None,
    clock,
    app_secret=None,
    media_dir: Path | None = None,
) -> Channel:
    channel = _instagram_channel(config, credentials, sandbox_url, clock, app_secret, media_dir)
    channel.human_agent_tag = config.human_agent_tag
    return channel


def _instagram_channel(
    config,
    credentials: Credentials,
    sandbox_url: str | None,
    clock,
    app_secret=None,
    media_dir: Path | None = None,
) -> InstagramChannel:
    window = timedelta(days=config.comment_window_days)
    if sandbox_url is not None:
        return InstagramChannel(
            SANDBOX_IG_USER_ID,  # the company's real account is for modo = "real"
            SANDBOX_TOKEN,
            sandbox_url,
            clock=clock,
            media_dir=media_dir,
            media_url=config.media_url,
            comment_window=window,
            page_id=SANDBOX_PAGE_ID,
        )
    if not config.ig_user_id:
        raise ConfigError(
            "falta cuenta_id para usar Instagram en modo real (el identificador de la cuenta "
            "profesional de Instagram vinculada a la página; «conectados channels check» lo "
            "muestra)",
            field="channels.instagram.cuenta_id",
        )
    token = credentials.require(config.token_env, "publicar en la cuenta de Instagram")
    return InstagramChannel(
        config.ig_user_id,
        token,
        clock=clock,
        media_dir=media_dir,
        media_url=config.media_url,
        comment_window=window,
        app_secret=app_secret,
    )


def _x(
    config, credentials: Credentials, sandbox_url: str | None, clock, app_secret=None
) -> Channel:
    if sandbox_url is not None:
        keys = XCredentials(*(SANDBOX_TOKEN,) * 4)
        return XChannel(keys, SANDBOX_ACCOUNT_ID, sandbox_url, clock=clock)
    keys = XCredentials(
        *(
            credentials.require(variable, "publicar en la cuenta de X")
            for variable in (
                config.api_key_env,
                config.api_secret_env,
                config.access_token_env,
                config.access_secret_env,
            )
        )
    )
    return XChannel(keys, config.user_id or None, clock=clock)


def _whatsapp(
    config, credentials: Credentials, sandbox_url: str | None, clock, app_secret=None
) -> Channel:
    if sandbox_url is not None:
        return WhatsAppChannel(
            SANDBOX_PHONE_NUMBER_ID,
            SANDBOX_TOKEN,
            sandbox_url,
            template=config.template,
            template_language=config.template_language,
            clock=clock,
        )
    if not config.phone_number_id:
        raise ConfigError(
            "falta telefono_id para usar WhatsApp en modo real (en developers.facebook.com, la "
            "app → WhatsApp → Configuración de la API: «Identificador del número de teléfono»)",
            field="channels.whatsapp.telefono_id",
        )
    token = credentials.require(config.token_env, "responder por WhatsApp")
    return WhatsAppChannel(
        config.phone_number_id,
        token,
        template=config.template,
        template_language=config.template_language,
        clock=clock,
        app_secret=app_secret,
    )


Factory = Callable[[Any, Credentials, "str | None", "Clock | None", "str | None"], Channel]
"""Builds a network's adapter from its settings section, the credentials, the sandbox's
address (None: the real network), the clock and Meta's app secret (None: no
appsecret_proof; X ignores it)."""

NETWORKS: dict[str, tuple[Factory, NetworkSpec]] = {
    "facebook": (_facebook, FACEBOOK),
    "instagram": (_instagram, INSTAGRAM),
    "x": (_x, X),
    "whatsapp": (_whatsapp, WHATSAPP),
}
"""Every network Conectados can open: its adapter factory and its spec."""


SANDBOX_ACCOUNTS: dict[str, str] = {
    "facebook": SANDBOX_PAGE_ID,
    "instagram": SANDBOX_IG_USER_ID,
    "x": SANDBOX_ACCOUNT_ID,
    "whatsapp": SANDBOX_PHONE_NUMBER_ID,
}
"""Each network's account in the simulator (the company's real ones are for modo = "real")."""


def sandbox_webhook_accounts() -> WebhookAccounts:
    """The simulator's webhook secrets and accounts, for a receiver in sandbox mode."""
    return WebhookAccounts(
        verify_token=SANDBOX_VERIFY_TOKEN,
        app_secret=SANDBOX_APP_SECRET,
        accounts=dict(SANDBOX_ACCOUNTS),
    )
