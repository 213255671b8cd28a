"""The Graph API subset the Facebook adapter uses, as the public reference describes it.

Objects are answered with the `fields` asked for, field expansion included
(`comments.filter(stream).since(T).limit(50){id,message,from{id,name}}`); edges page
with absolute `paging.next` URLs; errors come in Graph's `{"error": {...}}` shape with
the usage headers (X-App-Usage, X-Business-Use-Case-Usage) on every answer.
"""

from __future__ import annotations

import base64
import json
import math
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from channels.media import kind_of, sniff
from channels.sandbox.http import HttpError, Request, Response, Router
from channels.sandbox.world import Fault, NetworkWorld, parse_time

GRAPH_VERSION_PATTERN = r"/v\d+\.\d+"
PAGE_ID = "100000000000001"
PAGE_NAME = "Acueducto de Ejemplo"
MESSAGING_WINDOW = timedelta(hours=24)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
MAX_LIMIT = 100
MAX_IDS = 50
# What Page uploads accept, from Meta's documentation and its own error texts; kept apart
# from the adapters' rules on purpose, so a wrong limit there shows up here.
PHOTO_TYPES = {"image/jpeg", "image/png", "image/gif", "image/tiff", "image/bmp", "image/webp"}
PHOTO_MAX_BYTES = 4 * 1024 * 1024
VIDEO_TYPES = {"video/mp4", "video/quicktime"}
VIDEO_MAX_BYTES = 1024 * 1024 * 1024

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


@dataclass
class FieldSpec:
    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    subfields: list[FieldSpec] | None = None


def parse_fields(text: str) -> list[FieldSpec]:
    """Parse Graph's field expansion syntax."""
    position = 0

    def read_name() -> str:
        nonlocal position
        match = re.compile(r"[A-Za-z0-9_]+").match(text, position)
        if not match:
            raise ValueError(f"Syntax error in fields at {position}")
        position = match.end()
        return match.group()

    def read_list(closing: str | None) -> list[FieldSpec]:
        nonlocal position
        specs = []
        while position < len(text) and text[position] != closing:
            specs.append(read_field())
            if position < len(text) and text[position] == ",":
                position += 1
        if closing:
            position += 1
        return specs

    def read_field() -> FieldSpec:
        nonlocal position
        spec = FieldSpec(read_name())
        while position < len(text) and text[position] == ".":
            position += 1
            modifier = read_name()
            end = text.index(")", position)
            spec.modifiers[modifier] = text[position + 1 : end]
            position = end + 1
        if position < len(text) and text[position] == "{":
            position += 1
            spec.subfields = read_list("}")
        return spec

    return read_list(None)


def graph_error(
    code: int, message: str, subcode: int | None = None, status: int = 400
) -> HttpError:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "A" + base64.b32encode(random.randbytes(10)).decode().rstrip("="),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if code in (1, 2, 4, 17, 32, 613):
        error["is_transient"] = True
    return HttpError(Response(status, {"error": error}))


def _time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class Person:
    id: str
    name: str


@dataclass
class Comment:
    id: str
    post_id: str
    parent_id: str | None
    author: Person
    message: str
    created: datetime
    private_reply_sent: bool = False


@dataclass
class Post:
    id: str
    message: str
    created: datetime
    media: list[dict[str, Any]] = field(default_factory=list)
    published: bool = True
    comments: list[Comment] = field(default_factory=list)
    shares: int = 0
    reactions: int = 0

    @property
    def permalink_url(self) -> str:
        return f"https://www.facebook.com/{self.id.replace('_', '/posts/')}"


@dataclass
class Message:
    id: str
    author: Person
    text: str
    created: datetime


@dataclass
class Conversation:
    id: str
    citizen: Person
    messages: list[Message] = field(default_factory=list)

    @property
    def updated(self) -> datetime:
        return self.messages[-1].created


