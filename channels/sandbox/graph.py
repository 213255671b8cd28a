"""The Graph API subset the Facebook adapter uses, as the public reference describes it.

Objects are answered with the `fields` asked for, field expansion included
(`comments.filter(stream).since(T).limit(50){id,message,from{id,name}}`); edges page
with absolute `paging.next` URLs; errors come in Graph's `{"error": {...}}` shape with
the usage headers (X-App-Usage, X-Business-Use-Case-Usage) on every answer.

One module past ~400 lines on purpose: it mirrors one API surface (its routes and their
field rules), which reads best side by side.
"""

from __future__ import annotations

import contextlib
import json
import math
from datetime import timedelta
from typing import Any

from channels.media import kind_of, sniff
from channels.sandbox.graph_fields import (
    GRAPH_REFUSALS,
    FieldSpec,
    check_app_secret_proof,
    cursor_at,
    edge_answer,
    graph_error,
    graph_refusal,
    page_answer,
    parse_fields,
    render_fields,
)
from channels.sandbox.graph_video import GraphVideo, video_status
from channels.sandbox.graph_world import (
    PAGE_ID,
    PAGE_NAME,
    Comment,
    Conversation,
    FacebookWorld,
    Message,
    Post,
    graph_time,
)
from channels.sandbox.http import Request, Response, Router
from channels.sandbox.world import Fault, parse_time

GRAPH_VERSION_PATTERN = r"/v\d+\.\d+"
MESSAGING_WINDOW = timedelta(hours=24)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
MAX_IDS = 50
# What Page uploads accept, from Meta's documentation and its own error texts; kept apart
# from the adapters' rules on purpose, so a wrong limit there shows up here.
PHOTO_TYPES = {"image/jpeg", "image/png", "image/gif", "image/tiff", "image/bmp", "image/webp"}
PHOTO_MAX_BYTES = 4 * 1024 * 1024

_READY = {
    "video_status": "ready",
    "uploading_phase": {"status": "complete"},
    "processing_phase": {"status": "complete"},
    "publishing_phase": {"status": "complete", "publish_status": "published"},
}
"""The status of a published video whose upload is not known (a world loaded from its file
keeps videos, not uploads)."""

# Post insight metrics that still exist after Meta's 2024-2025 deprecations.
CURRENT_POST_METRICS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_like_total",
    "post_reactions_love_total",
    "post_reactions_wow_total",
    "post_reactions_haha_total",
    "post_reactions_sorry_total",
    "post_reactions_anger_total",
    "post_video_views",
)

INSIGHT_PERIODS = ("lifetime", "day")
"""What post metrics have; asked without a period, a metric answers one entry for each."""


def attachment_object(found: dict[str, Any]) -> dict[str, Any]:
    """Everything Graph has for one Messenger attachment."""
    out = {key: found[key] for key in ("id", "mime_type", "name", "size")}
    media = {"url": found["url"], "preview_url": found["url"].replace("_n.", "_p280x280."),
             "width": 1920, "height": 1213, "max_width": 1920, "max_height": 1213}  # fmt: skip
    if found["type"] == "image":
        out["image_data"] = {**media, "image_type": 1, "render_as_sticker": False}
    elif found["type"] == "video":
        out["video_data"] = {key: media[key] for key in ("url", "preview_url", "width", "height")}
    else:
        out["file_url"] = found["url"]
    return out


def render_picked(value: dict[str, Any], specs: list[FieldSpec]) -> dict[str, Any]:
    """The asked fields of a plain object, nested ones (`image_data{url}`) included."""
    out = {}
    for spec in specs:
        if spec.name in value:
            found = value[spec.name]
            if spec.subfields and isinstance(found, dict):
                found = render_picked(found, spec.subfields)
            out[spec.name] = found
    return out


