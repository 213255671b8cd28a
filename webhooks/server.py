"""Running the receiver: its settings, its socket, uvicorn, and its subscription.

With the Meta channels in sandbox mode the receiver subscribes itself to the simulator
(as a company does once in Meta's App Dashboard), which checks it with the same handshake.
"""

from __future__ import annotations

import gc
import logging
import socket

import requests
import uvicorn

from channels.meta.webhooks import WebhookAccounts
from channels.specs import display_name, pushed_networks, webhook_networks
from conectados import serving
from conectados.clock import Clock
from conectados.credentials import Credentials
from conectados.db import Database
from conectados.errors import ConectadosError, ConfigError
from conectados.settings import ChannelMode, Settings
from webhooks.app import Receiver, WebhookConfig

log = logging.getLogger("conectados.webhooks")


def webhook_config(
    settings: Settings, credentials: Credentials, sandbox: WebhookAccounts | None = None
) -> WebhookConfig:
    """The receiver's secrets and accounts: the simulator's (`sandbox`; by default the
    registry's), or the company's for real mode.

    One receiver checks one app secret: Meta's or the simulator's. A network that arrives
    only by webhook (WhatsApp) sets which; the others Meta's webhook brings (Facebook, also
    polled) are taken when they run in the same mode.
    """
    sections = settings.channels.by_name()
    hooked = {
        name: sections[name]
        for name in webhook_networks()
        if name in sections and sections[name].enabled
    }
    if not hooked:
        names = " ni ".join(display_name(name) for name in webhook_networks())
        first_pushed = (pushed_networks() or webhook_networks())[0]
        raise ConfigError(
            f"ni {names} están activos: no hay nada que recibir por webhook",
            field=f"channels.{first_pushed}.activo",
        )
    pushed_on = [name for name in pushed_networks() if name in hooked]
    mode = hooked[(pushed_on or list(hooked))[0]].mode
    real = mode == ChannelMode.REAL
    hooks = settings.webhooks
    if real:
        verify_token = credentials.require(hooks.verify_token_env, "verificar el webhook de Meta")
        secret = credentials.require(hooks.app_secret_env, "comprobar la firma de Meta")
    else:
        if sandbox is None:
            from channels.registry import sandbox_webhook_accounts

            sandbox = sandbox_webhook_accounts()
        verify_token, secret = sandbox.verify_token, sandbox.app_secret

    accounts: dict[str, str] = {}
    for name, section in hooked.items():
        if section.mode != mode:
            continue
        if not real:
            accounts[name] = sandbox.accounts[name]  # type: ignore[union-attr]
            continue
        if not section.account_id():  # without it, any account's events would be taken as ours
            raise ConfigError(
                "falta para recibir sus webhooks en modo real",
                field=f"channels.{name}.{section.missing_account_key()}",
            )
        accounts[name] = section.account_id()
    return WebhookConfig(
        verify_token=verify_token,
        app_secret=secret,
        path=hooks.path,
        max_bytes=hooks.max_kilobytes * 1024,
        accounts=accounts,
        sandbox=not real,
    )


def listen(host: str, port: int) -> socket.socket:
    """The receiver's socket, or a Spanish sentence saying why it cannot be had."""
    return serving.listen(
        host,
        port,
        f"el puerto {port} del receptor de mensajes de Meta (webhooks) ya está en "
        "uso: probablemente el servicio ya está en marcha (en otra terminal o como "
        "servicio: «systemctl status conectados») u otro programa lo usa; deténgalo "
        "o cambie [webhooks] puerto (o --port en «webhooks serve»)",
    )


def tune_collector_for_receiver() -> None:
    """For a process that is mainly the receiver: what is loaded by now (libraries,
    settings) lives as long as the process, so the collector need not scan it again, a
    pause every answer in flight would wait for. Called by the entry point that wants it
    (`webhooks serve`, the daemon, the benchmark), never by a constructor: it changes the
    whole process."""
    gc.collect()
    gc.freeze()


class WebhookServer(serving.Served):
    """The receiver on uvicorn: in the foreground (`webhooks serve`) or in a thread."""

    name = "el receptor de webhooks"

    def __init__(
        self,
        config: WebhookConfig,
        database: Database,
        clock: Clock,
        host: str = "127.0.0.1",
        port: int = 8080,
    ) -> None:
        sock = listen(host, port)
        self.receiver = Receiver(config, database, clock)
        self.config = config
        super().__init__(
            sock,
            uvicorn.Config(
                self.receiver.app,
                log_config=None,
                access_log=False,
                lifespan="off",
                timeout_keep_alive=75,  # Meta keeps connections open between deliveries
                limit_concurrency=1000,  # past this, 503 at once: Meta retries later
                server_header=False,
            ),
        )

    @property
    def url(self) -> str:
        return f"{self.address}{self.config.path}"

    def close(self) -> None:
        self.receiver.close()
        super().close()


def subscribe_to_sandbox(sandbox_url: str, receiver_url: str, verify_token: str) -> None:
    """Ask the simulator to deliver its events here; it checks us with Meta's handshake."""
    try:
        answer = requests.post(
            f"{sandbox_url.rstrip('/')}/_sandbox/webhooks",
            json={"url": receiver_url, "verify_token": verify_token},
            timeout=15,
        )
    except requests.RequestException:
        raise ConectadosError(
            f"no hay un simulador en {sandbox_url}: inicie «conectados daemon» (o «conectados "
            "sandbox serve») antes, o indique su dirección en [sandbox] url"
        ) from None
    if answer.status_code >= 400:
        raise ConectadosError(
            f"el simulador no aceptó el webhook {receiver_url}: {answer.text[:200]}"
        )
    log.info("el simulador entrega sus eventos en %s", receiver_url)
