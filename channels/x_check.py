"""Do the X keys work, and may they post and send direct messages?

Pages (see /work/research/x.md section 3 and 1):
- GET /2/users/me: https://docs.x.com/x-api/users/user-lookup-me (OAuth 1.0a user context;
  200 -> {"data": {"id", "name", "username"}})
- The `x-access-level` header (read | read-write | read-write-directmessages): announced in
  "The new permission model (R / RW / RWD)", Twitter Development Talk, 2011; the App
  permissions page https://developer.x.com/en/docs/apps/app-permissions names the levels.
- 402 CreditsDepleted (observed, not documented) and 403 client-not-enrolled: "Response Codes &
  Errors", https://docs.x.com/x-api/fundamentals/response-codes-and-errors

The channel answers direct messages by direct message (XChannel.reply), so the keys need
«read-write-directmessages», not only «read-write».
"""

from __future__ import annotations

from typing import Any

import requests
import tweepy

from channels.checks import SECRETS_FILE, CheckLine, no_answer_reason

NETWORK = "x"
PORTAL = "developer.x.com → Projects & Apps → su app"
WRITE_LEVELS = ("read-write", "read-write-directmessages")
DM_LEVEL = "read-write-directmessages"
LEVEL_WORDS = {
    "read": "solo leer",
    "read-write": "leer y escribir",
    "read-write-directmessages": "leer, escribir y mensajes directos",
}
"""The x-access-level header's values, as the checklist says them."""


def me_of(answer: Any) -> tuple[str, str] | None:
    """(id, @username) from a /2/users/me answer; None if it is not one."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict) or not data.get("id"):
        return None
    return str(data["id"]), str(data.get("username") or "")


def refusal_line(status: int, body: Any, variables: list[str]) -> CheckLine:
    """What an error answer of /2/users/me means for the person, and what to do."""
    body = body if isinstance(body, dict) else {}
    kind = str(body.get("type") or "")
    if status == 402 or body.get("title") == "CreditsDepleted" or kind.endswith("/credits"):
        return CheckLine(
            NETWORK,
            "la cuenta de desarrollador de X no tiene créditos",
            False,
            f"compre créditos en {PORTAL.split(' →')[0]} (facturación); mientras tanto no se "
            "publica ni se responde en X",
        )
    if body.get("reason") == "client-not-enrolled" or kind.endswith("/client-forbidden"):
        return CheckLine(
            NETWORK,
            "la app de X no tiene acceso a la API v2",
            False,
            "en developer.x.com, ponga la app dentro de un Proyecto (Project) con acceso a la "
            "API v2, y genere de nuevo sus claves",
        )
    if status == 401:
        return CheckLine(
            NETWORK,
            "X no acepta las claves",
            False,
            f"revise las variables {', '.join(variables)} (las cuatro claves de la app, en "
            f"{PORTAL} → Keys and tokens); si siguen fallando, genérelas de nuevo",
        )
    if status == 429:
        return CheckLine(
            NETWORK,
            "X pide esperar (límite de llamadas)",
            False,
            "vuelva a intentarlo en 15 minutos",
        )
    detail = str(body.get("detail") or body.get("title") or status)
    return CheckLine(
        NETWORK,
        f"X rechazó la consulta ({status}: {detail})",
        False,
        "vuelva a intentarlo en unos minutos; si se repite, revise en "
        f"{PORTAL.split(' →')[0]} el estado de la app y de la cuenta, y avise al técnico con "
        "este detalle",
    )


def check_x(channel, configured_id: str, variables: list[str]) -> list[CheckLine]:
    """The checklist of one XChannel: its keys, its account, write and direct-message access."""
    try:
        answer = channel.lists.get_me(user_auth=True)
    except tweepy.HTTPException as exc:
        try:
            body = exc.response.json()
        except ValueError:
            body = None
        return [refusal_line(exc.response.status_code, body, variables)]
    except (requests.RequestException, tweepy.TweepyException) as exc:
        return [
            CheckLine(
                NETWORK,
                f"X no respondió ({no_answer_reason(exc)})",
                False,
                "revise la conexión a internet y vuelva a intentarlo",
            )
        ]
    me = me_of(answer)
    if me is None:
        return [CheckLine(NETWORK, "X respondió algo que no es una cuenta", False, "")]
    user_id, username = me
    lines = [CheckLine(NETWORK, f"las claves son válidas (cuenta @{username})", True)]
    if configured_id:
        same = configured_id == user_id
        lines.append(
            CheckLine(
                NETWORK,
                "usuario_id es el de la cuenta de las claves"
                if same
                else f"usuario_id ({configured_id}) no es el de la cuenta de las claves ({user_id})",
                same,
                ""
                if same
                else f'ponga usuario_id = "{user_id}" en [channels.x], o genere las '
                "claves con la cuenta de la empresa",
            )
        )
    level = str(channel.session.last_headers.get("x-access-level") or "")
    lines += access_lines(level)
    return lines


def access_lines(level: str) -> list[CheckLine]:
    """Write and direct-message access, from the x-access-level header."""
    regenerate = (
        f"en {PORTAL} → User authentication settings, elija «Read and write and Direct "
        "message»; luego, en Keys and tokens, genere de nuevo el Access Token y su secreto "
        f"(los anteriores conservan el permiso viejo) y guárdelos en sus variables, en "
        f"{SECRETS_FILE} o en el entorno"
    )
    shown = LEVEL_WORDS.get(level, level) or "X no lo dijo"
    can_write = level in WRITE_LEVELS
    can_dm = level == DM_LEVEL
    return [
        CheckLine(
            NETWORK,
            f"permiso de escritura (publicar y responder) — nivel: {shown}",
            can_write,
            "" if can_write else regenerate,
        ),
        CheckLine(
            NETWORK,
            "permiso de mensajes directos (leer y responder mensajes directos)",
            can_dm,
            "" if can_dm else regenerate,
        ),
    ]
