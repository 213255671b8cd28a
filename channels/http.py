"""HTTP details shared by the adapters: a timeout on every call, call counting, redirection."""

from __future__ import annotations

import requests

from channels.base import HTTP_TIMEOUT_SECONDS


class CountingSession(requests.Session):
    """A session that counts the calls it makes, sets a default timeout, and can redirect.

    `redirect` maps a public API origin (https://api.x.com) to another one (the sandbox),
    rewritten before the request is signed, so OAuth signatures match what is received.
    """

    def __init__(
        self, timeout: float = HTTP_TIMEOUT_SECONDS, redirect: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.redirect = {
            origin.rstrip("/"): target.rstrip("/") for origin, target in (redirect or {}).items()
        }
        self.calls = 0
        self.last_headers: requests.structures.CaseInsensitiveDict[str] = (
            requests.structures.CaseInsensitiveDict()
        )

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if isinstance(url, str):
            for origin, target in self.redirect.items():
                if url.startswith(origin):
                    url = target + url[len(origin) :]
                    break
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        self.calls += 1
        response = super().request(method, url, *args, **kwargs)
        self.last_headers = response.headers
        return response
