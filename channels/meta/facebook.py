"""The company's Facebook Page, through the Graph API with python-facebook-api (pyfacebook)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from pyfacebook.exceptions import FacebookError

from channels.base import (
    HTTP_TIMEOUT_SECONDS,
    ChannelError,
    Incoming,
    Outgoing,
    Receipt,
    Rejected,
    Sample,
)
from channels.http import comparable_text, guarded
from channels.media import MediaFile
from channels.meta.errors import classified
from channels.meta.facebook_reading import NAME, PageReading
from channels.meta.facebook_video import PageVideos, absolute_url
from channels.meta.graph import (
    GRAPH_URL,
    call_graph,
    graph_client,
    graph_time,
    next_query,
    scrub,
)
from channels.meta.webhooks import STANDBY_REASON
from channels.specs import FACEBOOK
from conectados.clock import Clock, SystemClock

log = logging.getLogger(__name__)

PRIVATE_REPLY_WINDOW: timedelta = FACEBOOK.private_reply_window  # type: ignore[assignment]
METRICS_PER_PAGE = 50

AUTH_CODES = FACEBOOK.account_problem_codes
THROTTLE_CODES = {4, 17, 32, 613, 80001}
SERVER_CODES = {1, 2}
HIDDEN_OWNER_SUBCODE = 2018234
"""thread_owner's refusal when another Secondary Receiver owns the conversation ("(#100)
Denying visibility of any secondary receiver to another secondary receiver")."""

# Post insights that survive Meta's 2024-2025 deprecations (post_impressions* are gone:
# asking for one fails the whole request).
INSIGHT_METRICS = ("post_media_view", "post_total_media_view_unique", "post_clicks")
METRIC_FIELDS = (
    "id,created_time,shares,comments.summary(true).limit(0),"
    "reactions.summary(total_count).limit(0),"
    f"insights.metric({','.join(INSIGHT_METRICS)}).period(lifetime){{name,period,values}}"
)
"""Asked without a period, a metric comes back once per period it has (lifetime, day):
the period is asked for, and `_sample` still picks the lifetime entry."""


