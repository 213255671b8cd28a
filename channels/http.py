"""HTTP details shared by the adapters: a timeout on every call, call counting, redirection."""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

import requests

from channels.base import HTTP_TIMEOUT_SECONDS, ChannelError, Rejected, Transient
from conectados.userfiles import os_error_reason

log = logging.getLogger(__name__)
Method = TypeVar("Method", bound=Callable[..., Any])


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


def guarded(network: str) -> Callable[[Method], Method]:
    """Make an adapter method fail only with Transient, Rejected or AuthFailed.

    Whatever the client library lets through (a network error, an answer missing a
    field, a media file that cannot be read) becomes one of the three errors, so the
    scheduler never sees a library's exception.
    """

    def decorate(method: Method) -> Method:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except ChannelError:
                raise
            except requests.Timeout:
                raise Transient(
                    f"{network} no respondió a tiempo", retry_after=30, outcome_unknown=True
                ) from None
            except requests.RequestException as exc:
                raise Transient(
                    f"sin conexión con {network} ({type(exc).__name__})",
                    retry_after=30,
                    outcome_unknown=True,
                ) from None
            except OSError as exc:  # a media file that vanished or cannot be read
                raise Rejected(
                    f"no se pudo leer el archivo {exc.filename or ''} ({os_error_reason(exc)})".replace(
                        "  ", " "
                    )
                ) from None
            except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
                log.warning("%s: respuesta inesperada", network, exc_info=True)
                raise Transient(
                    f"respuesta inesperada de {network} ({type(exc).__name__})",
                    retry_after=60,
                    outcome_unknown=True,
                ) from None

        return wrapper  # type: ignore[return-value]

    return decorate


def comparable_text(text: str) -> str:
    """A post's text as networks give it back: entities decoded, links dropped, spaces folded.

    X rewrites links as t.co addresses and adds one for attached media; both networks may
    fold white space. What is left identifies the post.
    """
    text = html.unescape(text)
    text = re.sub(r"https?://\S+", " ", text)
    return re.sub(r"\s+", " ", text).strip()
