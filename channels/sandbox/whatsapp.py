"""The WhatsApp Cloud API subset the WhatsApp adapter uses: sending text and template messages,
and uploading the media a template's header shows.

`POST /{version}/{phone-number-id}/messages` with a JSON body and a bearer token, answered
in the Cloud API's shape; errors in Graph's `{"error": {...}}` shape with `error_data`.
A free-form text outside the 24-hour customer service window is accepted (HTTP 200) and
then fails, as on the real platform: the failure comes only in the status webhook. The
number's limits, template statuses and recipients' fates are whatsapp_notices.py's.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from channels.meta.webhooks import is_bsuid
from channels.sandbox.graph import GRAPH_VERSION_PATTERN
from channels.sandbox.graph_fields import (
    GRAPH_REFUSALS,
    check_app_secret_proof,
    graph_error,
    graph_refusal,
)
from channels.sandbox.http import Request, Response, Router
from channels.sandbox.whatsapp_media import cloud_error, template_header, upload_media
from channels.sandbox.whatsapp_notices import (
    MARKETING_LIMIT,
    MESSAGING_LIMIT_ERROR,
    TEMPLATE_ERRORS,
    THROUGHPUT_ERROR,
    UNDELIVERABLE,
)
from channels.sandbox.whatsapp_world import APPROVED_TEMPLATES, PHONE_NUMBER_ID, WhatsAppWorld
from channels.sandbox.world import Fault

MAX_TEXT_LENGTH = 4096
PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
# What Meta refuses inside a template parameter: new lines, tabs, more than 4 spaces in a row.
BAD_PARAMETER = re.compile(r"[\n\t]| {5,}")
CLOUD_REFUSALS: dict[int, tuple[int, str, str]] = {
    131062: (
        400,
        "(#131062) Business-scoped User ID (BSUID) recipients are not supported for this message",
        "Business-scoped User ID (BSUID) recipients are not supported for this message.",
    ),
}
"""The Cloud API's own refusals (code -> HTTP status, message, `error_data.details`)."""