class GraphApi:
    """Routes of the Graph API, answered from a FacebookWorld."""

    refusals = GRAPH_REFUSALS

    def __init__(self, world: FacebookWorld, lock: Any = None) -> None:
        self.world = world
        self.video = GraphVideo(world, lock if lock is not None else contextlib.nullcontext())

    def register(self, router: Router) -> None:
        v = GRAPH_VERSION_PATTERN
        self.video.register(router)
        routes = (
            ("GET", r"/?", "GET /?ids=", self.get_many),
            ("POST", r"/(?P<page>\d+)/feed", "POST /{page-id}/feed", self.post_feed),
            ("POST", r"/(?P<page>\d+)/photos", "POST /{page-id}/photos", self.post_photo),
            ("POST", r"/(?P<page>\d+)/videos", "POST /{page-id}/videos", self.post_video),
            ("GET", r"/(?P<page>\d+)/videos", "GET /{page-id}/videos", self.list_videos),
            ("POST", r"/(?P<page>\d+)/messages", "POST /{page-id}/messages", self.send_message),
            (
                "GET",
                r"/(?P<page>\d+)/(?P<edge>published_posts|posts|feed)",
                "GET /{page-id}/published_posts",
                self.list_posts,
            ),
            (
                "GET",
                r"/(?P<page>\d+)/conversations",
                "GET /{page-id}/conversations",
                self.list_conversations,
            ),
            (
                "GET",
                r"/(?P<page>\d+)/thread_owner",
                "GET /{page-id}/thread_owner",
                self.thread_owner,
            ),
            (
                "GET",
                r"/(?P<conversation_id>t_\d+)/messages",
                "GET /{conversation-id}/messages",
                self.list_messages,
            ),
            (
                "POST",
                r"/(?P<target>[\d_]+)/comments",
                "POST /{object-id}/comments",
                self.post_comment,
            ),
            (
                "GET",
                r"/(?P<target>[\d_]+)/comments",
                "GET /{object-id}/comments",
                self.list_comments,
            ),
            ("GET", r"/(?P<target>[\d_]+)/insights", "GET /{post-id}/insights", self.get_insights),
            ("POST", r"/(?P<target>\d+_\d+)", "POST /{comment-id}", self.update_comment),
            ("GET", r"/(?P<target>[\d_]+|me)", "GET /{object-id}", self.get_one),
        )
        for method, pattern, name, handler in routes:
            router.add("facebook", method, v + pattern, name, handler)

    # --- errors shared by every call ----------------------------------------------------

    def check_token(self, request: Request) -> None:
        # Uploads carry the token in a header ("Authorization: OAuth <token>"), as Meta asks.
        oauth = request.headers.get("authorization", "").removeprefix("OAuth ").strip()
        if not request.param("access_token") and not oauth:
            raise graph_error(
                2500,
                "An active access token must be used to query information about the current user.",
            )
        if "/video-upload/" in request.path or "/ig-api-upload/" in request.path:
            return  # the upload host (rupload.facebook.com): Meta documents no proof there
        proof = request.param("appsecret_proof")
        token = request.param("access_token") or oauth
        check_app_secret_proof(self.world.require_app_secret, token, proof)

    def invalid_parameter(self, detail: str) -> Response:
        """Graph's answer to a parameter it cannot read (a `since` that is no time)."""
        return graph_error(100, f"(#100) Invalid parameter: {detail}").response

    def fault_response(self, fault: Fault) -> Response:
        if fault.status == "refusal":
            return graph_refusal(fault.code)
        if fault.status == 401:
            return graph_error(
                190, "Error validating access token: Session has expired.", 463
            ).response
        if fault.status == 429:
            minutes = max(1, math.ceil(fault.retry_after / 60))
            response = graph_error(32, "(#32) Page request limit reached").response
            response.headers.update(self.usage_headers(percent=100, minutes=minutes))
            return response
        if fault.status == 503:
            return Response(
                503,
                None,
                raw=b"<html><body>Service Unavailable</body></html>",
                content_type="text/html",
            )
        return graph_error(
            2, "An unexpected error has occurred. Please retry your request later.", status=500
        ).response

    def usage_headers(
        self, route_name: str = "", percent: int | None = None, minutes: int = 0
    ) -> dict[str, str]:
        used = percent if percent is not None else min(99, sum(self.world.calls.values()) // 50)
        usage = {"call_count": used, "total_cputime": used // 2, "total_time": used // 2}
        business = {
            PAGE_ID: [
                {
                    "type": "pages",
                    "call_count": used,
                    "total_cputime": used // 2,
                    "total_time": used // 2,
                    "estimated_time_to_regain_access": minutes,
                }
            ]
        }
        return {"X-App-Usage": json.dumps(usage), "X-Business-Use-Case-Usage": json.dumps(business)}

    # --- reading ---------------------------------------------------------------------

    def _page(self, page: str) -> None:
        if page != PAGE_ID:
            raise graph_error(100, f"Unsupported request - Object with ID '{page}' does not exist")

    def _fields(self, request: Request, default: str) -> list[FieldSpec]:
        try:
            return parse_fields(request.param("fields") or default)
        except ValueError as exc:
            raise graph_error(100, str(exc)) from None

    def render_post(self, post: Post, specs: list[FieldSpec] | None, request: Request) -> dict:
        specs = specs or parse_fields("id,message,created_time")
        out: dict[str, Any] = {}
        for spec in specs:
            name = spec.name
            if name == "id":
                out["id"] = post.id
            elif name == "message" and post.message:
                out["message"] = post.message
            elif name in ("created_time", "updated_time"):
                newest = max([post.created, *(c.created for c in post.comments)])
                out[name] = graph_time(post.created if name == "created_time" else newest)
            elif name == "permalink_url":
                out["permalink_url"] = post.permalink_url
            elif name == "from":
                out["from"] = {"id": self.world.page.id, "name": self.world.page.name}
            elif name == "shares" and post.shares:
                out["shares"] = {"count": post.shares}
            elif name == "comments":
                top = (
                    post.comments
                    if spec.modifiers.get("filter") == "stream"
                    else [c for c in post.comments if c.parent_id is None]
                )
                out["comments"] = edge_answer(
                    top,
                    spec,
                    lambda c, sub: self.render_comment(c, sub),
                    request,
                    f"/v24.0/{post.id}/comments",
                )
            elif name == "reactions":
                out["reactions"] = {"data": [], "summary": {"total_count": post.reactions}}
            elif name == "insights":
                out["insights"] = self.insights(
                    post,
                    spec.modifiers.get("metric", ""),
                    spec.modifiers.get("period"),
                    spec.subfields,
                )
            elif name == "attachments" and post.media:
                out["attachments"] = {
                    "data": [{"type": m["type"], "media_type": m["type"]} for m in post.media]
                }
        return out

    def render_comment(self, comment: Comment, specs: list[FieldSpec] | None) -> dict:
        return render_fields(
            specs or parse_fields("id,message,created_time,from"),
            {
                "id": lambda: comment.id,
                "message": lambda: comment.message,
                "created_time": lambda: graph_time(comment.created),
                "from": lambda: {"id": comment.author.id, "name": comment.author.name},
                "parent": lambda: {"id": comment.parent_id} if comment.parent_id else None,
            },
        )

    def insights(
        self,
        post: Post,
        metrics: str,
        period: str | None = None,
        specs: list[FieldSpec] | None = None,
    ) -> dict:
        """Post insights as Graph answers them: asked without a period, a metric comes back
        once per period it has (lifetime, then day), each with its `id`
        (`{post-id}/insights/{metric}/{period}`), `title` and `description`."""
        names = [name for name in metrics.split(",") if name]
        if not names:
            raise graph_error(100, "(#100) The value must be a valid insights metric", 1504028)
        unknown = [name for name in names if name not in CURRENT_POST_METRICS]
        if unknown:
            raise graph_error(
                100, f"(#100) The value must be a valid insights metric: {unknown[0]}"
            )
        if period is not None and period not in INSIGHT_PERIODS:
            raise graph_error(
                100,
                "(#100) period must be one of the following values: " + ", ".join(INSIGHT_PERIODS),
            )
        periods = (period,) if period else INSIGHT_PERIODS
        entries = [self._insight(post, name, each) for name in names for each in periods]
        if specs:
            wanted = {spec.name for spec in specs}
            entries = [{k: v for k, v in entry.items() if k in wanted} for entry in entries]
        return {"data": entries}

    def _insight(self, post: Post, name: str, period: str) -> dict[str, Any]:
        total = self.world.metric_value(post, name)
        title = name.replace("_", " ").capitalize()
        if period == "lifetime":
            values = [{"value": total}]
            label = f"Lifetime {title}"
        else:  # the last two days, the latest only part of the total
            today = post.created.replace(hour=8, minute=0, second=0, microsecond=0)
            values = [
                {"value": total - total // 10, "end_time": graph_time(today + timedelta(days=1))},
                {"value": total // 10, "end_time": graph_time(today + timedelta(days=2))},
            ]
            label = f"Daily {title}"
        return {
            "name": name,
            "period": period,
            "values": values,
            "title": label,
            "description": f"{label.split()[0]}: {title} of the Page's post.",
            "id": f"{post.id}/insights/{name}/{period}",
        }

    def _object(self, object_id: str, specs: list[FieldSpec] | None, request: Request) -> dict:
        world = self.world
        if object_id in ("me", PAGE_ID):
            return {"id": PAGE_ID, "name": PAGE_NAME}
        if object_id in world.posts:
            return self.render_post(world.posts[object_id], specs, request)
        if object_id in world.comments:
            return self.render_comment(world.comments[object_id], specs)
        if object_id in world.photos:
            photo = world.photos[object_id]
            return {"id": object_id, "created_time": photo["created_time"]}
        if object_id in world.videos:
            post = world.videos[object_id]
            return render_fields(
                specs or parse_fields("id"),
                {
                    "id": lambda: object_id,
                    "description": lambda: post.message,
                    "created_time": lambda: graph_time(post.created),
                    "permalink_url": lambda: f"/{PAGE_ID}/videos/{object_id}/",
                    "status": lambda: video_status(world, object_id) or _READY,
                },
            )
        status = video_status(world, object_id)
        if status is not None:  # a video still uploading: it has no post yet
            return render_fields(
                specs or parse_fields("id"),
                {"id": lambda: object_id, "status": lambda: status},
            )
        raise graph_error(
            100,
            f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation",
            33,
        )

    def get_one(self, request: Request, target: str) -> Response:
        return Response(200, self._object(target, self._fields(request, "id"), request))

    def get_many(self, request: Request) -> Response:
        ids = [part for part in (request.param("ids") or "").split(",") if part]
        if not ids:
            raise graph_error(100, "Unsupported get request.")
        if len(ids) > MAX_IDS:
            raise graph_error(100, f"(#100) Too many IDs. Maximum: {MAX_IDS}. Actual: {len(ids)}")
        specs = self._fields(request, "id")
        return Response(
            200, {object_id: self._object(object_id, specs, request) for object_id in ids}
        )

    def list_posts(self, request: Request, page: str, edge: str) -> Response:
        self._page(page)
        posts = sorted(
            (p for p in self.world.posts.values() if p.published and self.world.ready(p)),
            key=lambda post: post.created,
            reverse=True,
        )
        since, until = parse_time(request.param("since")), parse_time(request.param("until"))
        posts = [
            p
            for p in posts
            if (not since or p.created >= since) and (not until or p.created <= until)
        ]
        specs = self._fields(request, "id,message,created_time")
        return self._paged(request, posts, lambda post: self.render_post(post, specs, request))

    def list_videos(self, request: Request, page: str) -> Response:
        """The Page's uploaded videos, newest first, processing ones included (Graph's
        `/{page-id}/videos` edge: id, description, created_time)."""
        self._page(page)
        videos = sorted(self.world.videos.items(), key=lambda item: item[1].created, reverse=True)
        specs = self._fields(request, "id,description,created_time")
        return self._paged(
            request,
            videos,
            lambda item: render_fields(
                specs,
                {
                    "id": lambda: item[0],
                    "description": lambda: item[1].message,
                    "created_time": lambda: graph_time(item[1].created),
                    "permalink_url": lambda: f"/{PAGE_ID}/videos/{item[0]}/",
                },
            ),
        )

    def list_comments(self, request: Request, target: str) -> Response:
        if target in self.world.posts:
            comments = self.world.posts[target].comments
            if request.param("filter") != "stream":
                comments = [c for c in comments if c.parent_id is None]
        elif target in self.world.comments:
            comments = [c for c in self.world.comments.values() if c.parent_id == target]
        else:
            raise graph_error(100, f"Object with ID '{target}' does not exist")
        since = parse_time(request.param("since"))
        comments = [c for c in comments if not since or c.created >= since]
        if request.param("order") == "reverse_chronological":
            comments = sorted(comments, key=lambda c: c.created, reverse=True)
        specs = self._fields(request, "id,message,created_time,from")
        return self._paged(request, comments, lambda c: self.render_comment(c, specs))

    def list_conversations(self, request: Request, page: str) -> Response:
        self._page(page)
        conversations = sorted(
            self.world.conversations.values(), key=lambda c: c.updated, reverse=True
        )
        specs = self._fields(request, "id,updated_time")
        return self._paged(
            request, conversations, lambda c: self.render_conversation(c, specs, request)
        )

    def list_messages(self, request: Request, conversation_id: str) -> Response:
        found = [c for c in self.world.conversations.values() if c.id == conversation_id]
        if not found:
            raise graph_error(100, f"Object with ID '{conversation_id}' does not exist")
        specs = self._fields(request, "id,created_time")
        newest_first = list(reversed(found[0].messages))
        return self._paged(request, newest_first, lambda m: self.render_message(m, specs))

    def thread_owner(self, request: Request, page: str) -> Response:
        """Which app owns the conversation with `recipient` (a PSID): Meta's "Get Thread
        Owner" page (developers.facebook.com/docs/messenger-platform/handover-protocol/
        get-thread-owner) answers {"data": [{"thread_owner": {"app_id": ...}}]}."""
        self._page(page)
        psid = request.param("recipient")
        if not psid:
            raise graph_error(100, "(#100) The parameter recipient is required")
        if psid not in self.world.conversations:
            raise graph_error(100, "(#100) No matching user found", 2018001)
        return Response(
            200, {"data": [{"thread_owner": {"app_id": self.world.thread_owner(psid)}}]}
        )

    def render_conversation(
        self, conversation: Conversation, specs: list[FieldSpec], request: Request
    ) -> dict:
        out: dict[str, Any] = {}
        for spec in specs:
            if spec.name == "id":
                out["id"] = conversation.id
            elif spec.name == "updated_time":
                out["updated_time"] = graph_time(conversation.updated)
            elif spec.name == "participants":
                people = [conversation.citizen, self.world.page]
                out["participants"] = {"data": [{"id": p.id, "name": p.name} for p in people]}
            elif spec.name == "messages":
                newest_first = list(reversed(conversation.messages))
                path = f"/v24.0/{conversation.id}/messages"
                out["messages"] = edge_answer(
                    newest_first, spec, self.render_message, request, path
                )
        return out

    def render_message(self, message: Message, specs: list[FieldSpec] | None) -> dict:
        return render_fields(
            specs or parse_fields("id,created_time"),
            {
                "id": lambda: message.id,
                "message": lambda: message.text,
                "created_time": lambda: graph_time(message.created),
                "from": lambda: {"id": message.author.id, "name": message.author.name},
                "attachments": lambda: self.render_attachments(message, specs),
            },
        )

    def render_attachments(self, message: Message, specs: list[FieldSpec] | None) -> dict | None:
        """A message's `attachments` edge in the Message reference's shape: id, mime_type,
        name, size, and `image_data` / `video_data` (url, preview_url, sizes) or `file_url`."""
        if not message.attachments:
            return None
        spec = next((s for s in specs or [] if s.name == "attachments"), None)
        asked = spec.subfields if spec and spec.subfields else parse_fields("id,mime_type,name")
        data = [render_picked(attachment_object(found), asked) for found in message.attachments]
        cursor = cursor_at(0)
        return {"data": data, "paging": {"cursors": {"before": cursor, "after": cursor}}}

    def get_insights(self, request: Request, target: str) -> Response:
        post = self.world.posts.get(target)
        if post is None:
            raise graph_error(100, f"Object with ID '{target}' does not exist")
        metrics = request.param("metric") or ""
        return Response(200, self.insights(post, metrics, request.param("period") or None))

    def _paged(self, request: Request, items: list[Any], render) -> Response:
        limit = int(request.param("limit") or 25)
        return Response(200, page_answer(items, render, limit, request))

    # --- writing ---------------------------------------------------------------------

    def _check_media(self, request: Request, kind: str) -> dict[str, Any]:
        upload = request.files.get("source")
        if upload is None:
            raise graph_error(324, "(#324) Requires upload file")
        mime_type = sniff(upload.data[:16])
        if kind == "image" and (mime_type not in PHOTO_TYPES or len(upload.data) > PHOTO_MAX_BYTES):
            raise graph_error(
                100,
                "Your photos couldn't be uploaded. Photos should be less than 4 MB and saved as JPG, PNG, GIF, TIFF, HEIF or WebP files.",
                1366046,
            )
        return {
            "type": kind_of(mime_type or ""),
            "mime_type": mime_type,
            "size": len(upload.data),
            "name": upload.filename,
        }

    def post_feed(self, request: Request, page: str) -> Response:
        self._page(page)
        message = request.param("message") or ""
        media = []
        index = 0
        while f"attached_media[{index}]" in request.form:
            try:
                fbid = json.loads(request.form[f"attached_media[{index}]"])["media_fbid"]
            except (ValueError, KeyError, TypeError):
                raise graph_error(
                    100, "(#100) param attached_media must be an array of objects with media_fbid"
                ) from None
            photo = self.world.photos.get(str(fbid))
            if photo is None:
                raise graph_error(100, f"(#100) media_fbid {fbid} is not a valid unpublished photo")
            media.append(photo["media"])
            index += 1
        if not message and not media:
            raise graph_error(100, "(#100) Missing message or attachment")
        post = self.world.add_post(message, self.world.now(), media)
        return Response(200, {"id": post.id})

    def post_photo(self, request: Request, page: str) -> Response:
        self._page(page)
        media = self._check_media(request, "image")
        photo_id = self.world.new_id()
        if (request.param("published") or "true").lower() == "false":
            self.world.photos[photo_id] = {
                "media": media,
                "created_time": graph_time(self.world.now()),
            }
            return Response(200, {"id": photo_id})
        text = request.param("caption") or request.param("message") or ""
        post = self.world.add_post(text, self.world.now(), [media])
        return Response(200, {"id": photo_id, "post_id": post.id})

    def post_video(self, request: Request, page: str) -> Response:
        """A Page video from a Resumable Upload API handle (graph_video.py). The older one-go
        `source` upload is not emulated: Meta's current pages no longer show it."""
        self._page(page)
        handle = request.param("fbuploader_video_file_chunk")
        if not handle:
            raise graph_error(100, "(#100) Requires fbuploader_video_file_chunk")
        return self.video.post_video(request, handle)

    def post_comment(self, request: Request, target: str) -> Response:
        message = request.param("message")
        if not message:
            raise graph_error(100, "(#100) Missing message")
        world = self.world
        if target in world.comments:
            parent = world.comments[target]
            post = world.posts[parent.post_id]
            reply = world.add_comment(post, world.page, message, world.now(), parent.id)
        elif target in world.posts:
            reply = world.add_comment(world.posts[target], world.page, message, world.now(), None)
        else:
            raise graph_error(100, f"Object with ID '{target}' does not exist")
        world.replies.append({"id": reply.id, "to": target, "text": message, "public": True})
        return Response(200, {"id": reply.id})

    def update_comment(self, request: Request, target: str) -> Response:
        """Hide or show a comment (`is_hidden`), the only update we use."""
        comment = self.world.comments.get(target)
        if comment is None:
            raise graph_error(100, f"Object with ID '{target}' does not exist")
        hidden = request.param("is_hidden")
        if hidden not in ("true", "false"):
            raise graph_error(100, "(#100) Param is_hidden must be a boolean")
        comment.is_hidden = hidden == "true"
        return Response(200, {"success": True})

    def send_message(self, request: Request, page: str) -> Response:
        self._page(page)
        try:
            recipient = json.loads(request.param("recipient") or "")
            text = json.loads(request.param("message") or "")["text"]
        except (ValueError, KeyError, TypeError):
            raise graph_error(
                100, "(#100) param recipient and message must be JSON objects"
            ) from None
        world = self.world
        now = world.now()
        if "comment_id" in recipient:
            comment = world.comments.get(str(recipient["comment_id"]))
            if comment is None:
                raise graph_error(100, "(#100) No matching comment found")
            if comment.private_reply_sent:
                raise graph_error(10, "(#10) This comment already has a private reply.", 2018278)
            if now - comment.created > PRIVATE_REPLY_WINDOW:
                raise graph_error(
                    10, "(#10) This message is sent outside of allowed window.", 2018278
                )
            comment.private_reply_sent = True
            citizen = comment.author
            target = comment.id
        else:
            psid = str(recipient.get("id", ""))
            conversation = world.conversations.get(psid)
            if conversation is None:
                raise graph_error(100, "(#100) No matching user found", 2018001)
            last_from_citizen = max(m.created for m in conversation.messages if m.author.id == psid)
            if now - last_from_citizen > MESSAGING_WINDOW:
                raise graph_error(
                    10,
                    "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview",
                    2018278,
                )
            citizen = conversation.citizen
            target = psid
        message = world.add_message(citizen, world.page, text, now)
        world.replies.append({"id": message.id, "to": target, "text": text, "public": False})
        return Response(200, {"recipient_id": citizen.id, "message_id": message.id})
