"""What a token may do in the simulator, and the endpoints `conectados channels check` asks.

By default the simulator's tokens have every permission. The control API
(POST /_sandbox/permissions) takes them away or gives them back:
- {"network": "facebook"|"instagram"|"whatsapp", "revoke": [permission...], "grant": [permission...]}
- {"network": "x", "access_level": "read"|"read-write"|"read-write-directmessages"}
- {"network": "whatsapp", "template": "approved"|"pending"|"rejected"|"missing"}
- {"network": ..., "expired": true|false}: the token has expired (X: the keys are refused)
- {"reset": true}: everything granted again; GET /_sandbox/permissions shows the state.
While a permission is missing, the calls that need it fail as Meta and X fail them.
Facebook, Instagram and WhatsApp share one token here, so debug_token reports all their
scopes (Instagram's pages_* permissions are Facebook's: revoke them with network facebook).

Shapes, from the pages named in channels/meta/token_check.py, whatsapp_check.py, x_check.py:
GET /debug_token (type PAGE with profile_id for a Page token, SYSTEM_USER for
SYSTEM_USER_TOKEN), GET /{page-id}?fields=id,name,tasks,access_token,instagram_business_account (the "Page"
reference of the Instagram Platform: {"instagram_business_account": {"id"}, "id"}),
GET /{ig-user-id}?fields=id,username, GET /{phone-number-id},
GET /{waba-id}/message_templates; X's level in the x-access-level header of every answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from channels.sandbox.graph_fields import graph_error
from channels.sandbox.graph_world import PAGE_ID, PAGE_NAME
from channels.sandbox.http import Request, Response, Router
from channels.sandbox.instagram_world import IG_USER_ID, IG_USERNAME
from channels.sandbox.whatsapp_world import (
    APP_SECRET,
    APPROVED_TEMPLATES,
    DISPLAY_PHONE_NUMBER,
    PHONE_NUMBER_ID,
    WABA_ID,
)

GRAPH_VERSION_PATTERN = r"/v\d+\.\d+"  # as graph.py: importing it here would loop
APP_ID = "100000000000099"
APP_NAME = "Conectados (simulador)"
SYSTEM_USER_ID = "100000000000055"
SYSTEM_USER_TOKEN = "sandbox-system-user-token"
"""The system user's own token: debug_token says SYSTEM_USER for it, and the Page's
`access_token` field gives PAGE_TOKEN to it; every other token is a Page token of PAGE_ID."""
PAGE_TOKEN = "sandbox-page-token"
VERIFIED_NAME = "Acueducto de Ejemplo"
PAGE_TASKS = ["ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"]
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "facebook": (
        "pages_show_list",
        "pages_read_engagement",
        "pages_read_user_content",
        "pages_manage_posts",
        "pages_manage_engagement",
        "pages_messaging",
        "read_insights",
        "business_management",
    ),
    "instagram": (
        "instagram_basic",
        "instagram_content_publish",
        "instagram_manage_comments",
        "instagram_manage_insights",
        "instagram_manage_messages",
    ),
    "whatsapp": ("whatsapp_business_messaging", "whatsapp_business_management"),
}
IG_ACCOUNT_NAME = "Acueducto de Ejemplo"
LINK_PERMISSIONS = ("instagram_basic", "pages_show_list")
"""What reading the Page's instagram_business_account needs (the Page reference)."""
ACCESS_LEVELS = ("read", "read-write", "read-write-directmessages")
TEMPLATE_STATES = {"approved": "APPROVED", "pending": "PENDING", "rejected": "REJECTED"}
TEMPLATE_CHOICES = (*TEMPLATE_STATES, "missing")

# Route (as the routers name it) -> the permission it needs.
NEEDS: dict[str, str] = {
    "POST /{page-id}/feed": "pages_manage_posts",
    "POST /{page-id}/photos": "pages_manage_posts",
    "POST /{page-id}/videos": "pages_manage_posts",
    "GET /{page-id}/published_posts": "pages_read_engagement",
    "GET /{object-id}/comments": "pages_read_user_content",
    "POST /{object-id}/comments": "pages_manage_engagement",
    "POST /{comment-id}": "pages_manage_engagement",
    "POST /{page-id}/messages": "pages_messaging",
    "GET /{page-id}/conversations": "pages_messaging",
    "GET /{conversation-id}/messages": "pages_messaging",
    "GET /{page-id}/thread_owner": "pages_messaging",
    "GET /{post-id}/insights": "read_insights",
    "POST /{phone-number-id}/messages": "whatsapp_business_messaging",
    "POST /{phone-number-id}/media": "whatsapp_business_messaging",
    "GET /{waba-id}/message_templates": "whatsapp_business_management",
    "GET /{ig-user-id}": "instagram_basic",
    # Instagram's own routes (instagram_publishing.py, instagram_engagement.py), by the
    # permission each reference page names besides instagram_basic.
    "POST /{ig-user-id}/media": "instagram_content_publish",
    "POST /{ig-user-id}/media_publish": "instagram_content_publish",
    "GET /{ig-user-id}/content_publishing_limit": "instagram_content_publish",
    "GET /{ig-media-id}/comments": "instagram_manage_comments",
    "POST /{ig-comment-id}/replies": "instagram_manage_comments",
    "POST /{ig-comment-id}": "instagram_manage_comments",
    "POST /{ig-user-id}/messages": "instagram_manage_messages",
    "GET /{ig-media-id}/insights": "instagram_manage_insights",
}
X_WRITES = {
    "POST /2/tweets",
    "PUT /2/tweets/:id/hidden",
    "POST /2/media/upload/initialize",
}
X_DIRECT_MESSAGES = {"GET /2/dm_events", "POST /2/dm_conversations/with/:participant_id/messages"}


