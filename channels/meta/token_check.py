"""Meta's token inspection (`GET /debug_token`), shared by the Facebook and WhatsApp checks.

Page: https://developers.facebook.com/docs/graph-api/reference/debug_token ("returns metadata
about a given access token ... whether the token is still valid, when it expires, and what
permissions the app has"); asked with the app token `APP_ID|APP_SECRET` or, without one, with
the token itself (then signed with appsecret_proof when the app secret is set: "Require App
Secret" refuses it otherwise). The shape read here: {"data": {"is_valid", "expires_at",
"type" (PAGE, USER, SYSTEM_USER), "profile_id"? (a Page token's Page), "scopes",
"granular_scopes": [{"scope", "target_ids"?}], "error"?: {"code", "message", "subcode"}}}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pyfacebook import GraphAPI
from pyfacebook.exceptions import FacebookError, LibraryError

from channels.checks import CheckLine, in_variable, no_answer_reason
from channels.meta.graph import appsecret_proof, scrub

EXPIRED_CODES = {190}
EXPIRED_SUBCODES = {463, 467}


@dataclass(frozen=True)
class TokenInfo:
    """What debug_token says of a token (or why it could not be asked)."""

    valid: bool
    scopes: frozenset[str] = frozenset()
    targets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Scope -> the ids it was granted on (Pages, WhatsApp business accounts), when listed."""
    expires_at: datetime | None = None
    expired: bool = False
    problem: str = ""
    """Meta's reason, token removed, when the token is not valid or the call failed."""
    unreachable: bool = False
    """Meta did not answer (no connection, an outage page): nothing is known of the token."""
    kind: str = ""
    """debug_token's `type`: PAGE, SYSTEM_USER, USER (empty when not said)."""
    profile_id: str = ""
    """For a Page token, the Page it belongs to."""


def parse_debug_token(answer: Any, now: datetime | None = None) -> TokenInfo:
    """A debug_token answer read field by field; anything unexpected counts as not valid."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        return TokenInfo(False, problem="Meta respondió algo que no es la información del token")
    scopes = frozenset(str(scope) for scope in data.get("scopes") or [] if isinstance(scope, str))
    targets: dict[str, tuple[str, ...]] = {}
    for entry in data.get("granular_scopes") or []:
        if isinstance(entry, dict) and isinstance(entry.get("scope"), str):
            ids = entry.get("target_ids") or []
            targets[entry["scope"]] = tuple(str(i) for i in ids if isinstance(i, str | int))
    scopes |= frozenset(targets)
    expires = data.get("expires_at")
    expires_at = (
        datetime.fromtimestamp(expires, UTC)
        if isinstance(expires, int) and not isinstance(expires, bool) and expires > 0
        else None  # 0: a token that does not expire (a system user's)
    )
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    now = now or datetime.now(UTC)
    expired = (error.get("code") in EXPIRED_CODES and error.get("subcode") in EXPIRED_SUBCODES) or (
        expires_at is not None and expires_at <= now
    )
    valid = data.get("is_valid") is True and not expired
    return TokenInfo(
        valid,
        scopes,
        targets,
        expires_at,
        expired,
        str(error.get("message") or "") if not valid else "",
        kind=str(data.get("type") or ""),
        profile_id=str(data.get("profile_id") or ""),
    )


def inspect_token(api: GraphAPI, app_token: str | None) -> TokenInfo:
    """Ask debug_token about the client's own token (with the app token when there is one)."""
    token = api.access_token or ""
    try:
        if app_token:
            answer = api.debug_token(input_token=token, access_token=app_token)
        else:  # asked with the token itself: pyfacebook would not sign it (auth_need=False)
            query = {"input_token": token, "access_token": token}
            if api.app_secret:
                query["appsecret_proof"] = appsecret_proof(token, api.app_secret)
            response = api._request(url=f"{api.version}/debug_token", args=query, auth_need=False)
            answer = api._parse_response(response)
    except FacebookError as exc:
        code = getattr(exc, "code", None)
        subcode = getattr(exc, "error_subcode", None)
        message = scrub(scrub(getattr(exc, "message", ""), token), app_token or token)
        return TokenInfo(
            False, expired=code in EXPIRED_CODES and subcode in EXPIRED_SUBCODES, problem=message
        )
    except (LibraryError, OSError) as exc:  # no answer, or not JSON: requests' errors are OSError
        return TokenInfo(False, problem=no_answer_reason(exc), unreachable=True)
    return parse_debug_token(answer)


def token_lines(network: str, info: TokenInfo, variable: str, where: str) -> list[CheckLine]:
    """The token's own line: valid, expired, or refused (with what to do)."""
    if info.valid:
        return [CheckLine(network, "el token es válido", True)]
    if info.unreachable:
        return [
            CheckLine(
                network,
                f"Meta no respondió ({info.problem}); no se sabe si el token sirve",
                False,
                "revise la conexión a internet del servidor y vuelva a intentarlo",
            )
        ]
    if info.expired:
        return [
            CheckLine(
                network,
                "el token venció",
                False,
                f"genere un token nuevo ({where}) y guárdelo en {in_variable(variable)}; "
                "el de un usuario del sistema no vence",
            )
        ]
    detail = f" (Meta dice: {info.problem})" if info.problem else ""
    return [
        CheckLine(
            network,
            "el token no es válido" + detail,
            False,
            f"revise que {in_variable(variable)} tenga el token completo, sin espacios; "
            f"si sigue fallando, genere uno nuevo ({where})",
        )
    ]
