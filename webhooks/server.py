"""Running the receiver: its settings, its socket, uvicorn, and its subscription.

With the Meta channels in sandbox mode the receiver subscribes itself to the simulator
(as a company does once in Meta's App Dashboard), which checks it with the same handshake.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable

import requests
import uvicorn

from channels.sandbox.graph_world import PAGE_ID as SANDBOX_PAGE_ID
from channels.sandbox.whatsapp_world import APP_SECRET as SANDBOX_APP_SECRET
from channels.sandbox.whatsapp_world import PHONE_NUMBER_ID as SANDBOX_PHONE_NUMBER_ID
from channels.sandbox.whatsapp_world import VERIFY_TOKEN as SANDBOX_VERIFY_TOKEN
from conectados.clock import Clock
from conectados.credentials import Credentials
from conectados.db import Database
from conectados.errors import BadInput, ConectadosError, ConfigError
from conectados.settings import ChannelMode, Settings
from webhooks.app import Receiver, WebhookConfig

log = logging.getLogger("conectados.webhooks")

META_CHANNELS = ("facebook", "whatsapp")


def webhook_config(settings: Settings, credentials: Credentials) -> WebhookConfig:
    """The receiver's secrets and accounts: the simulator's, or the company's for real mode."""
    channels = settings.channels
    meta = {name: getattr(channels, name) for name in META_CHANNELS}
    enabled = {name: config for name, config in meta.items() if config.enabled}
    if not enabled:
        raise ConfigError(
            "ni Facebook ni WhatsApp están activos: no hay nada que recibir por webhook",
            field="channels.whatsapp.activo",
        )
    real = any(config.mode == ChannelMode.REAL for config in enabled.values())
    hooks = settings.webhooks
    if real:
        verify_token = credentials.require(hooks.verify_token_env, "verificar el webhook de Meta")
        secret = credentials.require(hooks.app_secret_env, "comprobar la firma de Meta")
    else:
        verify_token, secret = SANDBOX_VERIFY_TOKEN, SANDBOX_APP_SECRET

    def account(name: str, real_id: str, sandbox_id: str) -> str | None:
        config = enabled.get(name)
        if config is None:
            return None
        return real_id if config.mode == ChannelMode.REAL else sandbox_id

    return WebhookConfig(
        verify_token=verify_token,
        app_secret=secret,
        path=hooks.path,
        max_bytes=hooks.max_kilobytes * 1024,
        page_id=account("facebook", channels.facebook.page_id, SANDBOX_PAGE_ID),
        phone_number_id=account(
            "whatsapp", channels.whatsapp.phone_number_id, SANDBOX_PHONE_NUMBER_ID
        ),
        sandbox=not real,
    )


def listen(host: str, port: int) -> socket.socket:
    """The receiver's socket, or a Spanish sentence saying why it cannot be had."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise BadInput(
                f"el puerto {port} ya está en uso (¿otro receptor de webhooks en marcha?); "
                "elija otro con --port o con [webhooks] puerto",
                "--port",
            ) from None
        raise BadInput(f"no se pudo escuchar en {host}:{port} ({exc.strerror})", "--host") from None
    return sock


class _Uvicorn(uvicorn.Server):
    def handle_exit(self, sig: int, frame: object) -> None:
        """Ctrl+C or SIGTERM: finish the requests in flight and return normally (exit code 0)
        instead of being killed by the signal again once stopped, as uvicorn does."""
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True  # a second Ctrl+C: stop now
        else:
            self.should_exit = True


class WebhookServer:
    """The receiver on uvicorn: in the foreground (`webhooks serve`) or in a thread."""

    def __init__(
        self,
        config: WebhookConfig,
        database: Database,
        clock: Clock,
        host: str = "127.0.0.1",
        port: int = 8080,
    ) -> None:
        self.socket = listen(host, port)
        self.receiver = Receiver(config, database, clock)
        self.config = config
        self.host, self.port = self.socket.getsockname()[:2]
        self.server = _Uvicorn(
            uvicorn.Config(
                self.receiver.app,
                log_config=None,
                access_log=False,
                lifespan="off",
                timeout_keep_alive=75,  # Meta keeps connections open between deliveries
                server_header=False,
            )
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.config.path}"

    def serve_forever(self, once_started: Callable[[], None] | None = None) -> None:
        """In the foreground, until Ctrl+C or SIGTERM (uvicorn's own signal handling).

        `once_started` runs in another thread when the server answers; if it raises, the
        server stops and the error is raised here.
        """
        failure: list[BaseException] = []

        def after_start() -> None:
            while not self.server.started and not self.server.should_exit:
                time.sleep(0.01)
            try:
                once_started()  # type: ignore[misc]
            except BaseException as exc:
                failure.append(exc)
                self.server.should_exit = True

        if once_started is not None:
            threading.Thread(target=after_start, name="webhooks-start", daemon=True).start()
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.close()
        if failure:
            raise failure[0]

    def start(self) -> WebhookServer:
        self._thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self.socket]},
            name="webhooks",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and self._thread.is_alive():
            if time.monotonic() > deadline:
                raise ConectadosError("el receptor de webhooks no arrancó en 10 segundos")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.close()

    def close(self) -> None:
        self.receiver.close()
        self.socket.close()

    def __enter__(self) -> WebhookServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


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
