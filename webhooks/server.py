"""Running the receiver: its settings, its socket, uvicorn, and its subscription.

With the Meta channels in sandbox mode the receiver subscribes itself to the simulator
(as a company does once in Meta's App Dashboard), which checks it with the same handshake.
"""

from __future__ import annotations

import errno
import gc
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable

import requests
import uvicorn

from channels.meta.webhooks import WebhookAccounts
from channels.specs import display_name, pushed_networks, webhook_networks
from conectados.clock import Clock
from conectados.credentials import Credentials
from conectados.db import Database
from conectados.errors import BadInput, ConectadosError, ConfigError
from conectados.settings import ChannelMode, Settings
from conectados.userfiles import os_error_reason
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
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: an answer's headers and body leave in two writes,
        # and with Nagle's algorithm the body would wait for the client's delayed ACK (40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            # Not the user's input: the service already running, most likely (exit 1).
            raise ConectadosError(
                f"el puerto {port} del receptor de mensajes de Meta (webhooks) ya está en "
                "uso: probablemente el servicio ya está en marcha (en otra terminal o como "
                "servicio: «systemctl status conectados») u otro programa lo usa; deténgalo "
                "o cambie [webhooks] puerto (o --port en «webhooks serve»)"
            ) from None
        raise BadInput(
            f"no se pudo escuchar en {host}:{port} ({os_error_reason(exc)})", "--host"
        ) from None
    return sock


class _Uvicorn(uvicorn.Server):
    def handle_exit(self, sig: int, frame: object) -> None:
        """Ctrl+C or SIGTERM: finish the requests in flight and return normally (exit code 0)
        instead of being killed by the signal again once stopped, as uvicorn does."""
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True  # a second Ctrl+C: stop now
        else:
            self.should_exit = True


def tune_collector_for_receiver() -> None:
    """For a process that is mainly the receiver: what is loaded by now (libraries,
    settings) lives as long as the process, so the collector need not scan it again, a
    pause every answer in flight would wait for. Called by the entry point that wants it
    (`webhooks serve`, the daemon, the benchmark), never by a constructor: it changes the
    whole process."""
    gc.collect()
    gc.freeze()


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
                limit_concurrency=1000,  # past this, 503 at once: Meta retries later
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
            if self.server.should_exit:
                return  # stopped (Ctrl+C) before it answered: nothing to do once started
            try:
                once_started()  # type: ignore[misc]
            except BaseException as exc:
                # A Ctrl+C during `once_started` closes the socket it may be using (the
                # simulator's handshake then finds no one): that is a stop, not a failure.
                if not self.server.should_exit:
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
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise ConectadosError("el receptor de webhooks no arrancó; vea el registro (-v)")
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
