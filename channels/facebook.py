"""The company's Facebook Page, through the Graph API with python-facebook-api (pyfacebook)."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from pyfacebook import GraphAPI
from pyfacebook.exceptions import FacebookError, LibraryError

from channels.base import (
    HTTP_TIMEOUT_SECONDS,
    AuthFailed,
    Batch,
    Incoming,
    Outgoing,
    Receipt,
    Rejected,
    Sample,
    Transient,
)
from channels.http import CountingSession
from channels.media import RULES, MediaFile
from channels.polling import PollCursor
from conectados.clock import Clock, SystemClock

log = logging.getLogger(__name__)

GRAPH_URL = "https://graph.facebook.com/"
GRAPH_VERSION = "v24.0"
MESSAGING_WINDOW = timedelta(hours=24)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
IDS_PER_REQUEST = 50
PAGE_LIMIT = 100

AUTH_CODES = {102, 190}
THROTTLE_CODES = {4, 17, 32, 613, 80001}
SERVER_CODES = {1, 2}

COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id}"
# Post insights that survive Meta's 2024-2025 deprecations (post_impressions* are gone:
# asking for one fails the whole request).
INSIGHT_METRICS = ("post_media_view", "post_total_media_view_unique", "post_clicks")
METRIC_FIELDS = (
    "id,shares,comments.summary(true).limit(0),reactions.summary(total_count).limit(0),"
    f"insights.metric({','.join(INSIGHT_METRICS)}){{name,values}}"
)


def _graph_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


class FacebookChannel:
    """A Facebook Page: posts, comments and Messenger, as one channel."""

    name = "facebook"

    def __init__(
        self,
        page_id: str,
        access_token: str,
        base_url: str = GRAPH_URL,
        timeout: float = HTTP_TIMEOUT_SECONDS,
        clock: Clock | None = None,
        comment_window: timedelta = timedelta(days=14),
        first_poll_lookback: timedelta = timedelta(days=1),
    ) -> None:
        self.page_id = page_id
        self.clock = clock or SystemClock()
        self.comment_window = comment_window
        self.first_poll_lookback = first_poll_lookback
        self.api = GraphAPI(
            access_token=access_token,
            version=GRAPH_VERSION,
            base_url=base_url.rstrip("/") + "/",
            timeout=timeout,
            sleep_on_rate_limit=False,
        )
        self.session = CountingSession(timeout)
        self.api.session = self.session

    # --- publishing ------------------------------------------------------------------

    def publish(self, post: Outgoing) -> Receipt:
        files = [MediaFile.inspect(path) for path in post.media]
        problems = RULES["facebook"].problems(files)
        if problems:
            raise Rejected("Facebook no acepta estos archivos: " + "; ".join(problems))
        if not files:
            answer = self._call(
                self.api.post_object, self.page_id, "feed", data={"message": post.text}
            )
            return self._receipt(answer["id"])
        if files[0].kind == "video":
            with _opened(files[0]) as source:
                answer = self._call(
                    self.api.post_object,
                    self.page_id,
                    "videos",
                    data={"description": post.text},
                    files={"source": source},
                )
            return self._receipt(f"{self.page_id}_{answer['id']}")
        if len(files) == 1:
            with _opened(files[0]) as source:
                answer = self._call(
                    self.api.post_object,
                    self.page_id,
                    "photos",
                    data={"caption": post.text},
                    files={"source": source},
                )
            return self._receipt(answer["post_id"])
        photo_ids = []
        for media in files:
            with _opened(media) as source:
                answer = self._call(
                    self.api.post_object,
                    self.page_id,
                    "photos",
                    data={"published": "false"},
                    files={"source": source},
                )
            photo_ids.append(answer["id"])
        attached = {
            f"attached_media[{index}]": json.dumps({"media_fbid": photo_id})
            for index, photo_id in enumerate(photo_ids)
        }
        answer = self._call(
            self.api.post_object, self.page_id, "feed", data={"message": post.text, **attached}
        )
        return self._receipt(answer["id"])

    def _receipt(self, remote_id: str) -> Receipt:
        # The post exists now: failing to read its URL must not look like a failed publish.
        try:
            details = self._call(
                self.api.get_object, remote_id, fields="permalink_url,created_time"
            )
        except (Transient, Rejected) as exc:
            log.warning("facebook: publicado %s, sin su enlace (%s)", remote_id, exc)
            return Receipt(remote_id)
        created = details.get("created_time")
        return Receipt(
            remote_id, details.get("permalink_url"), _graph_time(created) if created else None
        )

    def find_published(self, post: Outgoing, since: datetime) -> Receipt | None:
        answer = self._call(
            self.api.get_full_connections,
            self.page_id,
            "published_posts",
            count=None,
            limit=PAGE_LIMIT,
            fields="id,message,created_time,permalink_url",
            since=int(since.timestamp()),
        )
        wanted = _normalised(post.text)
        for found in answer.get("data", []):  # newest first
            if _normalised(found.get("message", "")) == wanted:
                return Receipt(
                    found["id"], found.get("permalink_url"), _graph_time(found["created_time"])
                )
        return None

    # --- reading what citizens write --------------------------------------------------

    def poll(self, cursor: str | None) -> Batch:
        """New comments on the Page's recent posts and new Messenger messages.

        Costs one call for the posts of the last `comment_window` days (with their new
        comments expanded in the same answer) and one for the inbox, however many posts
        the Page has; more only when there is more new activity than fits in one page.
        """
        calls_before = self.session.calls
        state = PollCursor.load(cursor, self.clock.now() - self.first_poll_lookback)
        comments = list(self._new_comments(state.stream("comments")))
        messages = list(self._new_messages(state.stream("messages")))
        return Batch(comments + messages, state.dump(), calls=self.session.calls - calls_before)

    def _new_comments(self, stream) -> Iterator[Incoming]:
        since = int(stream.since.timestamp())
        window_start = int((self.clock.now() - self.comment_window).timestamp())
        fields = (
            "id,comments.filter(stream).order(reverse_chronological)"
            f".since({since}).limit({PAGE_LIMIT}){{{COMMENT_FIELDS}}}"
        )
        answer = self._call(
            self.api.get_full_connections,
            self.page_id,
            "published_posts",
            count=None,
            limit=PAGE_LIMIT,
            since=min(window_start, since),
            fields=fields,
        )
        for post in answer.get("data", []):
            edge = post.get("comments") or {}
            comments = edge.get("data", [])
            if edge.get("paging", {}).get("next"):
                comments = self._all_comments(post["id"], since)
            for comment in comments:
                parent = (comment.get("parent") or {}).get("id", post["id"])
                incoming = self._incoming(comment, stream, "comment", post["id"], parent)
                if incoming is not None:
                    yield incoming

    def _all_comments(self, post_id: str, since: int) -> list[dict[str, Any]]:
        answer = self._call(
            self.api.get_full_connections,
            post_id,
            "comments",
            count=None,
            limit=PAGE_LIMIT,
            filter="stream",
            since=since,
            fields=COMMENT_FIELDS,
        )
        return answer.get("data", [])

    def _new_messages(self, stream) -> Iterator[Incoming]:
        # Conversations come newest-updated first and have no time filter: stop at the cursor.
        after = None
        while True:
            answer = self._call(
                self.api.get_connection,
                self.page_id,
                "conversations",
                platform="messenger",
                limit=25,
                fields="id,updated_time,messages.limit(25){id,message,created_time,from{id,name}}",
                **({"after": after} if after else {}),
            )
            conversations = answer.get("data", [])
            for conversation in conversations:
                if _graph_time(conversation["updated_time"]) < stream.since:
                    return
                for message in reversed(conversation.get("messages", {}).get("data", [])):
                    incoming = self._incoming(message, stream, "message", conversation["id"])
                    if incoming is not None:
                        yield incoming
            after = answer.get("paging", {}).get("cursors", {}).get("after")
            if not conversations or not answer.get("paging", {}).get("next"):
                return

    def _incoming(
        self, item: dict[str, Any], stream, kind: str, thread_id: str, parent_id: str | None = None
    ) -> Incoming | None:
        """A Graph comment or message as an Incoming, unless it is ours or already seen."""
        author = item.get("from") or {}
        written = _graph_time(item["created_time"])
        if author.get("id") == self.page_id or not stream.is_new(item["id"], written):
            return None
        return Incoming(
            network=self.name,
            kind=kind,  # type: ignore[arg-type]
            remote_id=item["id"],
            author_id=author.get("id", ""),
            author_name=author.get("name", ""),
            text=item.get("message", ""),
            written_at=written,
            thread_id=thread_id,
            parent_id=parent_id,
        )

    # --- answering -------------------------------------------------------------------

    def reply(self, to: Incoming, text: str, private: bool) -> Receipt:
        now = self.clock.now()
        if to.kind == "message":
            if now - to.written_at > MESSAGING_WINDOW:
                raise Rejected(
                    "Messenger solo permite responder dentro de las 24 horas siguientes al "
                    "último mensaje del ciudadano; respóndale por otro canal o espere a que "
                    "escriba de nuevo"
                )
            answer = self._call(
                self.api.post_object,
                self.page_id,
                "messages",
                data={
                    "recipient": json.dumps({"id": to.author_id}),
                    "messaging_type": "RESPONSE",
                    "message": json.dumps({"text": text}),
                },
            )
            return Receipt(answer["message_id"], created_at=now)
        if not private:
            answer = self._call(
                self.api.post_object, to.remote_id, "comments", data={"message": text}
            )
            return Receipt(answer["id"], created_at=now)
        if now - to.written_at > PRIVATE_REPLY_WINDOW:
            raise Rejected(
                "Facebook solo permite responder en privado un comentario de los últimos 7 días; "
                "respóndalo en público o por otro canal"
            )
        answer = self._call(
            self.api.post_object,
            self.page_id,
            "messages",
            data={
                "recipient": json.dumps({"comment_id": to.remote_id}),
                "message": json.dumps({"text": text}),
            },
        )
        return Receipt(answer["message_id"], created_at=now)

    # --- figures ---------------------------------------------------------------------

    def metrics(self, remote_ids: Sequence[str]) -> list[Sample]:
        samples = []
        for start in range(0, len(remote_ids), IDS_PER_REQUEST):
            chunk = list(remote_ids[start : start + IDS_PER_REQUEST])
            answer = self._call(self.api.get_objects, ids=",".join(chunk), fields=METRIC_FIELDS)
            samples += [
                _sample(remote_id, answer[remote_id]) for remote_id in chunk if remote_id in answer
            ]
        return samples

    # --- errors ----------------------------------------------------------------------

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one pyfacebook call, turning every failure into Transient, Rejected or AuthFailed."""
        try:
            return method(*args, **kwargs)
        except requests.Timeout:
            raise Transient("Facebook no respondió a tiempo", retry_after=30) from None
        except requests.RequestException as exc:
            raise Transient(
                f"sin conexión con Facebook ({type(exc).__name__})", retry_after=30
            ) from None
        except FacebookError as exc:
            raise self._translate(exc) from None
        except LibraryError as exc:  # a body that is not JSON: a proxy or an outage page
            raise Transient(
                f"respuesta inesperada de Facebook ({exc.message})", retry_after=60
            ) from None

    def _translate(self, error: FacebookError) -> Exception:
        code = getattr(error, "code", None)
        subcode = getattr(error, "error_subcode", None)
        message = getattr(error, "message", "")
        if code in AUTH_CODES or (isinstance(code, int) and 200 <= code < 300):
            return AuthFailed(
                f"Facebook rechazó el token de la página (código {code}): {message}. "
                "Genere un token nuevo y actualice la variable de entorno"
            )
        if code in SERVER_CODES:
            return Transient(f"error temporal de Facebook (código {code})", retry_after=30)
        if code in THROTTLE_CODES or getattr(error, "is_transient", False):
            return Transient(
                f"Facebook pide esperar: límite de llamadas (código {code})",
                retry_after=self._throttle_wait(),
            )
        if code == 10 and subcode == 2018278:
            return Rejected(
                "Facebook no permite este mensaje: está fuera de la ventana para responder "
                "(24 horas en Messenger; 7 días, y una sola vez, para responder un comentario "
                "en privado)"
            )
        return Rejected(f"Facebook rechazó la solicitud (código {code}): {message}")

    def _throttle_wait(self) -> float:
        """Seconds to wait, from the usage headers of the answer that refused us."""
        headers = self.session.last_headers
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


@contextlib.contextmanager
def _opened(media: MediaFile) -> Iterator[tuple[str, Any, str]]:
    with Path(media.path).open("rb") as handle:
        yield (media.path.name, handle, media.mime_type or "application/octet-stream")


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _sample(remote_id: str, data: dict[str, Any]) -> Sample:
    insights = {
        item["name"]: (item.get("values") or [{}])[0].get("value")
        for item in (data.get("insights") or {}).get("data", [])
    }
    return Sample(
        remote_id=remote_id,
        reach=insights.get("post_total_media_view_unique"),
        views=insights.get("post_media_view"),
        clicks=insights.get("post_clicks"),
        reactions=((data.get("reactions") or {}).get("summary") or {}).get("total_count"),
        comments=((data.get("comments") or {}).get("summary") or {}).get("total_count"),
        shares=(data.get("shares") or {}).get("count", 0),
    )
