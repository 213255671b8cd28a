"""The company's X account, through the X API v2 with tweepy's Client.

tweepy 4.17 has no v2 media upload, so media go through the v2 upload endpoints
(initialize / append / finalize / status) with the client's own session and OAuth 1.0a.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import tweepy
from tweepy.auth import OAuth1UserHandler

from channels.base import (
    HTTP_TIMEOUT_SECONDS,
    AuthFailed,
    Incoming,
    Outgoing,
    Receipt,
    Rejected,
    Sample,
    Transient,
)
from channels.http import CountingSession, comparable_text, guarded
from channels.media import MediaFile
from channels.specs import X
from channels.text_rules import X_LIMIT, x_weighted_length
from channels.x_errors import (
    BAD_CREDENTIALS,
    LIMIT,
    Duplicate,
    refusal_of,
    said_with_detail,
    tweepy_error,
)
from channels.x_reading import XReading, x_time, x_time_or_none
from conectados.clock import Clock, SystemClock

log = logging.getLogger(__name__)

X_API_URL = "https://api.x.com"
TWEEPY_ORIGINS = ("https://api.twitter.com", "https://api.x.com")
IDS_PER_REQUEST = 100
CHUNK_BYTES = 4 * 1024 * 1024
MAX_STATUS_CHECKS = 60
DUPLICATE_LOOKBACK = timedelta(days=2)
"""How far back our own replies are looked through when X refuses one as a duplicate (X's
duplicate rule covers recent posts; it does not say how recent)."""


@dataclass(frozen=True)
class XCredentials:
    """OAuth 1.0a user context: the app's key and secret, the account's token and secret."""

    api_key: str
    api_secret: str
    access_token: str
    access_secret: str


class XChannel(XReading):
    """An X account: posts, mentions and direct messages, as one channel."""

    name = "x"

    def __init__(
        self,
        credentials: XCredentials,
        user_id: str | None = None,
        base_url: str = X_API_URL,
        timeout: float = HTTP_TIMEOUT_SECONDS,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        first_poll_lookback: timedelta = timedelta(days=1),
    ) -> None:
        self.clock = clock or SystemClock()
        self.sleep = sleep
        self.first_poll_lookback = first_poll_lookback
        self.base_url = base_url.rstrip("/")
        self.client = tweepy.Client(
            consumer_key=credentials.api_key,
            consumer_secret=credentials.api_secret,
            access_token=credentials.access_token,
            access_token_secret=credentials.access_secret,
            wait_on_rate_limit=False,  # tweepy would retry forever; the scheduler decides
        )
        self.session = CountingSession(
            timeout, {origin: self.base_url for origin in TWEEPY_ORIGINS}
        )
        self.client.session = self.session
        # Lists are read as plain JSON: tweepy's objects fail a whole page on one odd item
        # (a post without text), and each item must stand alone.
        self.lists = tweepy.Client(
            consumer_key=credentials.api_key,
            consumer_secret=credentials.api_secret,
            access_token=credentials.access_token,
            access_token_secret=credentials.access_secret,
            wait_on_rate_limit=False,
            return_type=dict,
        )
        self.lists.session = self.session
        self._auth = OAuth1UserHandler(
            credentials.api_key,
            credentials.api_secret,
            credentials.access_token,
            credentials.access_secret,
        ).apply_auth()
        self._user_id = user_id or None

    @property
    def user_id(self) -> str:
        if self._user_id is None:
            self._user_id = str(self._call(self.client.get_me, user_auth=True).data.id)
        return self._user_id

    # --- publishing ------------------------------------------------------------------

    @guarded("X")
    def publish(self, post: Outgoing) -> Receipt:
        files = [MediaFile.inspect(path) for path in post.media]
        problems = X.media.problems(files)  # type: ignore[union-attr]
        if problems:
            raise Rejected("X no acepta estos archivos: " + "; ".join(problems))
        media_ids = [self._upload(media) for media in files]
        started = self.clock.now() - timedelta(minutes=10)
        try:
            answer = self._call(
                self.client.create_tweet,
                text=post.text,
                media_ids=media_ids or None,
                user_auth=True,
            )
        except Duplicate as duplicate:
            # X refuses a text it already has: after a call that timed out, that is our post.
            found = self.find_published(post, started)
            if found is None:
                raise Rejected(duplicate.reason) from None
            return found
        remote_id = str(answer.data["id"])
        return Receipt(remote_id, self.url_of(remote_id), self.clock.now())

    @staticmethod
    def url_of(remote_id: str) -> str:
        return f"https://x.com/i/web/status/{remote_id}"

    def _upload(self, media: MediaFile) -> str:
        """Upload one file through the v2 media endpoints; return its media id."""
        mime_type = media.mime_type or "application/octet-stream"
        category = (
            "tweet_video"
            if media.kind == "video"
            else "tweet_gif"
            if mime_type == "image/gif"
            else "tweet_image"
        )
        started = self._raw(
            "POST",
            "/2/media/upload/initialize",
            json={"media_type": mime_type, "total_bytes": media.size, "media_category": category},
        )
        media_id = str(started["data"]["id"])
        with media.path.open("rb") as handle:
            index = 0
            while chunk := handle.read(CHUNK_BYTES):
                self._raw(
                    "POST",
                    f"/2/media/upload/{media_id}/append",
                    data={"segment_index": str(index)},
                    files={"media": (media.path.name, chunk, "application/octet-stream")},
                )
                index += 1
        info = self._raw("POST", f"/2/media/upload/{media_id}/finalize")["data"].get(
            "processing_info"
        )
        checks = 0
        while info and info.get("state") in ("pending", "in_progress"):
            checks += 1
            if checks > MAX_STATUS_CHECKS:
                raise Transient(
                    "X sigue procesando el video; se intentará de nuevo", retry_after=60
                )
            self.sleep(float(info.get("check_after_secs", 1)))
            status = self._raw(
                "GET", "/2/media/upload", params={"command": "STATUS", "media_id": media_id}
            )
            info = status["data"].get("processing_info")
        if info and info.get("state") == "failed":
            reason = (info.get("error") or {}).get("message", "sin detalle")
            raise Rejected(f"X no pudo procesar {media.path.name}: {reason}")
        return media_id

    def _raw(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A call tweepy's Client does not offer, with its session and OAuth 1.0a."""

        def send() -> dict[str, Any]:
            response = self.session.request(method, X_API_URL + path, auth=self._auth, **kwargs)
            if response.status_code >= 400:
                raise tweepy_error(response)
            return response.json() if response.content else {}

        return self._call(send)

    @guarded("X")
    def find_published(self, post: Outgoing, since: datetime) -> Receipt | None:
        wanted = comparable_text(post.text)
        for tweet in self._pages(
            self.lists.get_users_tweets,
            self.user_id,
            start_time=since,
            max_results=100,
            tweet_fields=["created_at"],
            user_auth=True,
        ):
            if comparable_text(tweet["text"]) == wanted:
                return Receipt(
                    str(tweet["id"]), self.url_of(str(tweet["id"])), x_time(tweet["created_at"])
                )
        return None

    # --- answering -------------------------------------------------------------------

    @guarded("X")
    def reply(self, to: Incoming, text: str, private: bool, by_person: bool = False) -> Receipt:
        """A direct message, or a public reply under the citizen's post.

        X refuses a post whose text the account already posted (`_reply_again` copes: two
        citizens who asked the same get the same answer). Its direct-message endpoints
        document no such rule, and each message goes to that citizen's own conversation.
        """
        if private or to.kind == "message":
            answer = self._call(
                self.client.create_direct_message,
                participant_id=to.author_id,
                text=text,
                user_auth=True,
            )
            return Receipt(str(answer.data["dm_event_id"]), created_at=self.clock.now())
        started = self.clock.now() - DUPLICATE_LOOKBACK
        try:
            return self._public_reply(to, text)
        except Duplicate as duplicate:
            return self._reply_again(to, text, started, duplicate)

    def _public_reply(self, to: Incoming, text: str) -> Receipt:
        answer = self._call(
            self.client.create_tweet, text=text, in_reply_to_tweet_id=to.remote_id, user_auth=True
        )
        remote_id = str(answer.data["id"])
        return Receipt(remote_id, self.url_of(remote_id), self.clock.now())

    def _reply_again(
        self, to: Incoming, text: str, since: datetime, duplicate: Duplicate
    ) -> Receipt:
        """X refused the reply as a duplicate of one of our posts.

        When it is our own reply to this same post (an earlier attempt whose answer was
        lost), that reply is the one: nothing is sent again. Otherwise it is the same answer
        given to another citizen (two people asked the same): it goes out once more, starting
        with the citizen's @handle, as replies on X do. The text with the handle is always
        the same for this citizen, so even that can never go out twice: X refuses it.
        """
        found = self._our_reply(to.remote_id, text, since)
        if found is not None:
            return found
        handle = self._handle_of(to)
        addressed = f"@{handle} {text}" if handle else ""
        if not addressed or x_weighted_length(addressed) > X_LIMIT:
            raise Rejected(duplicate.reason) from None
        try:
            receipt = self._public_reply(to, addressed)
        except Duplicate:
            raise Rejected(duplicate.reason) from None
        log.info("x: respuesta repetida; sale dirigida a @%s", handle)
        return receipt

    def _our_reply(self, tweet_id: str, text: str, since: datetime) -> Receipt | None:
        """Our reply to `tweet_id` with this text (with or without @handles before it)."""
        wanted = _unaddressed(comparable_text(text))
        for tweet in self._pages(
            self.lists.get_users_tweets,
            self.user_id,
            start_time=since,
            max_results=100,
            tweet_fields=["created_at", "referenced_tweets"],
            user_auth=True,
        ):
            if not isinstance(tweet, dict):
                continue
            references = tweet.get("referenced_tweets")
            answers = isinstance(references, list) and any(
                isinstance(ref, dict)
                and ref.get("type") == "replied_to"
                and str(ref.get("id")) == tweet_id
                for ref in references
            )
            said = tweet.get("text")
            if answers and isinstance(said, str) and _unaddressed(comparable_text(said)) == wanted:
                remote_id = str(tweet["id"])
                created = x_time_or_none(tweet.get("created_at"))
                return Receipt(remote_id, self.url_of(remote_id), created)
        return None

    def _handle_of(self, to: Incoming) -> str | None:
        """The @username of whoever wrote the post we answer, as X gives it now."""
        answer = self._call(
            self.lists.get_tweets,
            ids=[to.remote_id],
            expansions=["author_id"],
            user_fields=["username"],
            user_auth=True,
        )
        includes = answer.get("includes") if isinstance(answer, dict) else None
        users = includes.get("users") if isinstance(includes, dict) else None
        for user in users if isinstance(users, list) else []:
            username = user.get("username") if isinstance(user, dict) else None
            if isinstance(username, str) and _HANDLE.fullmatch(username):
                return username
        return None

    @guarded("X")
    def hide(self, item: Incoming) -> None:
        """Hide a reply in one of our conversations (X allows nothing else to be hidden)."""
        if item.kind == "message" or not item.parent_id:
            raise Rejected("X solo permite ocultar respuestas a nuestras publicaciones")
        self._call(self.client.hide_reply, item.remote_id, user_auth=True)

    # --- figures ---------------------------------------------------------------------

    @guarded("X")
    def metrics(self, remote_ids: Sequence[str]) -> list[Sample]:
        samples = []
        for start in range(0, len(remote_ids), IDS_PER_REQUEST):
            chunk = list(remote_ids[start : start + IDS_PER_REQUEST])
            answer = self._call(
                self.client.get_tweets, ids=chunk, tweet_fields=["public_metrics"], user_auth=True
            )
            for tweet in answer.data or []:
                figures = tweet.public_metrics or {}
                samples.append(
                    Sample(
                        remote_id=str(tweet.id),
                        views=figures.get("impression_count"),
                        reactions=figures.get("like_count"),
                        comments=figures.get("reply_count"),
                        shares=(figures.get("retweet_count") or 0)
                        + (figures.get("quote_count") or 0),
                        extra={"bookmarks": figures.get("bookmark_count") or 0},
                    )
                )
        return samples

    # --- errors ----------------------------------------------------------------------

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one call, turning every failure into Transient, Rejected or AuthFailed."""
        try:
            return method(*args, **kwargs)
        except tweepy.TooManyRequests as exc:
            reset = exc.response.headers.get("x-rate-limit-reset")
            now = self.clock.now().timestamp()
            wait = float(reset) - now if reset and reset.isdigit() else 60.0
            raise Transient(said_with_detail(LIMIT, exc), retry_after=max(1.0, wait)) from None
        except tweepy.Unauthorized as exc:
            raise AuthFailed(said_with_detail(BAD_CREDENTIALS, exc)) from None
        except tweepy.TwitterServerError as exc:
            raise Transient(
                said_with_detail("X tuvo una falla pasajera; se reintentará más tarde", exc),
                retry_after=30,
            ) from None
        except tweepy.HTTPException as exc:  # every other 4xx: this request will not work as it is
            raise refusal_of(exc) from None


_HANDLE = re.compile(r"\w{1,15}", re.ASCII)
_LEADING_HANDLES = re.compile(r"^(?:@\w{1,15}\s+)+", re.ASCII)


def _unaddressed(text: str) -> str:
    """A reply's text without the @handles it starts with (X may add them, or we did)."""
    return _LEADING_HANDLES.sub("", text)
