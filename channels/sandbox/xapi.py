"""The X API v2 subset the X adapter uses, as the public reference describes it.

Posts, mentions, direct messages, public metrics, and the v2 media upload endpoints
(initialize / append / finalize / status). Errors use the problem shape
(`{"title", "detail", "type", "status"}`); every answer carries x-rate-limit-* headers.

One module past ~400 lines on purpose: it mirrors one API surface (its routes side by side).
"""

from __future__ import annotations

import html
import time
from typing import Any

from channels.media import kind_of, sniff
from channels.sandbox.http import HttpError, Request, Response, Router
from channels.sandbox.world import Fault, parse_time
from channels.sandbox.x_world import (
    ACCOUNT_ID,
    ACCOUNT_USERNAME,
    Media,
    Tweet,
    User,
    XWorld,
    x_time,
)
from channels.text_rules import X_LIMIT, x_weighted_length

RATE_LIMIT = 900
RATE_WINDOW_SECONDS = 15 * 60
# What the v2 upload accepts (X's media best-practices page); kept apart from the adapters'
# rules on purpose, so a wrong limit there shows up here.
IMAGE_MAX_BYTES = {
    "image/jpeg": 5 << 20,
    "image/png": 5 << 20,
    "image/webp": 5 << 20,
    "image/gif": 15 << 20,
}
VIDEO_MAX_BYTES = {"video/mp4": 512 << 20, "video/quicktime": 512 << 20}
MAX_IMAGES = 4
MEDIA_CATEGORIES = {"tweet_image", "tweet_gif", "tweet_video", "dm_image", "dm_gif", "dm_video"}


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> HttpError:
    return HttpError(
        Response(status, {"title": title, "detail": detail, "type": kind, "status": status})
    )


def invalid_request(message: str) -> HttpError:
    return HttpError(
        Response(
            400,
            {
                "errors": [{"parameters": {}, "message": message}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
        )
    )


# Refusals the fault control can ask for ({"status": "refusal", "code": N}): code -> (HTTP
# status, body). v2 endpoints answer a problem (title, detail); the v1.1 shape ({"errors":
# [{"code", "message"}]}) carries the numeric codes of X's "Response codes" page.
def _v1(code: int, message: str) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message}]}


def _v2(status: int, title: str, detail: str) -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": "about:blank", "status": status}


