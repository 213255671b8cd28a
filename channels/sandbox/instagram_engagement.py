"""The Instagram comment, Direct message, moderation and insights routes, as Meta's
reference shows them (Instagram API with Facebook Login, graph.facebook.com):

- `GET /{ig-media-id}/comments` (top-level comments, their `replies` by field expansion),
  `GET /{ig-comment-id}/replies`, `GET /{ig-comment-id}`;
- `POST /{ig-comment-id}/replies?message=` (only top-level comments have replies: one to a
  reply goes under its top-level comment; a hidden comment cannot be answered);
- `POST /{ig-comment-id}?hide=true|false`;
- `POST /{ig-user-id}/messages`: a Direct message (`recipient {id: IGSID}`, inside 24 hours
  of the citizen's latest message, or with the HUMAN_AGENT tag inside 7 days) or a private
  reply (`recipient {comment_id}`: once per comment, within 7 days of it);
- `GET /{ig-media-id}/insights?metric=`: the metrics of the media's product type; a
  deprecated metric (impressions, plays, video_views...) fails the whole request;
- `POST /?batch=[...]`: Graph batch requests, up to 50, each answered on its own;
- `GET /{IGSID}?fields=`: the User Profile API of Instagram Messaging, for a person who wrote
  a Direct message (`get_person`, reached through the generic `GET /{id}` route).

Every path takes only Instagram's 17-digit ids (ID_PATTERN), so Facebook's routes are
untouched. Meta does not publish the error codes of a closed window or a second private
reply: the simulator answers what is commonly reported, code 10 with subcode 2534022
("outside of allowed window") and 2534025 (the comment's private reply already used).

Past ~400 lines on purpose: one API surface (its routes and their rules), side by side.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from channels.sandbox.graph_fields import (
    FieldSpec,
    graph_error,
    page_answer,
    parse_fields,
    render_fields,
)
from channels.sandbox.graph_world import graph_time
from channels.sandbox.http import HttpError, Request, Response, Router
from channels.sandbox.instagram_world import (
    ID_PATTERN,
    IG_USER_ID,
    Comment,
    InstagramWorld,
    Media,
)

MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
WINDOW_SUBCODE = 2534022
PRIVATE_REPLY_USED_SUBCODE = 2534025
MAX_BATCH = 50
MAX_MESSAGE_BYTES = 1_000
CONSENT_REQUIRED_CODE = 230
"""The User Profile API's refusal for a person who never wrote to the account: Meta's page
gives the words, 230 is the code commonly reported with them."""

COMMENT_DEFAULT_FIELDS = "id,text,timestamp"
MEDIA_METRICS = {
    # Instagram Media Insights reference (2025-2026), by media_product_type.
    "FEED": (
        "views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
        "profile_visits", "profile_activity", "follows",
    ),
    "REELS": (
        "views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
        "ig_reels_avg_watch_time", "ig_reels_video_view_total_time",
    ),
    "STORY": (
        "views", "reach", "replies", "shares", "navigation", "follows", "profile_visits",
        "profile_activity", "total_interactions",
    ),
}  # fmt: skip
DEPRECATED_METRICS = (
    "impressions",
    "plays",
    "clips_replays_count",
    "ig_reels_aggregated_all_plays_count",
    "video_views",
)
"""Gone for v22.0 and, since April 21, 2025 (video_views since January 8, 2025), for all
versions: asking one fails the whole request."""


def add_published_media(
    world: InstagramWorld,
    caption: str,
    at: datetime | None = None,
    product_type: str = "REELS",
    **figures: int,
) -> Media:
    """A media the account published earlier (tests and the control API's `posts`; the
    publishing routes make theirs through containers)."""
    media_type = {"REELS": "VIDEO", "STORY": "IMAGE"}.get(product_type, "IMAGE")
    media = Media(
        world.new_id(), media_type, product_type, caption, at or world.now(), "", **figures
    )
    world.media[media.id] = media
    return media


class InstagramEngagementRoutes:
    """Comments, replies, hiding, Direct messages and insights of one InstagramWorld."""

    def __init__(self, world: InstagramWorld, lock) -> None:
        self.world = world
        self.lock = lock

    def register(self, router: Router, version_pattern: str) -> None:
        """Add the engagement routes (before Graph's: they match only Instagram ids)."""
        i = ID_PATTERN
        routes = (
            ("POST", r"/?", "POST / (batch)", self.batch),
            ("GET", rf"/(?P<media_id>{i})/comments", "GET /{ig-media-id}/comments",
             self.list_comments),
            ("GET", rf"/(?P<comment_id>{i})/replies", "GET /{ig-comment-id}/replies",
             self.list_replies),
            ("POST", rf"/(?P<comment_id>{i})/replies", "POST /{ig-comment-id}/replies",
             self.post_reply),
            ("POST", rf"/(?P<account>{i})/messages", "POST /{ig-user-id}/messages",
             self.send_message),
            ("GET", rf"/(?P<media_id>{i})/insights", "GET /{ig-media-id}/insights",
             self.get_insights),
            ("POST", rf"/(?P<comment_id>{i})", "POST /{ig-comment-id}", self.hide_comment),
            ("GET", rf"/(?P<comment_id>{i})", "GET /{ig-comment-id}", self.get_comment),
        )  # fmt: skip
        for method, pattern, name, handler in routes:
            router.add("instagram", method, version_pattern + pattern, name, handler)

    # --- comments --------------------------------------------------------------------

    def _fields(self, request: Request, default: str) -> list[FieldSpec]:
        try:
            return parse_fields(request.param("fields") or default)
        except ValueError as exc:
            raise graph_error(100, str(exc)) from None

    def _media(self, media_id: str) -> Media:
        media = self.world.media.get(media_id)
        if media is None:
            raise graph_error(
                100,
                f"Unsupported get request. Object with ID '{media_id}' does not exist, cannot "
                "be loaded due to missing permissions, or does not support this operation",
                33,
            )
        return media

    def _comment(self, comment_id: str) -> Comment:
        comment = self.world.comments.get(comment_id)
        if comment is None:
            raise graph_error(
                100,
                f"Unsupported request - Object with ID '{comment_id}' does not exist",
                33,
            )
        return comment

    def render_comment(self, comment: Comment, specs: list[FieldSpec] | None) -> dict:
        specs = specs or parse_fields(COMMENT_DEFAULT_FIELDS)
        replies_spec = next((spec for spec in specs if spec.name == "replies"), None)
        return render_fields(
            specs,
            {
                "id": lambda: comment.id,
                "text": lambda: comment.text,
                "timestamp": lambda: graph_time(comment.created),
                "from": lambda: {"id": comment.author.id, "username": comment.author.username},
                "username": lambda: comment.author.username,
                "parent_id": lambda: comment.parent_id,
                "hidden": lambda: comment.hidden,
                "like_count": lambda: 0,
                "media": lambda: {"id": comment.media_id},
                "replies": lambda: self._edge(
                    self._replies(comment),
                    replies_spec.subfields if replies_spec else None,
                    int((replies_spec.modifiers if replies_spec else {}).get("limit", 25)),
                    None,
                ),
            },
        )

    def _replies(self, comment: Comment) -> list[Comment]:
        found = [c for c in self.world.comments.values() if c.parent_id == comment.id]
        return sorted(found, key=lambda c: c.created, reverse=True)

    def _edge(
        self, items: list[Comment], specs, limit: int, request: Request | None
    ) -> dict[str, Any]:
        """A page of comments, newest first, with Graph's cursors and `next` link."""
        return page_answer(items, lambda c: self.render_comment(c, specs), limit, request)

    def list_comments(self, request: Request, media_id: str) -> Response:
        self._media(media_id)
        top = sorted(self.world.comments_on(media_id), key=lambda c: c.created, reverse=True)
        specs = self._fields(request, COMMENT_DEFAULT_FIELDS)
        return Response(200, self._edge(top, specs, int(request.param("limit") or 25), request))

    def list_replies(self, request: Request, comment_id: str) -> Response:
        comment = self._comment(comment_id)
        specs = self._fields(request, COMMENT_DEFAULT_FIELDS)
        replies = self._replies(comment)
        return Response(200, self._edge(replies, specs, int(request.param("limit") or 25), request))

    def get_comment(self, request: Request, comment_id: str) -> Response:
        comment = self._comment(comment_id)
        return Response(200, self.render_comment(comment, self._fields(request, "id")))

    def post_reply(self, request: Request, comment_id: str) -> Response:
        comment = self._comment(comment_id)
        message = request.param("message")
        if not message:
            raise graph_error(100, "(#100) The parameter message is required")
        if comment.hidden:
            raise graph_error(100, "(#100) You cannot reply to a hidden comment")
        world = self.world
        reply = world.add_comment(
            comment.media_id, world.account, message, world.now(), comment.id, ours=True
        )
        return Response(200, {"id": reply.id})

    def hide_comment(self, request: Request, comment_id: str) -> Response:
        comment = self._comment(comment_id)
        hide = request.param("hide")
        if hide not in ("true", "false"):
            raise graph_error(100, "(#100) Param hide must be a boolean")
        comment.hidden = hide == "true"
        return Response(200, {"success": True})

    # --- Direct messages and private replies -----------------------------------------

    def send_message(self, request: Request, account: str) -> Response:
        if account != IG_USER_ID:
            raise graph_error(100, f"Unsupported post request. Object with ID '{account}' "
                              "does not exist")  # fmt: skip
        recipient = self._json_param(request, "recipient")
        message = self._json_param(request, "message")
        text = message.get("text")
        if not isinstance(text, str) or not text:
            raise graph_error(100, "(#100) The parameter message.text is required")
        if len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:
            raise graph_error(100, "(#100) Length of param message[text] must be less than "
                              f"or equal to {MAX_MESSAGE_BYTES}")  # fmt: skip
        world = self.world
        now = world.now()
        if "comment_id" in recipient:
            comment = self._comment(str(recipient["comment_id"]))
            if comment.private_reply_sent:
                raise graph_error(
                    10, "(#10) This comment has already been replied to privately.",
                    PRIVATE_REPLY_USED_SUBCODE,
                )  # fmt: skip
            if now - comment.created > PRIVATE_REPLY_WINDOW:
                raise graph_error(
                    10, "(#10) This message is sent outside of allowed window.", WINDOW_SUBCODE
                )
            comment.private_reply_sent = True
            citizen, to = comment.author, {"comment_id": comment.id}
        else:
            igsid = str(recipient.get("id", ""))
            heard = world.last_heard(igsid)
            if heard is None:
                raise graph_error(100, "(#100) No matching user found", 2018001)
            tag = self._tag(request)
            window = HUMAN_AGENT_WINDOW if tag == "HUMAN_AGENT" else MESSAGING_WINDOW
            if now - heard > window:
                raise graph_error(
                    10, "(#10) This message is sent outside of allowed window.", WINDOW_SUBCODE
                )
            citizen, to = world.conversations[igsid].citizen, {"id": igsid}
        mid = "aWdf" + world.new_id()
        world.sent.append({"id": mid, "recipient": to, "text": text, "tag": self._tag(request)})
        return Response(200, {"recipient_id": citizen.id, "message_id": mid})

    def get_person(self, request: Request, igsid: str) -> Response | None:
        """The User Profile API: a person who wrote a Direct message (their consent) is
        read; one who only commented is refused (Meta's consent rule). None: no one has
        this id (the generic `GET /{id}` route answers that it does not exist)."""
        conversation = self.world.conversations.get(igsid)
        if conversation is None:
            if any(c.author.id == igsid for c in self.world.comments.values() if not c.ours):
                raise graph_error(
                    CONSENT_REQUIRED_CODE,
                    "(#230) User consent is required to access user profile",
                )
            return None
        citizen = conversation.citizen
        getters = {
            "id": lambda: citizen.id,
            "username": lambda: citizen.username,
            # The simulator's people set no name: Meta then leaves it out ("can be null").
            "name": lambda: None,
            "profile_pic": lambda: f"https://scontent.example/perfil/{citizen.id}.jpg",
            "follower_count": lambda: 0,
            "is_verified_user": lambda: False,
            "is_user_follow_business": lambda: False,
            "is_business_follow_user": lambda: False,
        }
        return Response(200, render_fields(self._fields(request, "id"), getters))

    @staticmethod
    def _tag(request: Request) -> str | None:
        if isinstance(request.body, dict) and request.body.get("tag"):
            return str(request.body["tag"])
        return request.param("tag")

    @staticmethod
    def _json_param(request: Request, name: str) -> dict[str, Any]:
        """`recipient` / `message`: JSON in a form field, or objects in a JSON body."""
        if isinstance(request.body, dict) and isinstance(request.body.get(name), dict):
            return request.body[name]
        try:
            value = json.loads(request.param(name) or "")
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise graph_error(100, f"(#100) param {name} must be a JSON object")
        return value

    # --- insights --------------------------------------------------------------------

    def insights(self, media: Media, metrics: str) -> dict[str, Any]:
        names = [name for name in metrics.split(",") if name]
        if not names:
            raise graph_error(100, "(#100) The parameter metric is required")
        gone = [name for name in names if name in DEPRECATED_METRICS]
        if gone:
            raise graph_error(
                100,
                f"(#100) Starting from version v22.0 and above, the {gone[0]} metric is no "
                "longer supported for the queried media. Please use views instead.",
            )
        supported = MEDIA_METRICS[media.media_product_type]
        unsupported = [name for name in names if name not in supported]
        if unsupported:
            raise graph_error(
                100,
                f"(#100) The Media Insights API does not support the {', '.join(unsupported)} "
                "metric for this media product type.",
            )
        return {"data": [self._insight(media, name) for name in names]}

    def _insight(self, media: Media, name: str) -> dict[str, Any]:
        figures = self.world.figures(media)
        values = {
            "views": figures["views"],
            "reach": figures["reach"],
            "likes": figures["like_count"],
            "comments": self.world.comments_count(media.id),
            "shares": figures["shares"],
            "saved": figures["saved"],
        }
        title = name.replace("_", " ").capitalize()
        return {
            "name": name,
            "period": "lifetime",
            "values": [{"value": values.get(name, 0)}],
            "title": title,
            "description": f"{title} of the media object",
            "id": f"{media.id}/insights/{name}/lifetime",
        }

    def get_insights(self, request: Request, media_id: str) -> Response:
        media = self._media(media_id)
        return Response(200, self.insights(media, request.param("metric") or ""))

    # --- batch requests ----------------------------------------------------------------

    def batch(self, request: Request) -> Response:
        """Graph batch requests: each `{method, relative_url}` answered in order as
        `{"code", "body": <JSON text>}`; here, the Instagram reads the adapters batch."""
        try:
            items = json.loads(request.param("batch") or "")
        except ValueError:
            items = None
        if not isinstance(items, list) or not items:
            raise graph_error(100, "(#100) The parameter batch is required")
        if len(items) > MAX_BATCH:
            error = graph_error(1, "Too many requests in batch message. Maximum batch size is 50")
            error.response.body["error"]["type"] = "GraphBatchException"
            error.response.body["error"].pop("is_transient", None)
            raise error
        answers = []
        for item in items:
            response = self._one(item, request)
            self.world.calls["batch: " + response[0]] += 1
            answers.append({"code": response[1].status, "body": json.dumps(response[1].body)})
        return Response(200, answers)

    def _one(self, item: Any, request: Request) -> tuple[str, Response]:
        relative = item.get("relative_url") if isinstance(item, dict) else None
        method = (item.get("method") or "GET").upper() if isinstance(item, dict) else "GET"
        if not isinstance(relative, str) or method != "GET":
            return "?", graph_error(
                100, "(#100) Each batch item needs GET and relative_url"
            ).response
        parts = urlsplit(relative)
        pieces = parts.path.strip("/").split("/")
        if pieces[0].startswith("v") and "." in pieces[0]:  # "v24.0/{id}/insights"
            pieces = pieces[1:]
        path = "/" + "/".join(pieces)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        sub = Request("GET", path, query, {}, {}, None, request.headers, request.base_url)
        edges = {"insights": self.get_insights, "comments": self.list_comments}
        if len(pieces) != 2 or pieces[1] not in edges:
            return "?", graph_error(100, f"Unknown path components: {path}").response
        name = f"GET /{{ig-media-id}}/{pieces[1]}"
        try:
            return name, edges[pieces[1]](sub, pieces[0])
        except HttpError as error:
            return name, error.response