@dataclass
class Grants:
    """What the simulator's tokens may do now."""

    revoked: set[str] = field(default_factory=set)
    access_level: str = "read-write-directmessages"
    template: str = "approved"
    expired: set[str] = field(default_factory=set)

    def state(self) -> dict[str, Any]:
        return {
            "revoked": sorted(self.revoked),
            "access_level": self.access_level,
            "template": self.template,
            "expired": sorted(self.expired),
        }

    def scopes(self) -> list[str]:
        return [p for ps in PERMISSIONS.values() for p in ps if p not in self.revoked]

    def refusal(self, network: str, route_name: str, request: Request) -> Response | None:
        """Meta's or X's refusal of this call with the token as it is now (None: allowed)."""
        if network == "x":
            return self._x_refusal(route_name)
        app_token = "|" in (request.param("access_token") or "")
        if network in self.expired and not (route_name == "GET /debug_token" and app_token):
            return graph_error(
                190, "Error validating access token: Session has expired.", 463, status=401
            ).response
        permission = NEEDS.get(route_name)
        if permission is None or permission not in self.revoked:
            return self._template_refusal(route_name, request)
        if permission == "pages_manage_posts":
            message = (
                "(#200) If posting to a page, requires both pages_read_engagement and "
                "pages_manage_posts permission with page token"
            )
            return graph_error(200, message, status=403).response
        if network == "whatsapp":
            error = graph_error(10, "(#10) Application does not have permission for this action")
            error.response.body["error"]["error_data"] = {
                "messaging_product": "whatsapp",
                "details": f"Missing permission {permission}",
            }
            error.response.status = 403
            return error.response
        return graph_error(
            200, f"(#200) Requires {permission} permission to manage the object", status=403
        ).response

    def _template_refusal(self, route_name: str, request: Request) -> Response | None:
        body = request.body if isinstance(request.body, dict) else {}
        if route_name != "POST /{phone-number-id}/messages" or body.get("type") != "template":
            return None
        if self.template == "approved":
            return None
        name = (
            (body.get("template") or {}).get("name")
            if isinstance(body.get("template"), dict)
            else ""
        )
        error = graph_error(132001, "(#132001) Template name does not exist in the translation")
        error.response.body["error"]["error_data"] = {
            "messaging_product": "whatsapp",
            "details": f"template name ({name}) is not approved",
        }
        return error.response

    def _x_refusal(self, route_name: str) -> Response | None:
        if "x" in self.expired:
            body = {"title": "Unauthorized", "type": "about:blank", "status": 401,
                    "detail": "Unauthorized"}  # fmt: skip
            return Response(401, body)
        if route_name in X_WRITES and self.access_level == "read":
            return Response(
                403,
                {"detail": "You are not permitted to perform this action.", "type": "about:blank",
                 "title": "Forbidden", "status": 403},
            )  # fmt: skip
        if route_name in X_DIRECT_MESSAGES and self.access_level != "read-write-directmessages":
            return Response(
                403,
                {"errors": [{"code": 93, "message": "This application is not allowed to access "
                             "or delete your direct messages."}]},
            )  # fmt: skip
        return None

    def headers(self, network: str) -> dict[str, str]:
        return {"x-access-level": self.access_level} if network == "x" else {}