class FacebookWorld(NetworkWorld):
    """One Facebook Page with its posts, comments, Messenger conversations and insights."""

    name = "facebook"

    def __init__(self) -> None:
        super().__init__()
        self.page = Person(PAGE_ID, PAGE_NAME)
        self.posts: dict[str, Post] = {}
        self.photos: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, Comment] = {}
        self.videos: dict[str, Post] = {}
        self.conversations: dict[str, Conversation] = {}
        self.replies: list[dict[str, Any]] = []

    def new_id(self) -> str:
        return str(200000000000000 + self.next_number())

    def person(self, name: str) -> Person:
        digits = int.from_bytes(name.encode("utf-8")[:8].ljust(8, b"\0"), "big") % 10**15
        return Person(str(7000000000000000 + digits), name)

    def add_post(self, message: str, created: datetime, media: list[dict] | None = None) -> Post:
        post = Post(f"{PAGE_ID}_{self.new_id()}", message, created, media or [])
        seed = random.Random(post.id)
        post.shares = seed.randint(0, 5)
        post.reactions = seed.randint(0, 40)
        self.posts[post.id] = post
        return post

    def add_comment(
        self, post: Post, author: Person, message: str, created: datetime, parent: str | None
    ) -> Comment:
        local = post.id.split("_", 1)[1]
        comment = Comment(f"{local}_{self.new_id()}", post.id, parent, author, message, created)
        post.comments.append(comment)
        self.comments[comment.id] = comment
        return comment

    def add_message(self, citizen: Person, author: Person, text: str, created: datetime) -> Message:
        conversation = self.conversations.get(citizen.id)
        if conversation is None:
            conversation = Conversation(f"t_{self.new_id()}", citizen)
            self.conversations[citizen.id] = conversation
        message = Message(f"m_{self.new_id()}", author, text, created)
        conversation.messages.append(message)
        return message

    def citizen_item(self, kind: str, text: str, author: str, on: str | None, at: datetime) -> dict:
        """Control API: a citizen comments on a post or writes to the page's inbox."""
        person = self.person(author)
        if kind == "message":
            message = self.add_message(person, person, text, at)
            return {"id": message.id, "from": {"id": person.id, "name": person.name}}
        if kind != "comment":
            raise ValueError("facebook admite kind comment o message")
        parent = None
        if on and on in self.comments:
            parent = on
            post = self.posts[self.comments[on].post_id]
        elif on and on in self.posts:
            post = self.posts[on]
        elif on:
            raise ValueError(f"no existe la publicación o comentario {on}")
        elif self.posts:
            post = max(self.posts.values(), key=lambda candidate: candidate.created)
        else:
            raise ValueError("la página aún no tiene publicaciones para comentar")
        comment = self.add_comment(post, person, text, at, parent)
        return {
            "id": comment.id,
            "post_id": post.id,
            "from": {"id": person.id, "name": person.name},
        }

    def state(self) -> dict[str, Any]:
        return {
            "posts": [
                {
                    "id": post.id,
                    "text": post.message,
                    "media": post.media,
                    "created_time": _time(post.created),
                }
                for post in self.posts.values()
                if post.published
            ],
            "replies": self.replies,
            "calls": dict(self.calls),
        }

    # --- rendering -------------------------------------------------------------------

    def metric_value(self, post: Post, metric: str) -> int:
        seed = random.Random(post.id)  # the same post always has the same audience
        views = 150 + seed.randint(0, 1500) + 40 * len(post.comments)
        values = {
            "post_media_view": views,
            "post_total_media_view_unique": int(views * 0.7),
            "post_clicks": int(views * 0.05),
            "post_reactions_like_total": post.reactions,
            "post_video_views": views // 2 if any(m["type"] == "video" for m in post.media) else 0,
        }
        return values.get(metric, seed.randint(0, 5))


