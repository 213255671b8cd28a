"""The company's Instagram professional account, through the Instagram Graph API (Instagram
API with Facebook Login: the account is linked to the company's Page, the calls go to
graph.facebook.com with the Page's token) with python-facebook-api (pyfacebook).

Publishing (containers, their status, `media_publish`, the publishing limit) is in
`instagram_publishing.py`; comments, Direct messages, hiding and figures in
`instagram_reading.py`. This file holds what both use: the client, the calls and the errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from pyfacebook.exceptions import FacebookError

from channels.base import HTTP_TIMEOUT_SECONDS
from channels.meta.errors import classified
from channels.meta.graph import GRAPH_URL, call_graph, graph_client, scrub
from channels.meta.instagram_publishing import ContainerWait, InstagramPublishing
from channels.meta.instagram_reading import InstagramReading
from channels.specs import INSTAGRAM
from conectados.clock import Clock, SystemClock

log = logging.getLogger(__name__)

NAME = "instagram"
AUTH_CODES = INSTAGRAM.account_problem_codes
THROTTLE_CODES = {4, 17, 32, 613, 80001, 80002}
SERVER_CODES = {1, 2}


class InstagramChannel(InstagramPublishing, InstagramReading):
    """An Instagram professional account: posts, comments and Direct messages, as one channel."""

    name = NAME

    def __init__(
        self,
        ig_user_id: str,
        access_token: str,
        base_url: str = GRAPH_URL,
        timeout: float = HTTP_TIMEOUT_SECONDS,
        clock: Clock | None = None,
        media_dir: Path | None = None,
        media_url: str = "",
        comment_window: timedelta = timedelta(days=14),
        first_poll_lookback: timedelta = timedelta(days=1),
        metrics_window: timedelta = timedelta(days=90),
        app_secret: str | None = None,
        page_id: str | None = None,
        container_wait: ContainerWait | None = None,
    ) -> None:
        self.ig_user_id = ig_user_id
        self.page_id = page_id
        """The Facebook Page the account is linked to (Direct messages go through it)."""
        self.base_url = base_url
        self.clock = clock or SystemClock()
        self.media_dir = media_dir
        """carpeta_medios: a post's files are named relative to it in their public URL."""
        self.media_url = media_url.rstrip("/")
        """Where carpeta_medios is served for Meta to fetch ("" in the sandbox: file URLs)."""
        self.comment_window = comment_window
        self.first_poll_lookback = first_poll_lookback
        self.metrics_window = metrics_window
        self.container_wait = container_wait or ContainerWait()
        """How long a media container is waited for, and how often it is asked about."""
        self._token = access_token
        self.app_secret = app_secret
        self.api, self.session = graph_client(access_token, base_url, timeout, app_secret)

    # --- calls and errors --------------------------------------------------------------

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return call_graph("Instagram", self._token, self._translate, method, *args, **kwargs)

    def _scrub(self, message: Any) -> str:
        return scrub(message, self._token)

    def _translate(self, error: FacebookError) -> Exception:
        message = self._scrub(getattr(error, "message", ""))
        headers = self.session.last_headers
        return classified("Instagram", error, message, AUTH_CODES, THROTTLE_CODES, headers)
