"""What X API refusals mean for the team: one Spanish sentence, then X's own words.

X API v2 answers a refused call with an HTTP status and a problem text ("detail"); the
older v1.1 endpoints (media upload) with numeric codes. Both are read here, as X's
"Response codes" page lists them (developer.x.com/en/docs/basics/response-codes): 385 a reply
to a post that is deleted or not visible, 144 no post with that id, 186 a text too long,
187 a duplicate, 349 a person who does not take our direct messages, 88 a rate limit (HTTP
429), 32/89/215 credentials that do not authenticate (HTTP 401), 261 and "oauth1/client
not enrolled" an app without the access its plan or permissions give (HTTP 403).
"""

from __future__ import annotations

from collections.abc import Sequence

import requests
import tweepy

from channels.base import AuthFailed, Rejected
from channels.specs import X_NO_CREDITS, X_NOT_ENROLLED

# (codes, signs in the English text, the sentence for the team)
GONE = (
    {144, 385},
    ("deleted or not visible", "could not find tweet", "no status found"),
    "La publicación ya no existe en X o no se puede ver (la borraron, o la cuenta es privada o "
    "nos bloqueó); no hay a dónde responder",
)
TOO_LONG = (
    {186},
    ("too long", "bit shorter", "over 280", "tweet text is too long"),
    "El texto es demasiado largo para X (280 caracteres en una cuenta sin X Premium); acórtelo",
)
DUPLICATE = (
    {187},
    ("duplicate",),
    "X no permite publicar dos veces el mismo texto; cámbielo un poco",
)
NO_MESSAGES = (
    {150, 349},
    ("cannot send messages",),
    "X no deja enviarle mensajes directos a esta persona (no los acepta de la cuenta); "
    "respóndale en público o por otro canal",
)
NO_ACCESS = (
    {261},
    ("oauth1", "permission", "not enrolled", "client-not-enrolled"),
    "La aplicación de X no tiene acceso a esto (su plan o sus permisos de lectura y escritura "
    "no lo incluyen); revise el proyecto en el portal de desarrolladores de X",
)
BAD_CREDENTIALS = (
    "Las credenciales de X no son válidas o se revocaron; genere unas nuevas en el portal de "
    "desarrolladores de X y actualice las variables de entorno"
)
NO_CREDITS = X_NO_CREDITS
NOT_ENROLLED = X_NOT_ENROLLED
LIMIT = "X pide esperar: se pasó el límite de llamadas; se reintentará sola más tarde"
KINDS = (GONE, TOO_LONG, DUPLICATE, NO_MESSAGES, NO_ACCESS)


def x_detail(status: int | None, codes: Sequence[object], messages: Sequence[str]) -> str:
    """X's own words, with the HTTP status and any codes: "(403) You attempted to reply…"."""
    tags = [str(status)] if status else []
    tags += [f"#{code}" for code in codes]
    text = " ".join(" ".join(str(message).split()) for message in messages)
    return f"({', '.join(tags)}) {text}".strip() if tags else text


def x_kind(codes: Sequence[object], messages: Sequence[str]) -> tuple | None:
    """Which known refusal this is, by code first, then by X's words."""
    lowered = " ".join(messages).lower()
    for kind in KINDS:
        if any(code in kind[0] for code in codes):
            return kind
    for kind in KINDS:
        if any(sign in lowered for sign in kind[1]):
            return kind
    return None


def x_refusal(
    sentence: str, status: int | None, codes: Sequence[object], messages: Sequence[str]
) -> str:
    """The sentence for the team, then X's words for the technician."""
    detail = x_detail(status, codes, messages)
    return f"{sentence}. Detalle de X: {detail}" if detail else f"{sentence}."


def tweepy_error(response: requests.Response) -> tweepy.HTTPException:
    """The exception tweepy would raise for this answer (its Client maps statuses the same way)."""
    by_status = {
        400: tweepy.BadRequest,
        401: tweepy.Unauthorized,
        403: tweepy.Forbidden,
        404: tweepy.NotFound,
        429: tweepy.TooManyRequests,
    }
    if response.status_code >= 500:
        return tweepy.TwitterServerError(response)
    return by_status.get(response.status_code, tweepy.HTTPException)(response)


class Duplicate(Rejected):
    """X refused the text because the account already posted it."""


def said_with_detail(sentence: str, error: tweepy.HTTPException) -> str:
    return x_refusal(sentence, error.response.status_code, error.api_codes, error.api_messages)


def problem_of(response: requests.Response) -> dict[str, object]:
    """X's problem body (title, type, reason…), or {} when the answer is not a JSON object."""
    try:
        body = response.json()
    except (ValueError, TypeError):  # requests' JSONDecodeError is a ValueError
        return {}
    return body if isinstance(body, dict) else {}


def account_problem(error: tweepy.HTTPException) -> AuthFailed | None:
    """An answer that says the account itself cannot work (no credits, an app not enrolled):
    the network is paused with what to do, it is not this post's fault.

    402 has no tweepy class (a plain HTTPException); its problem is
    `{"title": "CreditsDepleted", "type": ".../2/problems/credits"}`. An app outside a
    Project answers 403 with `"reason": "client-not-enrolled"` and type
    `.../2/problems/client-forbidden`. Hosts differ (api.x.com, api.twitter.com): only the
    path's end is compared.
    """
    body = problem_of(error.response)
    kind = body.get("type")
    kind = kind if isinstance(kind, str) else ""
    if (
        error.response.status_code == 402
        or body.get("title") == "CreditsDepleted"
        or kind.endswith("/problems/credits")
    ):
        return AuthFailed(said_with_detail(NO_CREDITS, error))
    if body.get("reason") == "client-not-enrolled" or kind.endswith("/problems/client-forbidden"):
        return AuthFailed(said_with_detail(NOT_ENROLLED, error))
    return None


def refusal_of(error: tweepy.HTTPException) -> Rejected | AuthFailed:
    account = account_problem(error)
    if account is not None:
        return account
    kind = x_kind(error.api_codes, error.api_messages)
    if kind is DUPLICATE:
        return Duplicate(said_with_detail(DUPLICATE[2], error))
    if kind is NO_ACCESS:
        return AuthFailed(said_with_detail(NO_ACCESS[2], error))
    if kind is not None:
        return Rejected(said_with_detail(kind[2], error))
    if not error.api_messages:
        return Rejected(
            said_with_detail(f"X rechazó la solicitud ({error.response.reason})", error)
        )
    return Rejected(said_with_detail("X rechazó la solicitud", error))
