"""The Instagram content publishing routes, as Meta's reference pages describe them.

- `POST /{ig-user-id}/media`: a container. An image by `image_url` (fetched at once: a
  `file://` address from disk, http(s) only from 127.0.0.1 or localhost, never another host;
  refused like Meta when it is no JPEG, weighs over 8 MiB or its aspect ratio is outside 4:5 to
  1.91:1; a fetch that fails leaves the container in ERROR), a Reel (`media_type=REELS`) or a
  carousel video (`media_type=VIDEO&is_carousel_item=true`) by `video_url` or
  `upload_type=resumable` (answered with its `uri`, this simulator's
  `/ig-api-upload/{version}/{id}`, rupload.facebook.com at Meta), or a CAROUSEL over 2 to 10
  FINISHED item containers (`children`). A video outside 3 s to 15 min, or no MP4/MOV, leaves
  its container in ERROR once its bytes are in.
- `GET /{ig-container-id}?fields=status_code,status,id`: IN_PROGRESS until
  `world.container_seconds` after its media arrived, then FINISHED (or, for the next
  `world.containers_in_error` containers, ERROR with `world.error_subcode` in its `status`:
  2207053 by default, Meta's "unknown upload error"); EXPIRED after 24 hours.
- `POST /ig-api-upload/{version}/{id}` (`Authorization: OAuth`, `offset`, `file_size`): the
  video, streamed; offset 0 starts it again.
- `POST /{ig-user-id}/media_publish creation_id=`: a FINISHED container becomes a media object,
  once; refused when not ready (#9007/2207027), expired (#-2/2207020), unknown (#24/2207008),
  already published, or when the account reached `world.quota_total` posts in the moving 24
  hours (#9/2207042). With `world.publish_delay` the answer comes that much later, the post
  already made (a lost answer).
- `GET /{ig-user-id}/content_publishing_limit`, `GET /{ig-user-id}/media` (newest first,
  paged, `since`/`until`), and `GET /{ig-media-id}?fields=...`: the asked fields of a media
  object (`media_fields`; the engagement routes add theirs on the same ids).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from channels.media import mp4_header, sniff
from channels.sandbox.control import Fields
from channels.sandbox.graph_fields import (
    graph_error,
    page_answer,
    parse_fields,
    render_fields,
)
from channels.sandbox.graph_world import graph_time
from channels.sandbox.http import Request, Response, Router
from channels.sandbox.instagram_media import (
    HEAD_BYTES,
    IMAGE_MAX_BYTES,
    READ_BYTES,
    VIDEO_MAX_BYTES,
    VIDEO_SECONDS,
    FetchFailed,
    check_caption,
    check_image,
    fetch,
)
from channels.sandbox.instagram_world import (
    ID_PATTERN,
    IG_USER_ID,
    IG_USERNAME,
    Container,
    InstagramWorld,
    Media,
)
from channels.sandbox.world import parse_time

MEDIA_TYPES = ("IMAGE", "VIDEO", "REELS", "STORIES", "CAROUSEL")
CONTAINERS_PER_DAY = 400
DAY = timedelta(days=1)


def media_fields(world: InstagramWorld, media: Media) -> dict[str, Any]:
    """A media object's fields as the IG Media reference names them (getters)."""
    return {
        "id": lambda: media.id,
        "caption": lambda: media.caption or None,
        "timestamp": lambda: graph_time(media.created),
        "permalink": lambda: media.permalink,
        "shortcode": lambda: media.permalink.rstrip("/").rsplit("/", 1)[-1],
        "media_type": lambda: media.media_type,
        "media_product_type": lambda: media.media_product_type,
        "like_count": lambda: world.figures(media)["like_count"],
        "comments_count": lambda: world.comments_count(media.id),
        "username": lambda: IG_USERNAME,
        "owner": lambda: {"id": IG_USER_ID},
        "children": lambda: (
            {"data": [{"id": child} for child in media.children]} if media.children else None
        ),
        "is_shared_to_feed": lambda: True if media.media_product_type == "REELS" else None,
    }


