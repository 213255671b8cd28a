"""Graph's request language: field expansion, edges with paging cursors, and its errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from channels.sandbox.http import HttpError, Request, Response
from channels.sandbox.whatsapp_world import APP_SECRET
from channels.sandbox.world import parse_time

MAX_LIMIT = 100


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


def check_app_secret_proof(required: bool, token: str, proof: str | None) -> None:
    """Graph's rule with "Require App Secret": a call without a proof is refused when it is
    required, and a proof that does not match the token is refused always (code 100)."""
    if proof is None and not required:
        return
    expected = hmac.new(APP_SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()
    if proof is None or not hmac.compare_digest(proof, expected):
        raise graph_error(100, "Invalid appsecret_proof provided in the API argument")


def edge_answer(items: list[Any], spec: FieldSpec, render, request: Request, path: str) -> dict:
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
        answer["paging"] = {"cursors": {"before": cursor_at(0), "after": cursor_at(len(page) - 1)}}
        if len(items) > limit:
            query = {
                "fields": unparse_fields(spec.subfields),
                "limit": limit,
                "after": cursor_at(len(page) - 1),
                **{key: value for key, value in modifiers.items() if key not in ("limit",)},
            }
            answer["paging"]["next"] = f"{request.base_url}{path}?{urlencode(query)}"
    if "summary" in modifiers:
        answer["summary"] = {"total_count": len(items)}
    return answer


def render_fields(specs: list[FieldSpec], getters: dict[str, Any]) -> dict[str, Any]:
    """The requested fields that the object has (Graph leaves out empty ones)."""
    out = {}
    for spec in specs:
        value = getters[spec.name]() if spec.name in getters else None
        if value is not None:
            out[spec.name] = value
    return out


def cursor_at(index: int) -> str:
    return base64.b64encode(str(index).encode()).decode()


def page_answer(
    items: list[Any], render: Any, limit: int, request: Request | None
) -> dict[str, Any]:
    """One page of an edge as Graph answers it: `data`, the cursors and, when more follow, an
    absolute `paging.next` (none for a nested expansion, which has no request of its own)."""
    limit = max(1, min(limit, MAX_LIMIT))
    start = offset_of(request.param("after")) if request is not None else 0
    page = items[start : start + limit]
    answer: dict[str, Any] = {"data": [render(item) for item in page]}
    if page:
        answer["paging"] = {
            "cursors": {"before": cursor_at(start), "after": cursor_at(start + len(page) - 1)}
        }
        if request is not None and start + limit < len(items):
            query = {k: v for k, v in request.query.items() if k != "after"}
            query["after"] = cursor_at(start + len(page) - 1)
            answer["paging"]["next"] = f"{request.base_url}{request.path}?{urlencode(query)}"
    return answer


def offset_of(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor).decode()) + 1
    except ValueError:
        raise graph_error(100, "Invalid cursor") from None


def unparse_fields(specs: list[FieldSpec] | None) -> str:
    if not specs:
        return ""
    parts = []
    for spec in specs:
        text = spec.name + "".join(f".{key}({value})" for key, value in spec.modifiers.items())
        if spec.subfields:
            text += "{" + unparse_fields(spec.subfields) + "}"
        parts.append(text)
    return ",".join(parts)


# Refusals the fault control can ask for ({"status": "refusal", "code": N}), as Graph answers
# them: code -> (HTTP status, message, subcode). Codes from Meta's "Handling Errors" guide.
GRAPH_REFUSALS: dict[int, tuple[int, str, int | None]] = {
    4: (403, "(#4) Application request limit reached", None),
    10: (403, "(#10) Application does not have permission for this action", None),
    17: (403, "(#17) User request limit reached", None),
    32: (403, "(#32) Page request limit reached", None),
    190: (400, "Error validating access token: Session has expired.", 463),
    200: (403, "(#200) Permissions error", None),
    368: (
        400,
        "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
        None,
    ),
    506: (400, "(#506) Duplicate status message", None),
    613: (400, "(#613) Calls to this api have exceeded the rate limit.", None),
    1609005: (400, "(#1609005) There was a problem scraping data from the provided link.", None),
}


def graph_refusal(code: int | None) -> Response:
    """The documented refusal `code` (see GRAPH_REFUSALS), in Graph's shape."""
    status, message, subcode = GRAPH_REFUSALS[code or 0]
    return graph_error(code or 0, message, subcode, status=status).response