class WhatsAppApi:
    """Routes of the WhatsApp Cloud API, answered from a WhatsAppWorld."""

    refusals: ClassVar[dict[int, Any]] = {**GRAPH_REFUSALS, **CLOUD_REFUSALS}

    def __init__(self, world: WhatsAppWorld) -> None:
        self.world = world

    def register(self, router: Router) -> None:
        router.add(
            "whatsapp",
            "POST",
            GRAPH_VERSION_PATTERN + f"/{PHONE_NUMBER_ID}/messages",
            "POST /{phone-number-id}/messages",
            self.send_message,
        )
        router.add(
            "whatsapp",
            "POST",
            GRAPH_VERSION_PATTERN + f"/{PHONE_NUMBER_ID}/media",
            "POST /{phone-number-id}/media",
            self.upload_media,
        )

    # --- errors shared by every call ----------------------------------------------------

    def check_token(self, request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if request.method == "GET" and request.param("access_token"):
            return  # a read may carry the token as Graph's access_token parameter
        if scheme.lower() != "bearer" or not token.strip():
            raise graph_error(
                190, "Invalid OAuth access token - Cannot parse access token", status=401
            )
        proof = request.param("appsecret_proof")
        check_app_secret_proof(self.world.require_app_secret, token.strip(), proof)

    def invalid_parameter(self, detail: str) -> Response:
        """Graph's answer to a parameter it cannot read."""
        return graph_error(100, f"(#100) Invalid parameter: {detail}").response

    def fault_response(self, fault: Fault) -> Response:
        if fault.status == "refusal" and fault.code in CLOUD_REFUSALS:
            status, message, details = CLOUD_REFUSALS[fault.code]
            return cloud_error(fault.code, message, details, status=status).response
        if fault.status == "refusal":
            return graph_refusal(fault.code)
        if fault.status == 401:
            return graph_error(
                190, "Error validating access token: Session has expired.", 463, status=401
            ).response
        if fault.status == 429:
            return cloud_error(
                130429,
                "(#130429) Rate limit hit",
                "Cloud API message throughput has been reached.",
                status=429,
            ).response
        if fault.status == 503:
            return Response(
                503,
                None,
                raw=b"<html><body>Service Unavailable</body></html>",
                content_type="text/html",
            )
        return cloud_error(
            131000, "Something went wrong", "Something went wrong.", status=500
        ).response

    def usage_headers(
        self, route_name: str = "", percent: int | None = None, minutes: int = 0
    ) -> dict[str, str]:
        return {}

    # --- sending ---------------------------------------------------------------------

    def send_message(self, request: Request) -> Response:
        body = request.body if isinstance(request.body, dict) else {}
        if body.get("messaging_product") != "whatsapp":
            raise cloud_error(
                100,
                "(#100) Invalid parameter",
                "Param messaging_product must be 'whatsapp'",
            )
        wa_id, recipient, answer = self._recipient(body)
        reference = body.get("biz_opaque_callback_data")
        if reference is not None and (not isinstance(reference, str) or len(reference) > 512):
            raise cloud_error(
                100,
                "(#100) Invalid parameter",
                "Param biz_opaque_callback_data must be a string of at most 512 characters",
            )
        kind = body.get("type", "text")
        header: dict[str, str] | None = None
        if kind == "text":
            text, template = self._text(body), None
        elif kind == "template":
            text, header = self._template(body)
            template = body["template"]["name"]
        else:
            raise cloud_error(
                100,
                f"(#100) Invalid parameter: message type '{kind}' is not supported (text, template)",
                f"Param type must be text or template, got {kind!r}",
            )
        world = self.world
        now = world.now()
        rules = world.rules
        in_window = world.in_window(wa_id, now)
        counts = template is not None and not in_window
        if rules.over_throughput(now):
            # Meta's table gives HTTP 400 for 130429 (the 429 fault stays as it was: a
            # generic HTTP 429 test of the client).
            raise cloud_error(*THROUGHPUT_ERROR)
        if counts and rules.over_messaging_limit(wa_id, now):
            raise cloud_error(*MESSAGING_LIMIT_ERROR)
        rules.record(wa_id, now, counts)
        world.contact(wa_id)
        category = APPROVED_TEMPLATES[template]["category"] if template else None
        fate = rules.recipient(wa_id)
        outside_window = template is None and not in_window  # add_reply's default error
        error = None
        if not outside_window and fate in ("blocked", "not_whatsapp"):
            error = UNDELIVERABLE
        elif not outside_window and fate == "marketing_limit" and category == "MARKETING":
            error = MARKETING_LIMIT
        failed = outside_window or error is not None
        reply = world.add_reply(
            wa_id, text, template, failed, now, recipient, reference, error, category
        )
        if template is not None and header is not None:
            reply["header"] = header
        context = body.get("context")
        if isinstance(context, dict) and context.get("message_id"):
            reply["in_reply_to"] = str(context["message_id"])  # shown quoted in the chat
        return Response(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [answer],
                "messages": [{"id": reply["id"]}],
            },
        )

    def _recipient(self, body: dict[str, Any]) -> tuple[str, str | None, dict[str, str]]:
        """Who a message goes to: (the contact's phone, the BSUID when it went to one, the
        answer's `contacts[0]`). A phone number in `to`, a business-scoped user id in
        `recipient`; with both, `to` wins and the answer says only `wa_id`."""
        to, recipient = body.get("to"), body.get("recipient")
        if to is None and recipient is None:
            raise cloud_error(
                131008,
                "(#131008) Required parameter is missing",
                "Param to or recipient is required",
            )
        if to is not None:
            wa_id = str(to).removeprefix("+") if isinstance(to, str | int) else ""
            if not wa_id.isdigit() or not wa_id.isascii():
                raise cloud_error(
                    100, "(#100) Invalid parameter", f"Param to must be a phone number, got {to!r}"
                )
        if recipient is not None and not is_bsuid(recipient):
            raise cloud_error(
                131009,
                "(#131009) Parameter value is not valid",
                "Param recipient must be a business-scoped user ID (country code, period, "
                f"up to 128 alphanumeric characters), got {recipient!r}",
            )
        if to is not None:
            return wa_id, None, {"input": str(to), "wa_id": wa_id}
        contact = self.world.by_user_id(recipient.replace(".ENT.", ".", 1))
        if contact is None:
            raise cloud_error(
                131009,
                "(#131009) Parameter value is not valid",
                f"Param recipient {recipient!r} is not a WhatsApp user of this business",
            )
        return contact.wa_id, recipient, {"input": recipient, "user_id": recipient}

    def _text(self, body: dict[str, Any]) -> str:
        text = body.get("text")
        value = text.get("body") if isinstance(text, dict) else None
        if not isinstance(value, str) or not value:
            raise cloud_error(100, "(#100) Invalid parameter", "Param text['body'] is required")
        if len(value) > MAX_TEXT_LENGTH:
            raise cloud_error(
                100,
                "(#100) Invalid parameter",
                f"Param text['body'] must be at most {MAX_TEXT_LENGTH} characters long",
            )
        return value

    def _template(self, body: dict[str, Any]) -> tuple[str, dict[str, str] | None]:
        """The template's body with its parameters filled in, and its header's media, once
        they pass Meta's checks."""
        template = body.get("template")
        if not isinstance(template, dict) or not isinstance(template.get("name"), str):
            raise cloud_error(100, "(#100) Invalid parameter", "Param template['name'] is required")
        name = template["name"]
        language = template.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        approved = APPROVED_TEMPLATES.get(name)
        if approved is None or code != approved["language"]:
            raise cloud_error(
                132001,
                "(#132001) Template name does not exist in the translation",
                f"template name ({name}) does not exist in {code}",
            )
        status = self.world.rules.template_status(name)
        if status != "APPROVED":
            raise cloud_error(*TEMPLATE_ERRORS[status])
        header = template_header(self.world, template, approved.get("header"))
        parameters: list[Any] = []
        for component in template.get("components") or []:
            if isinstance(component, dict) and component.get("type") == "body":
                parameters.extend(component.get("parameters") or [])
        if len(parameters) != approved["parameters"]:
            raise cloud_error(
                132000,
                "(#132000) Number of parameters does not match the expected number of params",
                f"body: number of localizable_params ({len(parameters)}) does not match the expected number of params ({approved['parameters']})",
            )
        texts = []
        for parameter in parameters:
            value = parameter.get("text") if isinstance(parameter, dict) else None
            if not isinstance(parameter, dict) or parameter.get("type") != "text":
                raise cloud_error(
                    132012,
                    "(#132012) Parameter format does not match format in the created template",
                    "body: parameters must be of type text",
                )
            if not isinstance(value, str) or not value.strip():
                raise cloud_error(
                    131008,
                    "(#131008) Required parameter is missing",
                    "body: parameter text is required",
                )
            if BAD_PARAMETER.search(value):
                raise cloud_error(
                    132018,
                    "(#132018) There was an issue with the parameters in your template.",
                    "Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
                )
            texts.append(value)
        return PLACEHOLDER.sub(
            lambda found: texts[int(found.group(1)) - 1], approved["body"]
        ), header

    # --- media -----------------------------------------------------------------------

    def upload_media(self, request: Request) -> Response:
        """`POST /{phone-number-id}/media` (multipart: file, type, messaging_product)."""
        return upload_media(self.world, request)
