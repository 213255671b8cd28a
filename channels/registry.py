"""Build the company's enabled channels from the settings: real networks or the sandbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from channels.base import Channel
from channels.facebook import FacebookChannel
from channels.sandbox import SandboxServer
from channels.sandbox.graph_world import PAGE_ID as SANDBOX_PAGE_ID
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID as SANDBOX_PHONE_NUMBER_ID
from channels.sandbox.x_world import ACCOUNT_ID as SANDBOX_ACCOUNT_ID
from channels.whatsapp import WhatsAppChannel
from channels.x import XChannel, XCredentials
from conectados.clock import Clock
from conectados.credentials import Credentials
from conectados.errors import ConfigError
from conectados.settings import ChannelMode, Settings

log = logging.getLogger(__name__)

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
        return {
            name: _build(name, config, credentials, sandbox_url, clock)
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
    name, config, credentials: Credentials, sandbox_url: str, clock: Clock | None
) -> Channel:
    in_sandbox = config.mode == ChannelMode.SANDBOX
    if name == "facebook":
        window = timedelta(days=config.comment_window_days)
        if in_sandbox:
            return FacebookChannel(
                SANDBOX_PAGE_ID,  # the company's real ids are for modo = "real"
                SANDBOX_TOKEN,
                sandbox_url,
                clock=clock,
                comment_window=window,
            )
        if not config.page_id:
            raise ConfigError(
                "falta pagina_id para usar Facebook en modo real",
                field="channels.facebook.pagina_id",
            )
        token = credentials.require(config.token_env, "publicar en la página de Facebook")
        return FacebookChannel(config.page_id, token, clock=clock, comment_window=window)
    if name == "x":
        if in_sandbox:
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
    if name == "whatsapp":
        if in_sandbox:
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
                "falta telefono_id para usar WhatsApp en modo real (está en WhatsApp Manager, "
                "en la configuración de la API)",
                field="channels.whatsapp.telefono_id",
            )
        token = credentials.require(config.token_env, "responder por WhatsApp")
        return WhatsAppChannel(
            config.phone_number_id,
            token,
            template=config.template,
            template_language=config.template_language,
            clock=clock,
        )
    raise ConfigError(f"red desconocida «{name}»", field=f"channels.{name}")
