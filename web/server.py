"""The web office's HTTP server: uvicorn on a socket bound before it starts, in the
foreground (`conectados web`) or in a thread (the daemon, the tests)."""

from __future__ import annotations

import errno
import signal
import socket
import threading
import time

import uvicorn

from conectados.errors import BadInput, ConectadosError
from conectados.userfiles import os_error_reason


class _Uvicorn(uvicorn.Server):
    def handle_exit(self, sig: int, frame: object) -> None:
        """Ctrl+C or SIGTERM: finish the requests in flight and return normally."""
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


def listen(host: str, port: int) -> socket.socket:
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(512)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConectadosError(
                f"el puerto {port} de la oficina web ya está en uso: probablemente ya está en "
                "marcha (en otra terminal o con el servicio); deténgala o cambie [web] puerto "
                "(o --port)"
            ) from None
        raise BadInput(
            f"no se pudo escuchar en {host}:{port} ({os_error_reason(exc)})", "--host"
        ) from None
    return sock


class WebServer:
    def __init__(self, asgi_app, host: str = "127.0.0.1", port: int = 8000) -> None:
        self.socket = listen(host, port)
        self.host, self.port = self.socket.getsockname()[:2]
        self.server = _Uvicorn(
            uvicorn.Config(
                asgi_app,
                log_config=None,
                access_log=False,  # URLs carry no personal data, but the log needs none of it
                lifespan="off",
                server_header=False,
                # Behind an HTTPS proxy on this machine, its X-Forwarded-Proto says https:
                # the session cookie is then marked Secure.
                proxy_headers=True,
                forwarded_allow_ips="127.0.0.1",
            )
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.socket.close()

    def start(self) -> WebServer:
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="web", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise ConectadosError("la oficina web no arrancó; vea el registro (-v)")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
