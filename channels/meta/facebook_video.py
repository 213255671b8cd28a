"""Page videos through Meta's two documented flows, streamed from disk, resumable, sent once.

- Reels for Pages (a vertical video of 3 to 90 seconds): `POST /{page}/video_reels
  upload_phase=start` gives a video id and an upload URL (rupload.facebook.com); the file goes
  there in one streamed POST from `offset`; `upload_phase=finish` publishes it. After an
  interruption `GET /{video-id}?fields=status` says how many bytes arrived.
- Every other video: the Resumable Upload API (`POST /{app-id}/uploads` opens a session; the
  rest of the file goes in one streamed `POST /upload:...` from `file_offset`, answered with a
  handle `{"h"}`; after an interruption `GET /upload:...` says the `file_offset` to go on
  from), then `POST /{page}/videos` with `fbuploader_video_file_chunk=<handle>`.

Each step's result is handed to `Outgoing.remember` before any byte is sent, so a daemon
killed mid-upload leaves the session in the database: the next attempt asks the network about
THAT upload and goes on from the offset the server confirms, or only finishes it, or finds it
published. A session is reused only for the same file (name, size and modification time).
While one long POST streams, the session is handed over again every PROGRESS_BYTES or
PROGRESS_SECONDS (the publisher renews its lease each time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from channels.base import AuthFailed, Outgoing, Rejected, Transient
from channels.http import comparable_text
from channels.media import REEL_MIN_SIZE, REEL_SECONDS, MediaFile, is_reel
from channels.meta.graph import GRAPH_VERSION, appsecret_proof
from channels.specs import FACEBOOK
from conectados.userfiles import MB

log = logging.getLogger(__name__)

__all__ = ["REEL_MIN_SIZE", "REEL_SECONDS", "PageVideos", "absolute_url", "is_reel"]

PROGRESS_BYTES = 16 * MB
PROGRESS_SECONDS = 60.0
"""During one long upload POST, the session is handed to `remember` again (renewing the
publisher's lease) after this many bytes or seconds, whichever comes first."""
READ_BYTES = 1 * MB
AUTH_STATUSES = (401, 403)
BUSY_CODES = frozenset({1, 2, 4, 17, 32, 613, 80001})
"""Graph's "try later" codes (server trouble, request limits), answered 403 at times."""
RECENT_VIDEOS = 25
"""How many of the Page's newest videos are looked through for one posted before a crash."""
RUPLOAD_HOST = "rupload.facebook.com"
FACEBOOK_WEB = "https://www.facebook.com"


def absolute_url(url: Any) -> str | None:
    """Graph gives a video's permalink_url relative ("/123/videos/456/"): make it a link."""
    if not isinstance(url, str) or not url:
        return None
    return FACEBOOK_WEB + url if url.startswith("/") else url


class FileSlice:
    """Bytes `offset` to `offset + length` of a file, read as they are sent (never whole):
    requests sends it with its Content-Length (it has a length) and reads it piece by piece."""

    def __init__(
        self,
        path: Path,
        offset: int,
        length: int,
        progress: Callable[[int], None] | None = None,
        every_bytes: int = PROGRESS_BYTES,
        every_seconds: float = PROGRESS_SECONDS,
    ) -> None:
        self._handle = path.open("rb")
        self._handle.seek(offset)
        self._left = length
        self.sent = 0
        self._progress = progress
        self._every = (every_bytes, every_seconds)
        self._last = (0, time.monotonic())

    def __len__(self) -> int:
        return self._left

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > self._left:
            size = self._left
        data = self._handle.read(min(size, READ_BYTES))
        self._left -= len(data)
        self.sent += len(data)
        if self._progress is not None and data:
            last_sent, last_time = self._last
            now = time.monotonic()
            if self.sent - last_sent >= self._every[0] or now - last_time >= self._every[1]:
                self._last = (self.sent, now)
                self._progress(self.sent)  # may raise: the lease is lost, stop sending
        return data

    def __iter__(self) -> Iterator[bytes]:
        while data := self.read(READ_BYTES):
            yield data

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> FileSlice:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def uploaded_bytes(status: dict[str, Any], size: int) -> int:
    """Bytes of the file the server holds, from a video's `status` (Meta's docs spell the field
    `bytes_transfered` on the Reels page and `bytes_transferred` elsewhere: both are read)."""
    phase = status.get("uploading_phase") or {}
    if phase.get("status") == "complete":
        return size
    value = phase.get("bytes_transfered", phase.get("bytes_transferred", 0))
    try:
        return max(0, min(int(value), size))
    except (TypeError, ValueError):
        return 0


def is_published(status: dict[str, Any]) -> bool:
    """The video is out on the Page (a Reel after its `finish`)."""
    phase = status.get("publishing_phase") or {}
    return phase.get("publish_status") == "published" or phase.get("status") == "complete"


class PageVideos:
    """The video half of the Facebook channel (mixed into FacebookChannel)."""

    page_id: str
    app_id: str | None
    base_url: str
    _token: str
    progress_bytes: int = PROGRESS_BYTES
    progress_seconds: float = PROGRESS_SECONDS

    # --- what the channel has -----------------------------------------------------------

    def _call(self, method, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - channel's
        raise NotImplementedError

    # --- publishing ----------------------------------------------------------------------

    def _upload_video(self, post: Outgoing, media: MediaFile) -> str:
        """Upload and publish `media`; the new video's id (resuming a stored upload)."""
        flow = "reel" if is_reel(media) else "resumable"
        session = stored_session(post, media, flow)
        if flow == "reel":
            return self._reel(post, media, session)
        return self._resumable(post, media, session)

    def _remember(self, post: Outgoing, session: dict[str, Any]) -> None:
        if post.remember is not None:
            post.remember(dict(session))

    def _slice(self, post: Outgoing, session: dict[str, Any], media: MediaFile, offset: int):
        """The file from `offset` to its end; while it streams, the session is handed over
        again now and then (the publisher renews its lease: one POST may take long)."""
        return FileSlice(
            media.path,
            offset,
            media.size - offset,
            progress=lambda sent: self._remember(post, session),
            every_bytes=self.progress_bytes,
            every_seconds=self.progress_seconds,
        )

    def _video_status(self, video_id: str) -> dict[str, Any] | None:
        """A video's `status`; None when Facebook no longer has the video."""
        try:
            answer = self._call(self.api.get_object, video_id, fields="status")  # type: ignore[attr-defined]
        except Rejected:
            return None
        status = answer.get("status")
        return status if isinstance(status, dict) else {}

    def stored_video_out(self, post: Outgoing) -> tuple[str, bool] | None:
        """The video a stored upload made, and whether it is out on the Page; None when no
        upload got as far as a video of its own (then only the post's text can find it)."""
        upload = post.upload or {}
        video_id = upload.get("video_id")
        if not isinstance(video_id, str) or not video_id:
            return None
        status = self._video_status(video_id)
        if status is None:
            return video_id, False
        if upload.get("flow") == "resumable":
            return video_id, True  # its id came from POST /videos: the post exists
        return video_id, is_published(status)

    # --- Reels for Pages -----------------------------------------------------------------

    def _reel(self, post: Outgoing, media: MediaFile, session: dict[str, Any] | None) -> str:
        offset = 0
        if session is not None:
            # Ask Facebook about the upload an earlier attempt started, before sending anything.
            status = self._video_status(session["video_id"])
            if status is None or status.get("video_status") in ("expired", "error"):
                session = None  # gone: start again
            elif is_published(status):
                return session["video_id"]  # finished before the crash: never twice
            else:
                offset = uploaded_bytes(status, media.size)
        if session is None:
            answer = self._call(
                self.api.post_object,  # type: ignore[attr-defined]
                self.page_id,
                "video_reels",
                data={"upload_phase": "start"},
            )
            session = {
                "flow": "reel",
                **file_stamp(media),
                "video_id": str(answer["video_id"]),
                "upload_url": str(answer["upload_url"]),
            }
            self._remember(post, session)
        # A `finish` an earlier attempt may have sent: the Reel may be processing already.
        again = bool(session.get("finishing")) and offset >= media.size
        if offset < media.size:
            self._rupload(post, session, media, offset)
        session = {**session, "finishing": True}
        self._remember(post, session)
        # One video id is one Reel: a `finish` repeated after a crash cannot make a second one.
        try:
            self._call(
                self.api.post_object,  # type: ignore[attr-defined]
                self.page_id,
                "video_reels",
                data={
                    "upload_phase": "finish",
                    "video_id": session["video_id"],
                    "video_state": "PUBLISHED",
                    "description": post.text,
                },
            )
        except Rejected as error:
            if again:
                # Meta does not document its answer to a second `finish`: the Reel may be on
                # its way out. The next attempt reads its status again; never a failure.
                raise Transient(
                    f"Facebook aún procesa el Reel; se revisará de nuevo ({error.reason})",
                    retry_after=60,
                ) from None
            raise
        return session["video_id"]

    def _rupload(
        self, post: Outgoing, session: dict[str, Any], media: MediaFile, offset: int
    ) -> None:
        url = session["upload_url"]
        if not self._upload_host_ok(url):
            # The token goes in a header: only to Meta's upload host (or the simulator).
            raise Rejected("Facebook indicó una dirección de subida de video inesperada")
        headers = {
            "Authorization": f"OAuth {self._token}",
            "offset": str(offset),
            "file_size": str(media.size),
            "Content-Type": "application/octet-stream",
        }
        with self._slice(post, session, media, offset) as body:
            response = self.session.post(url, headers=headers, data=body)  # type: ignore[attr-defined]
            log.info(
                "facebook: video %s, %d bytes desde %d", session["video_id"], body.sent, offset
            )
        answer = upload_answer(response)
        if answer.get("success") is True:
            return
        problem = answer.get("debug_info") or {}
        kind = str(
            (problem.get("type") if isinstance(problem, dict) else None) or response.status_code
        )
        # OffsetInvalidError, PartialRequestError: the next attempt reads the server's offset.
        raise Transient(f"Facebook no completó la subida del video ({kind})", retry_after=30)

    def _upload_host_ok(self, url: str) -> bool:
        parts, own = urlsplit(url), urlsplit(self.base_url)
        if parts.scheme == "https" and parts.hostname == RUPLOAD_HOST:
            return True
        return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)

    # --- Resumable Upload API + /{page}/videos -------------------------------------------

    def _resumable(self, post: Outgoing, media: MediaFile, session: dict[str, Any] | None) -> str:
        if not self.app_id:
            raise Rejected(
                "para subir a Facebook un video que no es un Reel (vertical, de 3 a 90 "
                "segundos) falta el identificador de la app de Meta: escríbalo en app_id, "
                "en [channels.facebook] de conectados.toml"
            )
        if session is not None and session.get("video_id"):
            if self._video_status(session["video_id"]) is not None:
                return session["video_id"]  # posted before the crash: never twice
            session = None
        if session is not None and session.get("posting"):
            # POST /videos may have answered just before a crash: Meta lists the video under
            # the Page's videos at once, in its posts only once processed.
            video_id = self._uploaded_video(post)
            if video_id is not None:
                self._remember(post, {**session, "video_id": video_id})
                return video_id
        offset = 0
        if session is not None and not session.get("handle"):
            offset = self._upload_offset(session["upload_id"], media.size)
            if offset is None:
                session, offset = None, 0  # the session expired: start again
        if session is None:
            # Meta's page asks for a User (or System User) token of someone with a role on the
            # app: the system user's token the company configured (`_upload_token`).
            answer = self._call(
                self.api.post_object,  # type: ignore[attr-defined]
                self.app_id,
                "uploads",
                params={
                    "file_name": media.path.name,
                    "file_length": media.size,
                    "file_type": media.mime_type,
                },
                data={"access_token": self._upload_token()},
            )
            session = {
                "flow": "resumable",
                **file_stamp(media),
                "upload_id": str(answer["id"]),
            }
            self._remember(post, session)
        if not session.get("handle"):
            session["handle"] = self._send_rest(post, session, media, offset)
        session["posting"] = True
        self._remember(post, session)
        # Host: the Video API overview says graph-video.facebook.com is deprecated for uploads
        # and to use graph.facebook.com; the "Publish with the Video API" page still shows
        # graph-video for this call. We follow the overview (the handle is already uploaded).
        answer = self._call(
            self.api.post_object,  # type: ignore[attr-defined]
            self.page_id,
            "videos",
            data={"description": post.text, "fbuploader_video_file_chunk": session["handle"]},
        )
        session["video_id"] = str(answer["id"])
        self._remember(post, session)
        return session["video_id"]

    def _uploaded_video(self, post: Outgoing) -> str | None:
        """The Page's newest uploaded video (processing ones included) whose description is
        this post's text; None when there is none."""
        answer = self._call(
            self.api.get_connection,  # type: ignore[attr-defined]
            self.page_id,
            "videos",
            fields="id,description,created_time",
            limit=RECENT_VIDEOS,
        )
        wanted = comparable_text(post.text)
        for found in answer.get("data", []) if isinstance(answer, dict) else []:
            if not isinstance(found, dict) or not found.get("id"):
                continue
            if comparable_text(str(found.get("description") or "")) == wanted:
                return str(found["id"])
        return None

    def _upload_token(self) -> str:
        """The token for the Resumable Upload API: the one the company configured (the system
        user's, which Meta's page asks for), not the Page token derived from it."""
        return getattr(self, "_given_token", None) or self._token

    def _upload_offset(self, upload_id: str, size: int) -> int | None:
        """The server's `file_offset` for an upload session; None if it has no such session."""
        try:
            answer = self._call(
                self.api.get_object,  # type: ignore[attr-defined]
                upload_id,
                access_token=self._upload_token(),
            )
        except Rejected:
            return None
        return max(0, min(int(answer["file_offset"]), size))

    def _send_rest(
        self, post: Outgoing, session: dict[str, Any], media: MediaFile, offset: int
    ) -> str:
        """The file from `offset` in one streamed POST, as Meta's page shows it; the handle."""
        url = f"{self.base_url.rstrip('/')}/{GRAPH_VERSION}/{session['upload_id']}"
        token = self._upload_token()
        headers = {
            "Authorization": f"OAuth {token}",
            "file_offset": str(offset),
            "Content-Type": "application/octet-stream",
        }
        # A Graph-host call made outside pyfacebook: it carries the app secret proof itself.
        secret = self.api.app_secret  # type: ignore[attr-defined]
        params = {"appsecret_proof": appsecret_proof(token, secret)} if secret else None
        with self._slice(post, session, media, offset) as body:
            response = self.session.post(  # type: ignore[attr-defined]
                url, headers=headers, data=body, params=params
            )
            log.info(
                "facebook: video %s, %d bytes desde %d", session["upload_id"], body.sent, offset
            )
        answer = upload_answer(response)
        if isinstance(answer.get("h"), str) and answer["h"]:
            return answer["h"]
        # Anything else (an error, an undocumented partial answer): the next attempt asks the
        # server's file_offset and goes on from there.
        raise Transient(
            f"Facebook no completó la subida del video ({response.status_code})", retry_after=30
        )


def upload_answer(response: Any) -> dict[str, Any]:
    """An upload POST's answer as a dict; AuthFailed when Meta refuses the token (HTTP 401 or
    403, or Graph's code 190, 102 or 200-299): the network pauses and a person is told."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    answer = answer if isinstance(answer, dict) else {}
    error = answer.get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    auth_code = code in FACEBOOK.account_problem_codes or (
        isinstance(code, int) and 200 <= code < 300
    )
    busy = error.get("is_transient") is True or code in BUSY_CODES  # a limit: not the token
    if auth_code or (response.status_code in AUTH_STATUSES and not busy):
        raise AuthFailed(
            "Facebook no aceptó el token al subir el video (está vencido, fue revocado o le "
            "falta un permiso); revise el token con «conectados channels check»"
        )
    return answer


def file_stamp(media: MediaFile) -> dict[str, Any]:
    """What tells this very file: its name, size and modification time (nanoseconds)."""
    try:
        mtime_ns: int | None = media.path.stat().st_mtime_ns
    except OSError:
        mtime_ns = None
    return {"file": media.path.name, "size": media.size, "mtime_ns": mtime_ns}


def stored_session(post: Outgoing, media: MediaFile, flow: str) -> dict[str, Any] | None:
    """The upload an earlier attempt left for this very file; None for another file."""
    upload = post.upload
    if not upload or upload.get("flow") != flow:
        return None
    stamp = file_stamp(media)
    if stamp["mtime_ns"] is None or any(upload.get(key) != stamp[key] for key in stamp):
        return None  # the file was replaced since: its bytes are not the ones uploaded
    return dict(upload)
