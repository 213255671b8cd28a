"""The web office's HTTP server: uvicorn on a socket bound before it starts, in the
foreground (`conectados web`) or in a thread (the daemon, the tests)."""

from __future__ import annotations

import uvicorn

from conectados import serving


class WebServer(serving.Served):
    name = "la oficina web"

    def __init__(self, asgi_app, host: str = "127.0.0.1", port: int = 8000) -> None:
        sock = serving.listen(
            host,
            port,
            f"el puerto {port} de la oficina web ya está en uso: probablemente ya está en "
            "marcha (en otra terminal o con el servicio); deténgala o cambie [web] puerto "
            "(o --port)",
            backlog=512,
        )
        super().__init__(
            sock,
            uvicorn.Config(
                asgi_app,
                log_config=None,
                access_log=False,  # the log needs no list of pages seen
                lifespan="off",
                server_header=False,
                # Behind an HTTPS proxy on this machine, its X-Forwarded-Proto says https:
                # the session cookie is then marked Secure.
                proxy_headers=True,
                forwarded_allow_ips="127.0.0.1",
            ),
        )

    @property
    def url(self) -> str:
        """Where a browser on this machine opens it (0.0.0.0 is not an address to open)."""
        return self.address.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:")