def _edge(items: list[Any], spec: FieldSpec, render, request: Request, path: str) -> dict:
    """An edge as Graph answers it: a page of `data`, paging cursors, an optional summary."""
    modifiers = spec.modifiers
    limit = min(int(modifiers.get("limit", 25)), MAX_LIMIT)
    since = parse_time(modifiers.get("since"))
    if since:
        items = [item for item in items if item.created >= since]
    if modifiers.get("order") == "reverse_chronological":
        items = sorted(items, key=lambda item: item.created, reverse=True)
    page = items[:limit]
    answer: dict[str, Any] = {"data": [render(item, spec.subfields) for item in page]}
    if page:
        answer["paging"] = {"cursors": {"before": _cursor(0), "after": _cursor(len(page) - 1)}}
        if len(items) > limit:
            query = {
                "fields": _unparse(spec.subfields),
                "limit": limit,
                "after": _cursor(len(page) - 1),
                **{key: value for key, value in modifiers.items() if key not in ("limit",)},
            }
            answer["paging"]["next"] = f"{request.base_url}{path}?{urlencode(query)}"
    if "summary" in modifiers:
        answer["summary"] = {"total_count": len(items)}
    return answer


def _render(specs: list[FieldSpec], getters: dict[str, Any]) -> dict[str, Any]:
    """The requested fields that the object has (Graph leaves out empty ones)."""
    out = {}
    for spec in specs:
        value = getters[spec.name]() if spec.name in getters else None
        if value is not None:
            out[spec.name] = value
    return out


def _cursor(index: int) -> str:
    return base64.b64encode(str(index).encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor).decode()) + 1
    except ValueError:
        raise graph_error(100, "Invalid cursor") from None


def _unparse(specs: list[FieldSpec] | None) -> str:
    if not specs:
        return ""
    parts = []
    for spec in specs:
        text = spec.name + "".join(f".{key}({value})" for key, value in spec.modifiers.items())
        if spec.subfields:
            text += "{" + _unparse(spec.subfields) + "}"
        parts.append(text)
    return ",".join(parts)