class FacebookChannel(PageVideos, PageReading):
    """A Facebook Page: posts, comments and Messenger, as one channel."""

    name = NAME

    def __init__(
        self,
        page_id: str,
        access_token: str,
        base_url: str = GRAPH_URL,
        timeout: float = HTTP_TIMEOUT_SECONDS,
        clock: Clock | None = None,
        comment_window: timedelta = timedelta(days=14),
        first_poll_lookback: timedelta = timedelta(days=1),
        metrics_window: timedelta = timedelta(days=90),
        app_secret: str | None = None,
        app_id: str | None = None,
        derive_page_token: bool = False,
    ) -> None:
        self.page_id = page_id
        self.app_id = app_id
        """The Meta app's id: the Resumable Upload API opens its sessions on it, and a
        Messenger conversation another app owns (handover protocol) is not answered."""
        self.derives_page_token = derive_page_token
        self._page_token_pending = derive_page_token
        """Real mode: the token given may be the system user's; the Page's own token is
        asked for once, on the first call (`page_token`), and used from then on."""
        self.base_url = base_url
        self.clock = clock or SystemClock()
        self.comment_window = comment_window
        self.first_poll_lookback = first_poll_lookback
        self.metrics_window = metrics_window
        self._token = access_token
        self._given_token = access_token
        """The token as configured (a system user's, or the Page's): the Resumable Upload API
        takes it; everything else goes with the Page's (`page_token`)."""
        self.api, self.session = graph_client(access_token, base_url, timeout, app_secret)

    # --- publishing ------------------------------------------------------------------

    @guarded("Facebook")
    def publish(self, post: Outgoing) -> Receipt:
        files = [MediaFile.inspect(path) for path in post.media]
        problems = FACEBOOK.media.problems(files)  # type: ignore[union-attr]
        if problems:
            raise Rejected("Facebook no acepta estos archivos: " + "; ".join(problems))
        if not files:
            answer = self._call(
                self.api.post_object, self.page_id, "feed", data={"message": post.text}
            )
            return self._receipt(answer["id"])
        if files[0].kind == "video":
            return self._publish_video(post, files[0])
        if len(files) == 1:
            answer = self._upload_photo(files[0], {"caption": post.text})
            return self._receipt(answer["post_id"])
        photo_ids = [self._upload_photo(media, {"published": "false"})["id"] for media in files]
        attached = {
            f"attached_media[{index}]": json.dumps({"media_fbid": photo_id})
            for index, photo_id in enumerate(photo_ids)
        }
        answer = self._call(
            self.api.post_object, self.page_id, "feed", data={"message": post.text, **attached}
        )
        return self._receipt(answer["id"])

    def _upload_photo(self, media: MediaFile, data: dict[str, str]) -> dict[str, Any]:
        with media.path.open("rb") as handle:
            source = (media.path.name, handle, media.mime_type)
            return self._call(
                self.api.post_object, self.page_id, "photos", data=data, files={"source": source}
            )

    def _publish_video(self, post: Outgoing, media: MediaFile) -> Receipt:
        started = self.clock.now() - timedelta(minutes=10)
        video_id = self._upload_video(post, media)
        # The upload answers with the video's id; the Page post that carries it has its own.
        try:
            found = self._by_text(post, started)
        except ChannelError:
            found = None
        return found or self._receipt(video_id)

    def _receipt(self, remote_id: str) -> Receipt:
        # The post exists now: failing to read its URL must not look like a failed publish.
        try:
            details = self._call(
                self.api.get_object, remote_id, fields="permalink_url,created_time"
            )
            created = details.get("created_time")
            return Receipt(
                remote_id,
                absolute_url(details.get("permalink_url")),
                graph_time(created) if created else None,
            )
        except (ChannelError, KeyError, ValueError) as exc:
            log.warning("facebook: publicado %s, sin su enlace (%s)", remote_id, exc)
            return Receipt(remote_id)

    @guarded("Facebook")
    def find_published(self, post: Outgoing, since: datetime) -> Receipt | None:
        """The post among the Page's since `since`; for a video whose upload was stored, first
        THAT video: not out yet means None (publishing it resumes the upload)."""
        video = self.stored_video_out(post)
        if video is not None:
            video_id, out = video
            if not out:
                return None
            return self._by_text(post, since) or self._receipt(video_id)
        return self._by_text(post, since)

    def _by_text(self, post: Outgoing, since: datetime) -> Receipt | None:
        answer = self._published_posts(
            "id,message,created_time,permalink_url", since=int(since.timestamp())
        )
        wanted = comparable_text(post.text)
        for found in answer.get("data", []):  # newest first
            if comparable_text(found.get("message", "")) == wanted:
                created = graph_time(found["created_time"])
                return Receipt(found["id"], absolute_url(found.get("permalink_url")), created)
        return None

    # --- the Page token ----------------------------------------------------------------

    def page_token(self) -> None:
        """Swap the token given for the Page's own, once: `GET /{page-id}?fields=access_token`
        answers it to the system user's token (a Page token may answer itself, or nothing:
        then it is used as given). Never logged; Meta's words are scrubbed of both tokens."""
        if not self._page_token_pending:
            return
        given = self._token
        try:
            answer = call_graph(
                "Facebook",
                given,
                self._translate,
                self.api.get_object,
                self.page_id,
                fields="access_token",
            )
        except Rejected:  # a Page token that may not read the field: it is the Page's already
            answer = {}
        found = answer.get("access_token") if isinstance(answer, dict) else None
        if isinstance(found, str) and found.strip():
            self._token = self.api.access_token = found.strip()
        self._page_token_pending = False

    # --- answering -------------------------------------------------------------------

    @guarded("Facebook")
    def reply(self, to: Incoming, text: str, private: bool, by_person: bool = False) -> Receipt:
        """Answer a comment (in public under it, or once in private) or a Messenger message.

        Messenger's 24-hour window counts from the citizen's latest message, which only the
        network knows for sure: a reply outside it comes back Rejected with the reason.
        """
        now = self.clock.now()
        if to.kind == "message":
            if self._owned_by_another_app(to.author_id):
                raise Rejected(STANDBY_REASON)
            recipient = {"id": to.author_id}
            extra = {"messaging_type": "RESPONSE"}
        elif not private:
            answer = self._call(
                self.api.post_object, to.remote_id, "comments", data={"message": text}
            )
            return Receipt(answer["id"], created_at=now)
        elif now - to.written_at > PRIVATE_REPLY_WINDOW:
            raise Rejected(
                "Facebook solo permite responder en privado un comentario de los últimos 7 días; "
                "respóndalo en público o por otro canal"
            )
        else:
            recipient, extra = {"comment_id": to.remote_id}, {}
        answer = self._call(
            self.api.post_object,
            self.page_id,
            "messages",
            data={
                "recipient": json.dumps(recipient),
                "message": json.dumps({"text": text}),
                **extra,
            },
        )
        return Receipt(answer["message_id"], created_at=now)

    def _owned_by_another_app(self, psid: str) -> bool:
        """Messenger's handover protocol: another app (the Page inbox, a live-chat tool) owns
        this conversation, so Conectados must not answer it. Asked before each Messenger
        reply because a polled message does not say it came on the standby channel.

        Page: https://developers.facebook.com/docs/messenger-platform/handover-protocol/get-thread-owner
        `GET /{page-id}/thread_owner?recipient={PSID}` answers
        {"data": [{"thread_owner": {"app_id": "..."}}]}; a Secondary Receiver asking about a
        conversation another Secondary Receiver owns gets (#100) subcode 2018234.
        Without [channels.facebook] app_id there is nothing to compare the owner with: the
        check is skipped (`conectados channels check` warns about it).
        """
        if not self.app_id:
            return False
        self.page_token()
        try:
            answer = call_graph(
                "Facebook",
                self._token,
                self._owner_refusal,
                self.api.get_connection,
                self.page_id,
                "thread_owner",
                recipient=psid,
            )
        except _HiddenOwner:
            return True
        except Rejected as exc:  # the lookup refused (no handover on the Page): the send decides
            log.warning("facebook: no se supo qué app atiende la conversación (%s)", exc)
            return False
        entries = answer.get("data") if isinstance(answer, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            owner = entry.get("thread_owner") if isinstance(entry, dict) else None
            found = owner.get("app_id") if isinstance(owner, dict) else None
            if found is not None and str(found) != str(self.app_id):
                return True
        return False

    def _owner_refusal(self, error: FacebookError) -> Exception:
        hidden = getattr(error, "code", None) == 100 and (
            getattr(error, "error_subcode", None) == HIDDEN_OWNER_SUBCODE
        )
        return _HiddenOwner() if hidden else self._translate(error)

    @guarded("Facebook")
    def hide(self, item: Incoming) -> None:
        """Hide a comment on our Page: only the citizen and their friends still see it."""
        if item.kind != "comment":
            raise Rejected(
                "Facebook solo permite ocultar comentarios en las publicaciones de la página"
            )
        self._call(self.api.post_object, item.remote_id, data={"is_hidden": "true"})

    # --- figures ---------------------------------------------------------------------

    @guarded("Facebook")
    def metrics(self, remote_ids: Sequence[str]) -> list[Sample]:
        """Figures of our posts, read from the Page's post list with insights expanded.

        Graph's multi-id requests (`?ids=`) are closed to new apps since November 2026,
        so the figures come from `/published_posts` pages of 50 posts; a post older than
        `metrics_window` is asked for on its own.
        """
        wanted = set(remote_ids)
        found: dict[str, Sample] = {}
        query: dict[str, Any] = {
            "limit": METRICS_PER_PAGE,
            "since": int((self.clock.now() - self.metrics_window).timestamp()),
            "fields": METRIC_FIELDS,
        }
        while wanted - found.keys():
            answer = self._call(self.api.get_connection, self.page_id, "published_posts", **query)
            for post in answer.get("data", []):
                if post["id"] in wanted:
                    found[post["id"]] = _sample(post["id"], post)
            next_page = answer.get("paging", {}).get("next")
            if not next_page:
                break
            query = next_query(next_page)
        for remote_id in wanted - found.keys():
            try:
                post = self._call(self.api.get_object, remote_id, fields=METRIC_FIELDS)
            except Rejected:  # deleted, or not ours: no figures
                continue
            found[remote_id] = _sample(remote_id, post)
        return [found[remote_id] for remote_id in remote_ids if remote_id in found]

    # --- errors ----------------------------------------------------------------------

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.page_token()
        return call_graph("Facebook", self._token, self._translate, method, *args, **kwargs)

    def _scrub(self, message: Any) -> str:
        return scrub(scrub(message, self._token), self._given_token)

    def _translate(self, error: FacebookError) -> Exception:
        code = getattr(error, "code", None)
        subcode = getattr(error, "error_subcode", None)
        message = self._scrub(getattr(error, "message", ""))
        if code == 10 and subcode == 2018278:
            return Rejected(
                "Facebook no permite este mensaje: está fuera de la ventana para responder "
                "(24 horas desde el último mensaje del ciudadano en Messenger; 7 días, y una "
                "sola vez, para responder un comentario en privado)"
            )
        headers = self.session.last_headers
        return classified("Facebook", error, message, AUTH_CODES, THROTTLE_CODES, headers)


class _HiddenOwner(Exception):
    """thread_owner would not name the owner: another Secondary Receiver app has it."""


def _lifetime_values(entries: list[Any]) -> dict[str, Any]:
    """Each metric's lifetime value; an entry without a period only when there is no
    lifetime one (a day's figure is not the post's total)."""
    chosen: dict[str, dict[str, Any]] = {}
    for item in entries:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        period = item.get("period")
        if period == "lifetime" or (period is None and item["name"] not in chosen):
            chosen[item["name"]] = item
    return {
        name: ((item.get("values") or [{}])[0] or {}).get("value") for name, item in chosen.items()
    }


def _sample(remote_id: str, data: dict[str, Any]) -> Sample:
    insights = _lifetime_values((data.get("insights") or {}).get("data", []))
    return Sample(
        remote_id=remote_id,
        reach=insights.get("post_total_media_view_unique"),
        views=insights.get("post_media_view"),
        clicks=insights.get("post_clicks"),
        reactions=((data.get("reactions") or {}).get("summary") or {}).get("total_count"),
        comments=((data.get("comments") or {}).get("summary") or {}).get("total_count"),
        shares=(data.get("shares") or {}).get("count", 0),
    )