X_REFUSALS: dict[int, tuple[int, dict[str, Any]]] = {
    32: (401, _v1(32, "Could not authenticate you.")),
    88: (429, _v1(88, "Rate limit exceeded")),
    186: (403, _v1(186, "Tweet needs to be a bit shorter.")),
    187: (
        403,
        _v2(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."),
    ),
    261: (403, _v1(261, "Application cannot perform write actions.")),
    349: (403, _v2(403, "Forbidden", "You cannot send messages to this user.")),
    385: (
        403,
        _v2(
            403,
            "Forbidden",
            "You attempted to reply to a Tweet that is deleted or not visible to you.",
        ),
    ),
    # Pay-per-use credits spent: 402 (no numeric code exists, the status stands in for it).
    # X's docs do not list it; this body is the one X sends (tests/contracts/x_credits_depleted.json).
    402: (
        402,
        {
            "account_id": 1243608864848629761,
            "title": "CreditsDepleted",
            "detail": "Your enrolled account [1243608864848629761] does not have any credits "
            "to fulfill this request.",
            "type": "https://api.twitter.com/2/problems/credits",
        },
    ),
    # An app not attached to a Project (453 is the old code of this refusal), as the former
    # "Response codes and errors" page shows it (tests/contracts/x_client_not_enrolled.json).
    453: (
        403,
        {
            "client_id": "101010101",
            "required_enrollment": "Standard Basic",
            "registration_url": "https://developer.twitter.com/en/account",
            "title": "Client Forbidden",
            "detail": "This request must be made using an approved developer account that is "
            "enrolled in the requested endpoint. Learn more by visiting our documentation.",
            "reason": "client-not-enrolled",
            "type": "https://api.x.com/2/problems/client-forbidden",
        },
    ),
}


class XApi:
    """Routes of the X API v2, answered from an XWorld."""

    refusals = X_REFUSALS

    def __init__(self, world: XWorld) -> None:
        self.world = world

    def register(self, router: Router) -> None:
        add = router.add
        add("x", "GET", r"/2/users/me", "GET /2/users/me", self.get_me)
        add("x", "POST", r"/2/tweets", "POST /2/tweets", self.create_tweet)
        add("x", "GET", r"/2/tweets", "GET /2/tweets", self.get_tweets)
        add(
            "x",
            "GET",
            r"/2/users/(?P<user_id>\d+)/tweets",
            "GET /2/users/:id/tweets",
            self.user_tweets,
        )
        add(
            "x",
            "GET",
            r"/2/users/(?P<user_id>\d+)/mentions",
            "GET /2/users/:id/mentions",
            self.mentions,
        )
        add("x", "GET", r"/2/dm_events", "GET /2/dm_events", self.dm_events)
        add(
            "x",
            "PUT",
            r"/2/tweets/(?P<tweet_id>\d+)/hidden",
            "PUT /2/tweets/:id/hidden",
            self.hide_reply,
        )
        add(
            "x",
            "POST",
            r"/2/dm_conversations/with/(?P<participant>\d+)/messages",
            "POST /2/dm_conversations/with/:participant_id/messages",
            self.send_dm,
        )
        add(
            "x",
            "POST",
            r"/2/media/upload/initialize",
            "POST /2/media/upload/initialize",
            self.media_initialize,
        )
        add(
            "x",
            "POST",
            r"/2/media/upload/(?P<media_id>\d+)/append",
            "POST /2/media/upload/:id/append",
            self.media_append,
        )
        add(
            "x",
            "POST",
            r"/2/media/upload/(?P<media_id>\d+)/finalize",
            "POST /2/media/upload/:id/finalize",
            self.media_finalize,
        )
        add("x", "GET", r"/2/media/upload", "GET /2/media/upload", self.media_status)

    # --- errors and limits shared by every call -------------------------------------------

    def check_token(self, request: Request) -> None:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("OAuth ") or "oauth_signature" not in authorization:
            raise problem(401, "Unauthorized", "Unauthorized")

    def invalid_parameter(self, detail: str) -> Response:
        """X's answer to a query parameter it cannot read (a `since_id` that is no id)."""
        return invalid_request(f"One or more query parameters is invalid: {detail}").response

    def fault_response(self, fault: Fault) -> Response:
        if fault.status == "refusal":
            status, body = X_REFUSALS[fault.code or 0]
            response = Response(status, body)
            if status == 429:
                response.headers.update(self._limit_reached(fault))
            return response
        if fault.status == 401:
            return problem(401, "Unauthorized", "Unauthorized").response
        if fault.status == 429:
            response = problem(429, "Too Many Requests", "Too Many Requests").response
            response.headers.update(self._limit_reached(fault))
            return response
        if fault.status == 503:
            return problem(503, "Service Unavailable", "Service Unavailable").response
        return problem(500, "Internal Server Error", "Internal Server Error").response

    def _limit_reached(self, fault: Fault) -> dict[str, str]:
        reset = int(self.world.now().timestamp() + fault.retry_after)
        return {
            "x-rate-limit-limit": str(RATE_LIMIT),
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        }

    def usage_headers(self, route_name: str) -> dict[str, str]:
        world = self.world
        now = time.time()
        if now - world.window_start >= RATE_WINDOW_SECONDS:
            world.window_start, world.window_calls = now, {}
        world.window_calls[route_name] = world.window_calls.get(route_name, 0) + 1
        return {
            "x-rate-limit-limit": str(RATE_LIMIT),
            "x-rate-limit-remaining": str(max(0, RATE_LIMIT - world.window_calls[route_name])),
            "x-rate-limit-reset": str(int(world.window_start + RATE_WINDOW_SECONDS)),
        }

    # --- rendering -------------------------------------------------------------------

    def render_tweet(self, tweet: Tweet, fields: set[str]) -> dict[str, Any]:
        # X gives text back HTML-escaped, with a t.co link for attached media.
        text = html.escape(tweet.text, quote=False)
        if tweet.media_keys:
            text += f" https://t.co/{tweet.id[-10:]}"
        out: dict[str, Any] = {"id": tweet.id, "text": text, "edit_history_tweet_ids": [tweet.id]}
        if "created_at" in fields:
            out["created_at"] = x_time(tweet.created)
        if "author_id" in fields:
            out["author_id"] = tweet.author.id
        if "conversation_id" in fields:
            out["conversation_id"] = tweet.in_reply_to or tweet.id
        if "in_reply_to_user_id" in fields and tweet.in_reply_to:
            out["in_reply_to_user_id"] = self.world.tweets[tweet.in_reply_to].author.id
        if "referenced_tweets" in fields and tweet.in_reply_to:
            out["referenced_tweets"] = [{"type": "replied_to", "id": tweet.in_reply_to}]
        if "attachments" in fields and tweet.media_keys:
            out["attachments"] = {"media_keys": tweet.media_keys}
        if "public_metrics" in fields:
            out["public_metrics"] = dict(tweet.metrics)
        return out

    def render_user(self, user: User) -> dict[str, str]:
        return {"id": user.id, "name": user.name, "username": user.username}

    def _timeline(self, request: Request, tweets: list[Tweet]) -> Response:
        max_results = int(request.query.get("max_results", 10))
        if not 5 <= max_results <= 100:
            raise invalid_request(
                f"The `max_results` query parameter value [{max_results}] is not between 5 and 100"
            )
        tweets = sorted(tweets, key=lambda tweet: int(tweet.id), reverse=True)
        since_id, until_id = request.query.get("since_id"), request.query.get("until_id")
        for name, value in (("since_id", since_id), ("until_id", until_id)):
            if value and not (value.isascii() and value.isdigit()):
                raise invalid_request(
                    f"The `{name}` query parameter value [{value[:40]}] is not valid"
                )
        start = parse_time(request.query.get("start_time"))
        if since_id:
            tweets = [t for t in tweets if int(t.id) > int(since_id)]
        elif start:
            tweets = [t for t in tweets if t.created >= start]
        if until_id:
            tweets = [t for t in tweets if int(t.id) < int(until_id)]
        token = request.query.get("pagination_token")
        offset = int(token) if token and token.isdigit() else 0
        page = tweets[offset : offset + max_results]
        if not page:
            return Response(200, {"meta": {"result_count": 0}})
        fields = set(request.query.get("tweet.fields", "").split(","))
        answer: dict[str, Any] = {
            "data": [self.render_tweet(tweet, fields) for tweet in page],
            "meta": {"result_count": len(page), "newest_id": page[0].id, "oldest_id": page[-1].id},
        }
        if offset + max_results < len(tweets):
            answer["meta"]["next_token"] = str(offset + max_results)
        if "author_id" in request.query.get("expansions", ""):
            authors = {tweet.author.id: tweet.author for tweet in page}
            answer["includes"] = {"users": [self.render_user(user) for user in authors.values()]}
        return Response(200, answer)

    # --- routes ----------------------------------------------------------------------

    def get_me(self, request: Request) -> Response:
        return Response(200, {"data": self.render_user(self.world.account)})

    def _own(self, user_id: str) -> None:
        if user_id != ACCOUNT_ID:
            raise problem(403, "Forbidden", "Sandbox only knows its own account.")

    def user_tweets(self, request: Request, user_id: str) -> Response:
        self._own(user_id)
        own = [t for t in self.world.tweets.values() if t.author.id == ACCOUNT_ID]
        return self._timeline(request, own)

    def mentions(self, request: Request, user_id: str) -> Response:
        self._own(user_id)
        mention = f"@{ACCOUNT_USERNAME}"
        found = [
            t for t in self.world.tweets.values() if t.author.id != ACCOUNT_ID and mention in t.text
        ]
        return self._timeline(request, found)

    def hide_reply(self, request: Request, tweet_id: str) -> Response:
        """Hide a reply in a conversation our account started (403 for anything else)."""
        tweet = self.world.tweets.get(tweet_id)
        if tweet is None:
            raise problem(
                404, "Not Found Error", "Could not find tweet with id: [" + tweet_id + "]."
            )
        root = self.world.tweets.get(tweet.in_reply_to or "")
        if root is None or root.author.id != self.world.account.id:
            raise problem(
                403, "Forbidden", "You can only hide replies to conversations you started."
            )
        tweet.hidden = bool((request.body or {}).get("hidden", True))
        return Response(200, {"data": {"hidden": tweet.hidden}})

    def create_tweet(self, request: Request) -> Response:
        body = request.body or {}
        text = body.get("text") or ""
        media_ids = [str(mid) for mid in (body.get("media") or {}).get("media_ids", [])]
        if not text and not media_ids:
            raise invalid_request("One of text or media is required.")
        if x_weighted_length(text) > X_LIMIT:  # X Premium's long posts are not emulated
            raise problem(
                403, "Forbidden", "Your Tweet text is too long. It is over 280 characters."
            )
        world = self.world
        duplicate = any(
            tweet.text == text and tweet.author.id == ACCOUNT_ID for tweet in world.tweets.values()
        )
        if duplicate and text:
            raise problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        media = []
        for media_id in media_ids:
            item = world.media.get(media_id)
            if item is None or item.state != "succeeded":
                raise invalid_request("Your media IDs are invalid.")
            media.append(item)
        kinds = {kind_of(item.media_type) for item in media}
        if ("video" in kinds and len(media) > 1) or len(media) > MAX_IMAGES:
            raise invalid_request("Your media IDs are invalid: up to 4 images or 1 video.")
        reply_to = str((body.get("reply") or {}).get("in_reply_to_tweet_id") or "") or None
        if reply_to and reply_to not in world.tweets:
            raise problem(
                403,
                "Forbidden",
                "You attempted to reply to a Tweet that is deleted or not visible to you.",
            )
        tweet = world.add_tweet(
            text,
            world.account,
            world.now(),
            media_keys=[m.key for m in media],
            in_reply_to=reply_to,
        )
        if reply_to:
            world.tweets[reply_to].metrics["reply_count"] += 1
            world.replies.append({"id": tweet.id, "to": reply_to, "text": text, "public": True})
        return Response(
            201,
            {"data": {"id": tweet.id, "text": tweet.text, "edit_history_tweet_ids": [tweet.id]}},
        )

    def get_tweets(self, request: Request) -> Response:
        ids = [part for part in request.query.get("ids", "").split(",") if part]
        if not 1 <= len(ids) <= 100:
            raise invalid_request(
                "The number of values in the `ids` query parameter list must be between 1 and 100"
            )
        fields = set(request.query.get("tweet.fields", "").split(","))
        found = [self.world.tweets[i] for i in ids if i in self.world.tweets]
        answer: dict[str, Any] = {}
        if found:
            answer["data"] = [self.render_tweet(tweet, fields) for tweet in found]
            if "author_id" in request.query.get("expansions", ""):
                authors = {tweet.author.id: tweet.author for tweet in found}
                answer["includes"] = {"users": [self.render_user(u) for u in authors.values()]}
        missing = [i for i in ids if i not in self.world.tweets]
        if missing:
            answer["errors"] = [
                {
                    "value": i,
                    "detail": f"Could not find tweet with ids: [{i}].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": i,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
                for i in missing
            ]
        return Response(200, answer)

    def dm_events(self, request: Request) -> Response:
        max_results = int(request.query.get("max_results", 100))
        if not 1 <= max_results <= 100:
            raise invalid_request(
                f"The `max_results` query parameter value [{max_results}] is not between 1 and 100"
            )
        events = sorted(self.world.dm_events, key=lambda event: int(event.id), reverse=True)
        token = request.query.get("pagination_token")
        offset = int(token) if token and token.isdigit() else 0
        page = events[offset : offset + max_results]
        if not page:
            return Response(200, {"meta": {"result_count": 0}})
        fields = set(request.query.get("dm_event.fields", "id,text,event_type").split(","))
        data = []
        for event in page:
            item: dict[str, Any] = {
                "id": event.id,
                "event_type": "MessageCreate",
                "text": event.text,
            }
            if "sender_id" in fields:
                item["sender_id"] = event.sender.id
            if "dm_conversation_id" in fields:
                item["dm_conversation_id"] = event.conversation_id
            if "created_at" in fields:
                item["created_at"] = x_time(event.created)
            data.append(item)
        answer: dict[str, Any] = {"data": data, "meta": {"result_count": len(data)}}
        if offset + max_results < len(events):
            answer["meta"]["next_token"] = str(offset + max_results)
        if "sender_id" in request.query.get("expansions", ""):
            senders = {event.sender.id: event.sender for event in page}
            answer["includes"] = {"users": [self.render_user(user) for user in senders.values()]}
        return Response(200, answer)

    def send_dm(self, request: Request, participant: str) -> Response:
        world = self.world
        other = world.users.get(participant)
        if other is None or other.id == ACCOUNT_ID:
            raise problem(403, "Forbidden", "You cannot send messages to this user.")
        text = (request.body or {}).get("text") or ""
        if not text:
            raise invalid_request("text is required")
        event = world.add_dm(world.account, other, text, world.now())
        world.replies.append({"id": event.id, "to": participant, "text": text, "public": False})
        return Response(
            201, {"data": {"dm_conversation_id": event.conversation_id, "dm_event_id": event.id}}
        )

    def media_initialize(self, request: Request) -> Response:
        body = request.body or {}
        media_type = str(body.get("media_type", ""))
        category = str(body.get("media_category", "tweet_image"))
        total = int(body.get("total_bytes") or 0)
        limits = IMAGE_MAX_BYTES | VIDEO_MAX_BYTES
        if category not in MEDIA_CATEGORIES:
            raise invalid_request(f"media_category {category} is not valid")
        if media_type not in limits:
            raise invalid_request(f"media_type {media_type} is not supported")
        if not 0 < total <= limits[media_type]:
            raise invalid_request(f"total_bytes {total} is over the limit for {media_type}")
        media = Media(self.world.new_id(), media_type, category, total)
        self.world.media[media.id] = media
        return Response(
            200, {"data": {"id": media.id, "media_key": media.key, "expires_after_secs": 86400}}
        )

    def _media(self, media_id: str) -> Media:
        media = self.world.media.get(media_id)
        if media is None:
            raise invalid_request(f"media_id {media_id} not found")
        return media

    def media_append(self, request: Request, media_id: str) -> Response:
        media = self._media(media_id)
        upload = request.files.get("media")
        if upload is None or "segment_index" not in request.form:
            raise invalid_request("media and segment_index are required")
        media.data.extend(upload.data)
        if len(media.data) > media.total_bytes:
            raise invalid_request("Segments are larger than total_bytes")
        return Response(200, {"data": {"expires_at": int(time.time()) + 86400}})

    def media_finalize(self, request: Request, media_id: str) -> Response:
        media = self._media(media_id)
        if len(media.data) != media.total_bytes:
            raise invalid_request(
                f"File size mismatch: expected {media.total_bytes}, received {len(media.data)}"
            )
        if sniff(bytes(media.data[:16])) != media.media_type:
            raise invalid_request("InvalidContent: the file is not the declared media_type")
        data: dict[str, Any] = {
            "id": media.id,
            "media_key": media.key,
            "size": media.total_bytes,
            "expires_after_secs": 86400,
        }
        if media.media_type.startswith("video/"):
            media.state = "pending"
            data["processing_info"] = {"state": "pending", "check_after_secs": 1}
        else:
            media.state = "succeeded"
        return Response(200, {"data": data})

    def media_status(self, request: Request) -> Response:
        if request.query.get("command") != "STATUS":
            raise invalid_request("command must be STATUS")
        media = self._media(request.query.get("media_id", ""))
        media.status_checks += 1
        if media.state == "pending":
            media.state = "in_progress"
            info = {"state": "in_progress", "check_after_secs": 1, "progress_percent": 50}
        else:
            media.state = "succeeded" if media.state == "in_progress" else media.state
            info = {"state": media.state, "progress_percent": 100}
        return Response(
            200, {"data": {"id": media.id, "media_key": media.key, "processing_info": info}}
        )