class GraphApi:
    """Routes of the Graph API, answered from a FacebookWorld."""

    def __init__(self, world: FacebookWorld) -> None:
        self.world = world

    def register(self, router: Router) -> None:
        v = GRAPH_VERSION_PATTERN
        routes = (
            ("GET", r"/?", "GET /?ids=", self.get_many),
            ("POST", r"/(?P<page>\d+)/feed", "POST /{page-id}/feed", self.post_feed),
            ("POST", r"/(?P<page>\d+)/photos", "POST /{page-id}/photos", self.post_photo),
            ("POST", r"/(?P<page>\d+)/videos", "POST /{page-id}/videos", self.post_video),
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
            ("GET", r"/(?P<target>[\d_]+|me)", "GET /{object-id}", self.get_one),
        )
        for method, pattern, name, handler in routes:
            router.add("facebook", method, v + pattern, name, handler)

    # --- errors shared by every call ----------------------------------------------------

    def check_token(self, request: Request) -> None:
        if not request.param("access_token"):
            raise graph_error(
                2500,
                "An active access token must be used to query information about the current user.",
            )

    def fault_response(self, fault: Fault) -> Response:
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
                out[name] = _time(post.created if name == "created_time" else newest)
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
                out["comments"] = _edge(
                    top,
                    spec,
                    lambda c, sub: self.render_comment(c, sub),
                    request,
                    f"/v24.0/{post.id}/comments",
                )
            elif name == "reactions":
                out["reactions"] = {"data": [], "summary": {"total_count": post.reactions}}
            elif name == "insights":
                out["insights"] = self.insights(post, spec.modifiers.get("metric", ""))
            elif name == "attachments" and post.media:
                out["attachments"] = {
                    "data": [{"type": m["type"], "media_type": m["type"]} for m in post.media]
                }
        return out

    def render_comment(self, comment: Comment, specs: list[FieldSpec] | None) -> dict:
        return _render(
            specs or parse_fields("id,message,created_time,from"),
            {
                "id": lambda: comment.id,
                "message": lambda: comment.message,
                "created_time": lambda: _time(comment.created),
                "from": lambda: {"id": comment.author.id, "name": comment.author.name},
                "parent": lambda: {"id": comment.parent_id} if comment.parent_id else None,
            },
        )

    def insights(self, post: Post, metrics: str) -> dict:
        names = [name for name in metrics.split(",") if name]
        if not names:
            raise graph_error(100, "(#100) The value must be a valid insights metric", 1504028)
        unknown = [name for name in names if name not in CURRENT_POST_METRICS]
        if unknown:
            raise graph_error(
                100, f"(#100) The value must be a valid insights metric: {unknown[0]}"
            )
        return {
            "data": [
                {
                    "name": name,
                    "period": "lifetime",
                    "values": [{"value": self.world.metric_value(post, name)}],
                    "title": name,
                    "description": name,
                    "id": f"{post.id}/insights/{name}/lifetime",
                }
                for name in names
            ]
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
            return _render(
                specs or parse_fields("id"),
                {
                    "id": lambda: object_id,
                    "description": lambda: post.message,
                    "created_time": lambda: _time(post.created),
                    "permalink_url": lambda: f"/{PAGE_ID}/videos/{object_id}/",
                },
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
            (post for post in self.world.posts.values() if post.published),
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

    def render_conversation(
        self, conversation: Conversation, specs: list[FieldSpec], request: Request
    ) -> dict:
        out: dict[str, Any] = {}
        for spec in specs:
            if spec.name == "id":
                out["id"] = conversation.id
            elif spec.name == "updated_time":
                out["updated_time"] = _time(conversation.updated)
            elif spec.name == "participants":
                people = [conversation.citizen, self.world.page]
                out["participants"] = {"data": [{"id": p.id, "name": p.name} for p in people]}
            elif spec.name == "messages":
                newest_first = list(reversed(conversation.messages))
                path = f"/v24.0/{conversation.id}/messages"
                out["messages"] = _edge(newest_first, spec, self.render_message, request, path)
        return out

    def render_message(self, message: Message, specs: list[FieldSpec] | None) -> dict:
        return _render(
            specs or parse_fields("id,created_time"),
            {
                "id": lambda: message.id,
                "message": lambda: message.text,
                "created_time": lambda: _time(message.created),
                "from": lambda: {"id": message.author.id, "name": message.author.name},
            },
        )

    def get_insights(self, request: Request, target: str) -> Response:
        post = self.world.posts.get(target)
        if post is None:
            raise graph_error(100, f"Object with ID '{target}' does not exist")
        return Response(200, self.insights(post, request.param("metric") or ""))

    def _paged(self, request: Request, items: list[Any], render) -> Response:
        limit = min(int(request.param("limit") or 25), MAX_LIMIT)
        start = _offset(request.param("after"))
        page = items[start : start + limit]
        answer: dict[str, Any] = {"data": [render(item) for item in page]}
        if page:
            answer["paging"] = {
                "cursors": {"before": _cursor(start), "after": _cursor(start + len(page) - 1)}
            }
            if start + limit < len(items):
                query = {k: v for k, v in request.query.items() if k != "after"}
                query["after"] = _cursor(start + len(page) - 1)
                answer["paging"]["next"] = f"{request.base_url}{request.path}?{urlencode(query)}"
        return Response(200, answer)

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
        if kind == "video" and mime_type not in VIDEO_TYPES:
            raise graph_error(
                6000,
                "There was a problem uploading your video file. Please try again with another file.",
                1363024,
            )
        if kind == "video" and len(upload.data) > VIDEO_MAX_BYTES:
            raise graph_error(
                6000,
                "There was a problem uploading your video file: the file is too large.",
                1363023,
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
            self.world.photos[photo_id] = {"media": media, "created_time": _time(self.world.now())}
            return Response(200, {"id": photo_id})
        text = request.param("caption") or request.param("message") or ""
        post = self.world.add_post(text, self.world.now(), [media])
        return Response(200, {"id": photo_id, "post_id": post.id})

    def post_video(self, request: Request, page: str) -> Response:
        self._page(page)
        media = self._check_media(request, "video")
        post = self.world.add_post(request.param("description") or "", self.world.now(), [media])
        video_id = self.world.new_id()  # a video has its own id, not its post's
        self.world.videos[video_id] = post
        return Response(200, {"id": video_id})

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