class GraphChecks:
    """The token and account endpoints of the Graph API and the WhatsApp Cloud API."""

    def __init__(self, grants: Grants, template_status: Any = None) -> None:
        self.grants = grants
        self.template_status = template_status or (lambda name: "APPROVED")
        """Each template's own status (the WhatsApp world's rules, set by the control API)."""

    def register(self, router: Router) -> None:
        """Before graph.py's and whatsapp.py's routes: their `GET /{object-id}` is broader."""
        v = GRAPH_VERSION_PATTERN
        router.add("facebook", "GET", v + r"/debug_token", "GET /debug_token", self.debug_token)
        router.add("facebook", "GET", v + f"/{PAGE_ID}", "GET /{page-id}", self.page)
        router.add(
            "instagram", "GET", v + f"/{IG_USER_ID}", "GET /{ig-user-id}", self.instagram_account
        )
        router.add(
            "whatsapp", "GET", v + f"/{PHONE_NUMBER_ID}", "GET /{phone-number-id}", self.phone
        )
        router.add(
            "whatsapp",
            "GET",
            v + r"/(?P<waba>\d+)/message_templates",
            "GET /{waba-id}/message_templates",
            self.templates,
        )

    def debug_token(self, request: Request) -> Response:
        if not request.param("input_token"):
            raise graph_error(100, "(#100) The parameter input_token is required")
        grants = self.grants
        scopes = grants.scopes()
        targets = {p: [PAGE_ID] for p in PERMISSIONS["facebook"] if p.startswith("pages_")}
        targets |= {p: [IG_USER_ID] for p in PERMISSIONS["instagram"]}
        targets |= {p: [WABA_ID] for p in PERMISSIONS["whatsapp"]}
        system_user = request.param("input_token") == SYSTEM_USER_TOKEN
        data: dict[str, Any] = {
            "app_id": APP_ID,
            "type": "SYSTEM_USER" if system_user else "PAGE",
            **({} if system_user else {"profile_id": PAGE_ID}),
            "application": APP_NAME,
            "data_access_expires_at": 0,
            "expires_at": 0,
            "is_valid": True,
            "issued_at": 1767225600,
            "scopes": scopes,
            "granular_scopes": [
                {"scope": s, **({"target_ids": targets[s]} if s in targets else {})} for s in scopes
            ],
            "user_id": SYSTEM_USER_ID,
        }
        if grants.expired & {"facebook", "instagram", "whatsapp"}:
            data.update(
                is_valid=False,
                expires_at=1767225600,
                error={
                    "code": 190,
                    "message": "Error validating access token: Session has expired.",
                    "subcode": 463,
                },
            )
        return Response(200, {"data": data})

    def page(self, request: Request) -> Response:
        fields = set((request.param("fields") or "id,name").split(","))
        answer: dict[str, Any] = {"id": PAGE_ID}
        if "name" in fields:
            answer["name"] = PAGE_NAME
        if "tasks" in fields:
            answer["tasks"] = list(PAGE_TASKS)
        if "access_token" in fields:  # the Page's token, for the token that asks
            asked_with = request.param("access_token") or ""
            answer["access_token"] = PAGE_TOKEN if asked_with == SYSTEM_USER_TOKEN else asked_with
        if "instagram_business_account" in fields:
            missing = [p for p in LINK_PERMISSIONS if p in self.grants.revoked]
            if missing:
                raise graph_error(
                    200, f"(#200) Requires {missing[0]} permission to manage the object", status=403
                )
            answer["instagram_business_account"] = {"id": IG_USER_ID}
        return Response(200, answer)

    def instagram_account(self, request: Request) -> Response:
        """The IG User node: the fields asked of the ones the simulator's account has."""
        account = {"id": IG_USER_ID, "username": IG_USERNAME, "name": IG_ACCOUNT_NAME}
        asked = [f for f in (request.param("fields") or "id").split(",") if f]
        return Response(200, {k: v for k, v in account.items() if k in asked or k == "id"})

    def phone(self, request: Request) -> Response:
        number = {
            "verified_name": VERIFIED_NAME,
            "code_verification_status": "VERIFIED",
            "display_phone_number": DISPLAY_PHONE_NUMBER,
            "quality_rating": "GREEN",
            "id": PHONE_NUMBER_ID,
        }
        asked = [f for f in (request.param("fields") or "").split(",") if f]
        if asked:
            number = {k: v for k, v in number.items() if k in asked or k == "id"}
        return Response(200, number)

    def templates(self, request: Request, waba: str) -> Response:
        if waba != WABA_ID:
            raise graph_error(
                100,
                f"Unsupported get request. Object with ID '{waba}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation",
                33,
            )
        wanted = request.param("name")
        # The permissions' `template` setting speaks for every template; when it is
        # "approved", each template has its own status (POST /_sandbox/whatsapp).
        overall = TEMPLATE_STATES.get(self.grants.template)
        data = [
            {
                "name": name,
                "parameter_format": "POSITIONAL",
                "components": _components(template),
                "language": template["language"],
                "status": self.template_status(name)
                if self.grants.template == "approved"
                else overall,
                "category": template["category"],
                "id": str(1_000_000_000_000_000 + index),
            }
            for index, (name, template) in enumerate(APPROVED_TEMPLATES.items())
            if overall is not None and (not wanted or name == wanted)
        ]
        return Response(200, {"data": data, "paging": {"cursors": {"before": "", "after": ""}}})


def _components(template: dict[str, Any]) -> list[dict[str, Any]]:
    """A template's components as GET message_templates lists them: its media header's
    format, then its body."""
    body = {"type": "BODY", "text": template["body"]}
    if "header" not in template:
        return [body]
    return [{"type": "HEADER", "format": template["header"]}, body]


def sandbox_app_token() -> str:
    """The simulator's app token: its app id and the app secret its webhooks are signed with."""
    return f"{APP_ID}|{APP_SECRET}"