def configure(world: InstagramWorld, body: Fields) -> dict[str, Any]:
    """The control API's "instagram" action: how long containers take, the publishing limit,
    how late media_publish answers, and how many of the next containers end in ERROR with
    which subcode (each kept as it was when not given)."""
    seconds = body.number("container_seconds", world.container_seconds, 0.0, 86_400.0)
    total = body.integer("quota_total", world.quota_total, 0, 10_000)
    delay = body.number("publish_delay", world.publish_delay, 0.0, 120.0)
    failing = body.integer("containers_in_error", world.containers_in_error, 0, 1_000)
    subcode = body.integer("error_subcode", world.error_subcode, 2_207_000, 2_207_999)
    world.set_container_seconds(seconds)
    world.quota_total = total
    world.publish_delay = delay
    world.containers_in_error = failing
    world.error_subcode = subcode
    return {
        "container_seconds": seconds,
        "quota_total": total,
        "publish_delay": delay,
        "containers_in_error": failing,
        "error_subcode": subcode,
    }


class InstagramPublishingRoutes:
    def __init__(self, world: InstagramWorld, lock) -> None:
        self.world = world
        self.lock = lock
        self.comment_reader: Callable[[Request, str], Response] | None = None
        """Answers `GET /{comment-id}` (the engagement routes'), set by InstagramApi."""
        self.person_reader: Callable[[Request, str], Response | None] | None = None
        """Answers `GET /{IGSID}` (the User Profile API, the engagement routes')."""

    def register(self, router: Router, version_pattern: str) -> None:
        """Add the publishing routes (before Graph's: they match only Instagram ids)."""
        v, ig = version_pattern, ID_PATTERN
        routes = (
            ("POST", rf"{v}/(?P<user>{ig})/media", "POST /{ig-user-id}/media", self.create),
            (
                "POST",
                rf"{v}/(?P<user>{ig})/media_publish",
                "POST /{ig-user-id}/media_publish",
                self.publish,
            ),
            (
                "GET",
                rf"{v}/(?P<user>{ig})/content_publishing_limit",
                "GET /{ig-user-id}/content_publishing_limit",
                self.limit,
            ),
            ("GET", rf"{v}/(?P<user>{ig})/media", "GET /{ig-user-id}/media", self.list_media),
            (
                "POST",
                rf"/ig-api-upload{v}/(?P<container>{ig})",
                "POST rupload /ig-api-upload/{ig-container-id}",
                self.rupload,
            ),
            ("GET", rf"{v}/(?P<target>{ig})", "GET /{ig-object-id}", self.get_object),
        )
        for method, pattern, name, handler in routes:
            router.add("instagram", method, pattern, name, handler)

    # --- containers --------------------------------------------------------------------

    def _user(self, user: str) -> None:
        if user != IG_USER_ID:
            raise graph_error(
                100, f"Unsupported request - Object with ID '{user}' does not exist", 33
            )

    def create(self, request: Request, user: str) -> Response:
        self._user(user)
        world = self.world
        media_type = (request.param("media_type") or "IMAGE").upper()
        if media_type not in MEDIA_TYPES:
            raise graph_error(100, f"The media type {media_type} is unknown.", 2207023)
        item = (request.param("is_carousel_item") or "").lower() == "true"
        caption = request.param("caption") or ""
        check_caption(caption)
        if self._made_today() >= CONTAINERS_PER_DAY:
            # "An Instagram account can only create 400 containers within a rolling 24 hour
            # period"; the code of that refusal is not documented: Graph's request limit.
            raise graph_error(4, "(#4) Application request limit reached")
        if media_type == "CAROUSEL":
            return self._carousel(request, caption)
        if media_type == "VIDEO" and not item:
            raise graph_error(
                100, "The media type VIDEO is unknown. Use REELS to publish a video.", 2207023
            )
        if media_type == "REELS" and item:
            raise graph_error(100, "Reels cannot appear in album carousels.", 2207023)
        container = Container(
            id=world.new_id(),
            media_type=media_type,
            caption="" if item else caption,
            created=world.now(),
            ready_at=None,
            is_carousel_item=item,
        )
        video = media_type in ("VIDEO", "REELS") or request.param("video_url") is not None
        answer: dict[str, Any] = {"id": container.id}
        if video and (request.param("upload_type") or "").lower() == "resumable":
            container.resumable = True
            version = request.path.split("/")[1]
            answer["uri"] = f"{request.base_url}/ig-api-upload/{version}/{container.id}"
        elif video:
            container.url = request.param("video_url")
            if not container.url:
                raise graph_error(100, "(#100) The parameter video_url is required")
            self._fetch_video(container)
        else:
            container.url = request.param("image_url")
            if not container.url:
                raise graph_error(100, "(#100) The parameter image_url is required")
            self._fetch_image(container)
        world.containers[container.id] = container
        return Response(200, answer)

    def _made_today(self) -> int:
        since = self.world.now() - DAY
        return sum(1 for c in self.world.containers.values() if c.created > since)

    def _fetch_image(self, container: Container) -> None:
        try:
            data, size = fetch(container.url or "", IMAGE_MAX_BYTES + 1)
        except FetchFailed:
            _error(
                container, f"The media could not be fetched from this uri: {container.url}", 2207052
            )
            return
        check_image(data, size)
        self.world.media_arrived(container)

    def _fetch_video(self, container: Container) -> None:
        try:
            head, size = fetch(container.url or "", HEAD_BYTES)
        except FetchFailed:
            _error(
                container, f"The media could not be fetched from this uri: {container.url}", 2207052
            )
            return
        container.head, container.received = head, size
        container.details["size"] = size
        self._video_in(container)

    def _video_in(self, container: Container) -> None:
        """A video's bytes are all in: check what Meta checks, then processing starts."""
        head = container.head
        seconds = mp4_header(io.BytesIO(head), len(head)).seconds
        if sniff(head[:16]) not in ("video/mp4", "video/quicktime"):
            _error(container, "The video format is not supported. Please check spec for "
                   "supported video format: MOV or MP4 (MPEG-4 Part 14)", 2207026)  # fmt: skip
        elif container.received > VIDEO_MAX_BYTES:
            _error(container, "The video file is too large (300 MB maximum).", 2207026)
        elif seconds is None or not VIDEO_SECONDS[0] <= seconds <= VIDEO_SECONDS[1]:
            _error(container, f"The video duration ({seconds} s) is not supported: from 3 "
                   "seconds to 15 minutes.", 2207026)  # fmt: skip
        else:
            self.world.media_arrived(container)

    def _carousel(self, request: Request, caption: str) -> Response:
        world = self.world
        ids = [
            part.strip() for part in (request.param("children") or "").split(",") if part.strip()
        ]
        if not 2 <= len(ids) <= 10:
            raise graph_error(
                100,
                "Your post won't work as a carousel. Carousels need at least 2 photos/videos "
                "and no more than 10 photos/videos.",
                2207028,
            )
        for child_id in ids:
            child = world.containers.get(child_id)
            if child is None or not child.is_carousel_item:
                raise graph_error(24, f"The media with {child_id} cannot be found", 2207006)
            if world.container_status(child) != "FINISHED":
                raise graph_error(
                    9007, "The media is not ready for publishing, please wait for a moment", 2207027
                )
        container = Container(
            id=world.new_id(),
            media_type="CAROUSEL",
            caption=caption,
            created=world.now(),
            ready_at=None,
            children=ids,
        )
        world.media_arrived(container)
        world.containers[container.id] = container
        return Response(200, {"id": container.id})

    def rupload(self, request: Request, container: str) -> Response:
        with self.lock:
            found = self.world.containers.get(container)
            if found is None or not found.resumable:
                return _rupload_error("ProcessingFailedError", "Request processing failed")
            try:
                offset = int(request.headers.get("offset", ""))
                size = int(request.headers.get("file_size", ""))
            except ValueError:
                return _rupload_error("ProcessingFailedError", "offset and file_size are required")
            if found.media_in is not None or found.status_code != "IN_PROGRESS":
                return Response(200, {"success": True, "message": "Upload successful."})
            if offset == 0:  # (again) from the start
                found.received, found.head = 0, b""
            if offset != found.received:
                return _rupload_error("OffsetInvalidError", "Request starting offset is invalid")
            found.details["size"] = size
        self._receive(found, request, size)
        with self.lock:
            if found.received < size:
                return _rupload_error(
                    "PartialRequestError", "Partial request (did not match length of file)"
                )
            self._video_in(found)
        return Response(200, {"success": True, "message": "Upload successful."})

    rupload.streams_body = True  # type: ignore[attr-defined]

    def _receive(self, container: Container, request: Request, size: int) -> None:
        """Read the body as it comes: counted, only its head kept."""
        stream = request.stream
        if stream is None:
            return
        while True:
            data = stream.read(READ_BYTES)
            if not data:
                return
            with self.lock:
                keep = data[: max(0, size - container.received)]
                if len(container.head) < HEAD_BYTES:
                    container.head += keep[: HEAD_BYTES - len(container.head)]
                container.received += len(keep)
                self.world.upload_bytes += len(data)

    # --- publishing ----------------------------------------------------------------------

    def publish(self, request: Request, user: str) -> Response:
        with self.lock:
            self._user(user)
            media = self._publish(request.param("creation_id") or "")
            delay = self.world.publish_delay
        if delay:
            time.sleep(delay)  # published already: only the answer is late
        return Response(200, {"id": media.id})

    # Not an upload, but it takes the lock itself for the same reason: a late answer must
    # not stop the rest of the simulator.
    publish.streams_body = True  # type: ignore[attr-defined]

    def _publish(self, creation_id: str) -> Media:
        world = self.world
        if not creation_id:
            raise graph_error(100, "(#100) The parameter creation_id is required")
        container = world.containers.get(creation_id)
        if container is None:
            raise graph_error(
                24,
                f"The media builder with creation id = {creation_id} does not exist or has "
                "been expired.",
                2207008,
            )
        status = world.container_status(container)
        if status == "EXPIRED":
            raise graph_error(
                -2,
                "The media you are trying to access has expired. Please try to upload again.",
                2207020,
            )
        if status == "PUBLISHED":
            # Meta does not document this answer; refused so that nothing is published twice.
            raise graph_error(
                100, f"(#100) The media container {creation_id} was already published"
            )
        if container.is_carousel_item:
            raise graph_error(100, "(#100) A carousel item is published within its carousel")
        if status != "FINISHED":
            raise graph_error(
                9007, "The media is not ready for publishing, please wait for a moment", 2207027
            )
        if len(world.published_since(world.now() - DAY)) >= world.quota_total:
            raise graph_error(
                9,
                "You reached maximum number of posts that is allowed to be published by "
                "Content Publishing API.",
                2207042,
            )
        return world.publish(container)

    def limit(self, request: Request, user: str) -> Response:
        self._user(user)
        world = self.world
        since = parse_time(request.param("since")) or world.now() - DAY
        entry: dict[str, Any] = {"quota_usage": len(world.published_since(since))}
        fields = request.param("fields") or "quota_usage"
        if "config" in fields.split(","):
            entry["config"] = {"quota_total": world.quota_total, "quota_duration": 86_400}
        if "quota_usage" not in fields.split(","):
            entry.pop("quota_usage")
        return Response(200, {"data": [entry]})

    # --- reading -------------------------------------------------------------------------

    def list_media(self, request: Request, user: str) -> Response:
        self._user(user)
        world = self.world
        since, until = parse_time(request.param("since")), parse_time(request.param("until"))
        items = sorted(world.media.values(), key=lambda media: media.created, reverse=True)
        items = [
            m
            for m in items
            if (not since or m.created >= since) and (not until or m.created <= until)
        ]
        specs = self._fields(request, "id")
        limit = int(request.param("limit") or 25)
        answer = page_answer(
            items, lambda media: render_fields(specs, media_fields(world, media)), limit, request
        )
        return Response(200, answer)

    def get_object(self, request: Request, target: str) -> Response:
        world = self.world
        specs = self._fields(request, "id")
        if not any(spec.name == "id" for spec in specs):
            specs.append(parse_fields("id")[0])  # a node's answer always says its id
        container = world.containers.get(target)
        if container is not None:
            getters = {
                "id": lambda: container.id,
                "status_code": lambda: world.container_status(container),
                "status": lambda: container.status or None,
            }
            return Response(200, render_fields(specs, getters))
        if target in world.media:
            return Response(200, render_fields(specs, media_fields(world, world.media[target])))
        if target in world.comments and self.comment_reader is not None:
            return self.comment_reader(request, target)  # one route for every node id
        if target == IG_USER_ID:
            getters = {"id": lambda: IG_USER_ID, "username": lambda: IG_USERNAME,
                       "media_count": lambda: len(world.media)}  # fmt: skip
            return Response(200, render_fields(specs, getters))
        person = self.person_reader(request, target) if self.person_reader else None
        if person is not None:
            return person
        raise graph_error(
            100,
            f"Unsupported get request. Object with ID '{target}' does not exist, cannot be "
            "loaded due to missing permissions, or does not support this operation",
            33,
        )

    def _fields(self, request: Request, default: str):
        try:
            return parse_fields(request.param("fields") or default)
        except ValueError as exc:
            raise graph_error(100, str(exc)) from None


def _error(container: Container, message: str, subcode: int) -> None:
    """The container failed: ERROR, its status Meta's words with the subcode."""
    container.status_code = "ERROR"
    container.status = f"Error: {message} with error code {subcode}"


def _rupload_error(kind: str, message: str) -> Response:
    """rupload.facebook.com's documented failure shape."""
    return Response(400, {"debug_info": {"retriable": False, "type": kind, "message": message}})
