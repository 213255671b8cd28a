"""Meta's video uploads, as the Reels Publishing and Resumable Upload API pages describe them.

- `POST /{page-id}/video_reels` `upload_phase=start` -> `{"video_id", "upload_url"}`; the upload
  URL is the simulator's own `/video-upload/{version}/{video-id}` (rupload.facebook.com at
  Meta), taking `Authorization: OAuth`, `offset` and `file_size` headers and the file's bytes
  from `offset`; a wrong offset gets `OffsetInvalidError`, a body that stops short
  `PartialRequestError`; `upload_phase=finish` publishes it.
- `GET /{video-id}?fields=status`: the documented status (`uploading_phase.bytes_transfered`).
- `POST /{app-id}/uploads` -> `{"id": "upload:..."}`; `POST /upload:...` with `file_offset` and
  the rest of the file -> `{"h": handle}` once the file is whole (`{"file_offset": n}` for a
  body that stops short: Meta's pages do not show that answer; the adapter takes anything but
  `h` as "read the offset again"); `GET /upload:...` -> `{"id", "file_offset"}`.
- `POST /{page-id}/videos` with `fbuploader_video_file_chunk=<handle>` -> `{"id": video_id}`.
- Processing: with `world.video_processing_seconds` set, a new video is listed at once under
  `GET /{page-id}/videos` but reaches published_posts (and a Reel's status `published`) only
  after that time; a second `finish` of a Reel still processing is refused (Meta does not
  document that answer: the simulator refuses so that the adapter's handling is tested).

Uploads are never kept: their bytes are counted and hashed as they arrive (the first few are
kept to tell a video by its bytes). Sessions live in memory only: the saved world (snapshot.py)
keeps the published videos, not uploads in progress.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from channels.media import kind_of, sniff
from channels.sandbox.graph_fields import graph_error
from channels.sandbox.graph_world import APP_ID, PAGE_ID, FacebookWorld, Post
from channels.sandbox.http import Request, Response, Router

GRAPH_VERSION_PATTERN = r"/v\d+\.\d+"
VIDEO_TYPES = {"video/mp4", "video/quicktime"}
UPLOAD_TYPES = {"application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"}
"""`file_type` values the Resumable Upload API page lists."""
MAX_VIDEO_BYTES = 10 * 1024**3
"""10 GB: the Page video limit of Meta's (older) video upload page."""
READ_BYTES = 1024 * 1024
HEAD_BYTES = 16


@dataclass
class Upload:
    """One upload: a Reel's video, or a Resumable Upload API session."""

    id: str
    kind: str
    """"reel" or "resumable"."""
    size: int | None = None
    received: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    head: bytes = b""
    handle: str | None = None
    post: Post | None = None
    """The Page post it became, once published."""

    @property
    def complete(self) -> bool:
        return self.size is not None and self.received == self.size

    def status(self, world: FacebookWorld) -> dict[str, Any]:
        """The video's `status` as the Reels page documents it."""
        uploading: dict[str, Any] = {"status": "complete" if self.complete else "in_progress"}
        if not self.complete:
            uploading["bytes_transfered"] = self.received  # sic: the Reels page's spelling
        published = self.post is not None and world.ready(self.post)
        return {
            # The documented values are ready, processing, expired and error; the page's
            # "Interrupted Upload" example says processing while the upload is in progress.
            "video_status": "ready" if published else "processing",
            "uploading_phase": uploading,
            "processing_phase": {"status": "complete" if self.complete else "not_started"},
            "publishing_phase": {
                "status": "complete" if published else "not_started",
                "publish_status": "published" if published else "not_published",
                **({"publish_time": int(self.post.created.timestamp())} if self.post else {}),
            },
        }


def _rupload_error(kind: str, message: str) -> Response:
    """rupload.facebook.com's error shape."""
    return Response(400, {"debug_info": {"retriable": False, "type": kind, "message": message}})


