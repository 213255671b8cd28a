"""Meta's Graph API plumbing shared by Facebook and WhatsApp: the client, its errors, paging."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pyfacebook import GraphAPI
from pyfacebook.exceptions import FacebookError, LibraryError

from channels.base import HTTP_TIMEOUT_SECONDS, Transient
from channels.http import CountingSession

GRAPH_URL = "https://graph.facebook.com/"
GRAPH_VERSION = "v24.0"


def graph_client(
    access_token: str,
    base_url: str = GRAPH_URL,
    timeout: float = HTTP_TIMEOUT_SECONDS,
    app_secret: str | None = None,
) -> tuple[GraphAPI, CountingSession]:
    """A pyfacebook client on a session that counts calls and keeps the last headers.

    With the app's secret, pyfacebook adds `appsecret_proof` to every call it signs with
    the token (Meta's "Require App Secret" setting refuses calls without it)."""
    api = GraphAPI(
        access_token=access_token,
        app_secret=app_secret or None,
        version=GRAPH_VERSION,
        base_url=base_url.rstrip("/") + "/",
        timeout=timeout,
        sleep_on_rate_limit=False,
    )
    session = CountingSession(timeout)
    api.session = session
    return api, session


def appsecret_proof(access_token: str, app_secret: str) -> str:
    """Meta's proof that a call comes from the app's server: HMAC-SHA256 of the exact token
    sent, keyed with the app secret, in hex ("Secure Requests", Graph API). Never logged."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def call_graph(
    network: str,
    token: str,
    translate: Callable[[FacebookError], Exception],
    method: Callable[..., Any],
    *args: Any,
    **kwargs: Any,
) -> Any:
    """Run one pyfacebook call; Graph's errors become Transient, Rejected or AuthFailed."""
    try:
        return method(*args, **kwargs)
    except FacebookError as exc:
        raise translate(exc) from None
    except LibraryError as exc:  # a body that is not JSON: a proxy or an outage page
        raise Transient(
            f"respuesta inesperada de {network} ({scrub(exc.message, token)})",
            retry_after=60,
            outcome_unknown=True,
        ) from None


def scrub(message: Any, token: str) -> str:
    """A Graph error's text without the token (it repeats a malformed one: "EAAB...")."""
    return str(message).replace(token, "***")


def throttle_wait(headers: Any) -> float:
    """Seconds to wait, from the usage headers of the answer that refused us."""
    minutes = 0
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        usage = json.loads(headers.get("x-business-use-case-usage") or "{}")
        for entries in usage.values():
            for entry in entries:
                minutes = max(minutes, int(entry.get("estimated_time_to_regain_access") or 0))
    if minutes:
        return minutes * 60.0
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        app = json.loads(headers.get("x-app-usage") or "{}")
        if max(app.values(), default=0) >= 100:
            return 600.0  # app usage is a rolling hour: give it ten minutes
    return 60.0


def graph_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


def time_or_none(value: Any) -> datetime | None:
    try:
        return graph_time(value)
    except (TypeError, ValueError):
        return None


def listed(value: Any) -> list[Any]:
    """The items of an answer; anything else means the whole answer is not Graph's."""
    if not isinstance(value, list):
        raise TypeError("data is not a list")
    return value


def next_link(answer: dict[str, Any]) -> str | None:
    paging = answer.get("paging")
    found = paging.get("next") if isinstance(paging, dict) else None
    return found if isinstance(found, str) and found else None


def next_query(next_page: str) -> dict[str, str]:
    """The parameters of Graph's `paging.next` link, to ask for the next page the same way.

    The token is left out: pyfacebook adds its own (the link may carry an older one).
    """
    query = dict(parse_qsl(urlsplit(next_page).query))
    query.pop("access_token", None)
    return query
