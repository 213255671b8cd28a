"""What the two HTTP servers (the webhook receiver, the web office) share: a socket bound
before uvicorn starts, a Spanish sentence when it cannot be had, uvicorn stopping cleanly on
Ctrl+C, and running in the foreground or in a thread of the daemon."""

from __future__ import annotations

import errno
import signal
import socket
import threading
import time
from collections.abc import Callable

import uvicorn

from conectados.errors import BadInput, ConectadosError
from conectados.userfiles import os_error_reason


def listen(host: str, port: int, in_use: str, backlog: int = 2048) -> socket.socket:
    """A listening socket, or a Spanish sentence: `in_use` when the port is taken (most
    likely the service already running: exit 1), else what the system said (the user's
    --host: exit 2)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: an answer's headers and body leave in two writes,
        # and with Nagle's algorithm the body would wait for the client's delayed ACK (40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConectadosError(in_use) from None
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


class Served:
    """An ASGI app on uvicorn over a socket already bound: `serve_forever` in the
    foreground (until Ctrl+C or SIGTERM), or `start`/`stop` in a thread."""

    name = "servidor"
    """What the sentence says did not start («el receptor de webhooks»)."""

    def __init__(self, sock: socket.socket, config: uvicorn.Config) -> None:
        self.socket = sock
        self.host, self.port = sock.getsockname()[:2]
        self.server = _Uvicorn(config)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self, once_started: Callable[[], None] | None = None) -> None:
        """`once_started` runs in another thread when the server answers; if it raises, the
        server stops and the error is raised here."""
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
            threading.Thread(target=after_start, name="al-arrancar", daemon=True).start()
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.close()
        if failure:
            raise failure[0]

    def start(self):
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name=self.name, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise ConectadosError(f"{self.name} no arrancó; vea el registro (-v)")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.close()

    def close(self) -> None:
        self.socket.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