class GraphVideo:
    """The video upload routes, on the Facebook world (they take the sandbox's lock)."""

    def __init__(self, world: FacebookWorld, lock: Any) -> None:
        self.world = world
        self.lock = lock

    def register(self, router: Router) -> None:
        v = GRAPH_VERSION_PATTERN
        routes = (
            ("POST", v + r"/(?P<page>\d+)/video_reels", "POST /{page-id}/video_reels", self.reels),
            (
                "POST",
                r"/video-upload" + v + r"/(?P<video>\d+)",
                "POST rupload /video-upload/{video-id}",
                self.rupload,
            ),
            ("POST", v + r"/(?P<app>\d+)/uploads", "POST /{app-id}/uploads", self.open_session),
            (
                "POST",
                v + r"/(?P<session>upload:[A-Za-z0-9_-]+)",
                "POST /{upload-session-id}",
                self.upload_rest,
            ),
            (
                "GET",
                v + r"/(?P<session>upload:[A-Za-z0-9_-]+)",
                "GET /{upload-session-id}",
                self.session_offset,
            ),
        )
        for method, pattern, name, handler in routes:
            router.add("facebook", method, pattern, name, handler)

    # --- Reels -------------------------------------------------------------------------

    def reels(self, request: Request, page: str) -> Response:
        if page != PAGE_ID:
            raise graph_error(100, f"Unsupported request - Object with ID '{page}' does not exist")
        phase = request.param("upload_phase")
        if phase == "start":
            video_id = self.world.new_id()
            self.world.uploads[video_id] = Upload(video_id, "reel")
            version = request.path.split("/")[1]
            url = f"{request.base_url}/video-upload/{version}/{video_id}"
            return Response(200, {"video_id": video_id, "upload_url": url})
        if phase != "finish":
            raise graph_error(100, "(#100) The parameter upload_phase is required")
        upload = self.world.uploads.get(request.param("video_id") or "")
        if upload is None or upload.kind != "reel":
            raise graph_error(100, "(#100) Invalid video_id")
        if upload.post is not None:
            if not self.world.ready(upload.post):
                raise graph_error(6000, "The video is still being processed.", 1363130)
            return Response(200, {"success": True})  # one video is one Reel
        if not upload.complete:
            raise graph_error(6000, "There was a problem uploading your video file.", 1363130)
        if request.param("video_state") == "PUBLISHED":
            self._publish(upload, request.param("description") or "")
        return Response(200, {"success": True})

    def rupload(self, request: Request, video: str) -> Response:
        with self.lock:
            upload = self.world.uploads.get(video)
            if upload is None or upload.kind != "reel":
                return _rupload_error("ProcessingFailedError", "Request processing failed")
            try:
                offset = int(request.headers.get("offset", ""))
                size = int(request.headers.get("file_size", ""))
            except ValueError:
                return _rupload_error("ProcessingFailedError", "offset and file_size are required")
            if upload.size is None:
                upload.size = size
            if offset != upload.received or size != upload.size:
                return _rupload_error("OffsetInvalidError", "Request starting offset is invalid")
        self._receive(upload, request)
        if not upload.complete:
            return _rupload_error(
                "PartialRequestError", "Partial request (did not match length of file)"
            )
        return Response(200, {"success": True})

    rupload.streams_body = True  # type: ignore[attr-defined]

    # --- Resumable Upload API ----------------------------------------------------------

    def open_session(self, request: Request, app: str) -> Response:
        if app != APP_ID:
            raise graph_error(
                100, f"Unsupported post request. Object with ID '{app}' does not exist"
            )
        length = request.param("file_length") or ""
        if not length.isdigit():
            raise graph_error(100, "(#100) The parameter file_length is required")
        if request.param("file_type") not in UPLOAD_TYPES:
            raise graph_error(100, "(#100) Param file_type must be one of the supported types")
        if int(length) > MAX_VIDEO_BYTES:
            raise graph_error(6000, "The video file is too large.", 1363023)
        number = self.world.new_id().encode()
        session_id = "upload:" + base64.urlsafe_b64encode(b"1:" + number).decode().rstrip("=")
        self.world.uploads[session_id] = Upload(session_id, "resumable", size=int(length))
        return Response(200, {"id": session_id})

    def upload_rest(self, request: Request, session: str) -> Response:
        with self.lock:
            upload = self.world.uploads.get(session)
            if upload is None:
                raise graph_error(100, f"Object with ID '{session}' does not exist")
            offset = request.headers.get("file_offset", "")
            if not offset.isdigit() or int(offset) != upload.received:
                raise graph_error(
                    100, f"(#100) file_offset must be {upload.received}, where the upload stands"
                )
        self._receive(upload, request)
        with self.lock:
            if upload.complete:
                if upload.handle is None:
                    upload.handle = "2:" + base64.b64encode(upload.digest.digest()).decode()
                return Response(200, {"h": upload.handle})
            return Response(200, {"id": session, "file_offset": upload.received})

    upload_rest.streams_body = True  # type: ignore[attr-defined]

    def session_offset(self, request: Request, session: str) -> Response:
        upload = self.world.uploads.get(session)
        if upload is None:
            raise graph_error(100, f"Object with ID '{session}' does not exist")
        return Response(200, {"id": session, "file_offset": upload.received})

    def post_video(self, request: Request, handle: str) -> Response:
        """`POST /{page-id}/videos` with `fbuploader_video_file_chunk` (graph.py routes it)."""
        found = [u for u in self.world.uploads.values() if u.handle == handle]
        if not found:
            raise graph_error(100, "(#100) Invalid fbuploader_video_file_chunk handle")
        upload = found[0]
        video_id = self._publish(upload, request.param("description") or "")
        return Response(200, {"id": video_id})

    # --- shared --------------------------------------------------------------------------

    def _receive(self, upload: Upload, request: Request) -> None:
        """Read the body as it comes, counting and hashing it: nothing is kept but its head."""
        stream = request.stream
        if stream is None:
            return
        room = (upload.size or 0) - upload.received
        while True:
            data = stream.read(min(READ_BYTES, max(room, 0) or READ_BYTES))
            if not data:
                return
            with self.lock:
                if len(upload.head) < HEAD_BYTES:
                    upload.head += data[: HEAD_BYTES - len(upload.head)]
                keep = data[: max(0, (upload.size or 0) - upload.received)]
                upload.digest.update(keep)
                upload.received += len(keep)
                self.world.bytes_received += len(data)
                room = (upload.size or 0) - upload.received
                rate = self.world.upload_rate
            if rate:
                time.sleep(len(data) / rate)

    def _publish(self, upload: Upload, description: str) -> str:
        """The upload becomes a post on the Page (published_posts) and a video (GET /{id})."""
        mime_type = sniff(upload.head)
        if mime_type not in VIDEO_TYPES:
            raise graph_error(
                6000,
                "There was a problem uploading your video file. Please try again with another file.",
                1363024,
            )
        media = {
            "type": kind_of(mime_type or ""),
            "mime_type": mime_type,
            "size": upload.received,
            "name": upload.id,
        }
        post = self.world.add_post(description, self.world.now(), [media])
        post.processing = True
        video_id = upload.id if upload.kind == "reel" else self.world.new_id()
        upload.post = post
        self.world.videos[video_id] = post
        if upload.kind == "resumable":
            self.world.uploads[video_id] = upload  # its status, by the video's id too
        return video_id


def video_status(world: FacebookWorld, video_id: str) -> dict[str, Any] | None:
    """A video's `status`, when it came through one of the upload flows."""
    upload = world.uploads.get(video_id)
    return upload.status(world) if upload is not None else None
