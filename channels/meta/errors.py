"""What Graph API refusals mean for the team: one Spanish sentence, then Graph's own words.

Facebook and WhatsApp (both on Meta's Graph API) answer a refused call with a numeric code, a
subcode and an English text. The team reads the sentence (what happened, what to do); the
technician reads the detail after it ("Detalle de Facebook: (#100) No matching comment
found"). Codes as Meta's "Handling Errors" guide lists them
(developers.facebook.com/docs/graph-api/guides/error-handling): 1 and 2 temporary, 4 and 17
app and user call limits, 10 and 200-299 permissions, 102 and 190 the access token, 341 an
application limit, 368 temporarily blocked for policy violations, 506 a duplicate post,
1609005 a link that could not be read; 32, 613 and 80001 are the Page's call limits
(developers.facebook.com/docs/graph-api/overview/rate-limiting), and 100 an invalid
parameter, which is how Graph says that the object asked for is gone.

The detail is written "(#code/subcode)": never "código N", which the log masking reads as a
subscriber code (Ley 1581) and hides.
"""

from __future__ import annotations

TOKEN_CODES = {0, 102, 190}  # 0: the Cloud API's AuthException (WhatsApp)
LIMIT_CODES = {4, 17, 32, 341, 613, 80001}
SERVER_CODES = {1, 2}
PERMISSION_CODES = {3, 10}
# How Graph words "there is no such object" under code 100.
GONE_SIGNS = ("does not exist", "no matching", "not found", "cannot be loaded", "was deleted")


def graph_detail(code: object, subcode: object, message: str) -> str:
    """Graph's own words, with the code: "(#100) No matching comment found"."""
    text = " ".join(str(message).split())
    prefix = f"(#{code})"
    if text.startswith(prefix):
        text = text[len(prefix) :].strip()
    tag = f"#{code}" + (f"/{subcode}" if subcode else "")
    return f"({tag}) {text}".strip() if code is not None else text


def is_permission(code: object) -> bool:
    return code in PERMISSION_CODES or (isinstance(code, int) and 200 <= code < 300)


def explain(network: str, code: object, message: str) -> str:
    """One sentence in Spanish: what the network refused, and what a person can do."""
    lowered = str(message).lower()
    if code == 100 and any(sign in lowered for sign in GONE_SIGNS):
        if "comment" in lowered:
            return (
                f"El comentario ya no existe en {network} o no se puede ver (lo borraron u "
                "ocultaron); no hay a dónde responder"
            )
        if "user" in lowered:
            return (
                f"La persona ya no se puede contactar por {network} (borró la conversación o "
                "bloqueó a la página); no hay a quién responder"
            )
        return (
            f"Lo que se buscaba ya no existe en {network} o no se puede ver (lo borraron u "
            "ocultaron)"
        )
    if code == 100:
        return (
            f"{network} no aceptó un dato de la solicitud; revise el texto y los archivos, y si "
            "se repite, avise al técnico con este detalle"
        )
    if code in TOKEN_CODES:
        return (
            f"El token de {network} venció o ya no es válido (caducó, cambió la contraseña o se "
            "quitó el acceso a la aplicación); genere uno nuevo y actualice la variable de entorno"
        )
    if is_permission(code):
        return (
            f"{network} no le da a la aplicación el permiso que esto necesita; pida el token de "
            "nuevo con los permisos de la guía de instalación (o la revisión de la app en Meta)"
        )
    if code == 368:
        return (
            f"{network} bloqueó esta acción por un tiempo por sus normas (la tomó por spam o "
            "abuso); espere unas horas antes de repetirla y revise el texto"
        )
    if code in LIMIT_CODES:
        return (
            f"{network} pide esperar: se pasó el límite de llamadas de la página o de la "
            "aplicación; se reintentará sola más tarde"
        )
    if code in SERVER_CODES:
        return f"{network} tuvo una falla pasajera; se reintentará más tarde"
    if code == 506:
        return f"{network} no deja publicar seguido el mismo texto; cámbielo un poco"
    if code == 1609005:
        return (
            f"{network} no pudo leer el enlace de la publicación; revise que la dirección abra "
            "en un navegador"
        )
    return f"{network} rechazó la solicitud"


def refusal(
    network: str, code: object, subcode: object, message: str, sentence: str | None = None
) -> str:
    """The sentence for the team (`sentence`, or the one for this code), then Graph's words
    for the technician."""
    said = sentence or explain(network, code, message)
    return f"{said}. Detalle de {network}: {graph_detail(code, subcode, message)}"


def classified(
    network: str,
    error: object,
    message: str,
    auth_codes: frozenset[int] | set[int],
    throttle_codes: frozenset[int] | set[int],
    headers: object,
):
    """A Graph error as one of the channel seam's three failures (channels/base.py): the
    token or its permissions → AuthFailed; Graph's server trouble → Transient in 30 s; a call
    limit → Transient for as long as the usage headers say; anything else → Rejected. Each
    adapter handles its own special codes first. `message` is Graph's words already scrubbed
    of the token."""
    from channels.base import AuthFailed, Rejected, Transient
    from channels.meta.graph import throttle_wait

    code = getattr(error, "code", None)
    said = refusal(network, code, getattr(error, "error_subcode", None), message)
    if code in auth_codes or (isinstance(code, int) and 200 <= code < 300):
        return AuthFailed(said)
    if code in SERVER_CODES:
        return Transient(said, retry_after=30)
    if code in throttle_codes or getattr(error, "is_transient", False):
        return Transient(said, retry_after=throttle_wait(headers))
    return Rejected(said)
