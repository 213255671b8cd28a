"""Does the WhatsApp token answer citizens, and is the template for late replies approved?

Pages (see /work/research/whatsapp.md section 4):
- GET /{phone-number-id}: "Get a single phone number",
  https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/phone-numbers
  ({"display_phone_number", "id", "verified_name", "quality_rating", "code_verification_status"})
- GET /debug_token: https://developers.facebook.com/docs/graph-api/reference/debug_token; for a
  system user's token, `granular_scopes[]` lists the WhatsApp business account (WABA) ids.
- GET /{waba-id}/message_templates?name=...: "Template management",
  https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-management
  (each item: name, language, status APPROVED | PENDING | REJECTED ..., category, id)

The WABA id is taken from debug_token (the scope whatsapp_business_management lists it), not
from a new setting: one id less for the person to copy, and the token names the account it
was given for; if it names several, each is looked in.
"""

from __future__ import annotations

from typing import Any

from pyfacebook.exceptions import FacebookError, LibraryError

from channels.checks import CheckLine, in_variable, no_answer_reason
from channels.meta.graph import scrub
from channels.meta.token_check import TokenInfo, inspect_token, token_lines

NETWORK = "whatsapp"
WHERE = (
    "business.facebook.com → Configuración del negocio → Usuarios → Usuarios del sistema → "
    "el usuario de Conectados: con «Agregar activos», que tenga la cuenta de WhatsApp; luego "
    "«Generar token», con la app de Conectados y «Nunca vence»"
)
"""Where a new token is made, by the guide's clicks (docs/instalacion.md section 5)."""
MESSAGING = "whatsapp_business_messaging"
MANAGEMENT = "whatsapp_business_management"
PHONE_FIELDS = "id,display_phone_number,verified_name,quality_rating,code_verification_status"
TEMPLATE_FIELDS = "name,language,status,category,id,components"


def check_whatsapp(channel, app_token: str | None, variable: str) -> list[CheckLine]:
    """The checklist of one WhatsAppChannel: token, number, permissions, late-reply template."""
    api = channel.api
    info = inspect_token(api, app_token)
    lines = token_lines(NETWORK, info, variable, WHERE)
    if not info.valid:
        return lines
    lines.append(_number_line(channel))
    for scope, job in (
        (MESSAGING, "responder por WhatsApp"),
        (MANAGEMENT, "leer las plantillas"),
    ):
        granted = scope in info.scopes
        lines.append(
            CheckLine(
                NETWORK,
                f"permiso {scope} ({job})",
                granted,
                ""
                if granted
                else f"añada el permiso {scope} al token: {WHERE}, marcando {scope}; "
                f"guarde el token nuevo en {in_variable(variable)}",
            )
        )
    lines.append(template_line(channel, info))
    return lines


def phone_summary(answer: Any) -> tuple[str, str] | None:
    """(display number, verified name) from a phone number answer; None if it is not one."""
    if not isinstance(answer, dict) or not answer.get("id"):
        return None
    return str(answer.get("display_phone_number") or ""), str(answer.get("verified_name") or "")


def _number_line(channel) -> CheckLine:
    number_id = channel.phone_number_id
    try:
        answer = channel.api.get_object(number_id, fields=PHONE_FIELDS)
    except FacebookError as exc:
        said = scrub(getattr(exc, "message", ""), channel.api.access_token or "")
        return CheckLine(
            NETWORK,
            f"el número {number_id} no se puede leer con este token (Meta dice: {said})",
            False,
            "revise [channels.whatsapp] telefono_id (en developers.facebook.com, la app → "
            "WhatsApp → Configuración de la API: «Identificador del número de teléfono», no el "
            "número mismo)",
        )
    except (LibraryError, OSError) as exc:
        return CheckLine(
            NETWORK,
            f"el número {number_id} no respondió ({no_answer_reason(exc)})",
            False,
            "revise la conexión a internet y vuelva a intentarlo",
        )
    summary = phone_summary(answer)
    if summary is None:
        return CheckLine(NETWORK, f"el número {number_id} no existe", False, "revise telefono_id")
    shown, name = summary
    return CheckLine(NETWORK, f"el número {number_shown(shown)} («{name}») responde", True)


def number_shown(display: str) -> str:
    """The business number as people read it, with one "+": Meta gives it with the sign
    ("+1 631-555-0100") or without ("15550783881")."""
    return "+" + display.strip().lstrip("+")


def template_item(answer: Any, name: str, language: str) -> dict[str, Any] | None:
    """Template `name` in `language` from a message_templates answer (one name may have
    several languages: filtered here by both); None when it is not there."""
    data = answer.get("data") if isinstance(answer, dict) else None
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and item.get("name") == name and item.get("language") == language:
            return item
    return None


def template_status(answer: Any, name: str, language: str) -> str | None:
    """The status of template `name` in `language`; None when it is not there."""
    item = template_item(answer, name, language)
    return None if item is None else str(item.get("status") or "")


def body_variables(item: dict[str, Any]) -> list[str]:
    """The variables in a template's BODY ("Hola. {{1}}" -> ["1"]), each once, in order.
    A plain scan (no regular expression): the text is Meta's, up to 1,024 characters."""
    found: list[str] = []
    components = item.get("components")
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict) or component.get("type") != "BODY":
            continue
        text = str(component.get("text") or "")
        start = text.find("{{")
        while start != -1:
            end = text.find("}}", start + 2)
            if end == -1:
                break
            variable = text[start + 2 : end].strip()
            if variable not in found:
                found.append(variable)
            start = text.find("{{", end + 2)
    return found


def one_variable_problem(item: dict[str, Any]) -> str | None:
    """Why Conectados cannot send this template (it sends the answer as the one body
    variable {{1}}: any other count is refused by WhatsApp, code 132000); None if it can."""
    variables = body_variables(item)
    if variables == ["1"]:
        return None
    if not variables:
        return "su cuerpo no tiene la variable {{1}} donde va la respuesta"
    shown = ", ".join("{{" + variable + "}}" for variable in variables)
    return f"su cuerpo debe tener una sola variable, {{{{1}}}}, y tiene: {shown}"


def template_line(channel, info: TokenInfo) -> CheckLine:
    name, language = channel.template, channel.template_language
    if not name:
        return CheckLine(
            NETWORK,
            "sin plantilla para responder después de 24 horas",
            False,
            "las respuestas a quien escribió hace más de 24 horas esperarán a una persona; "
            "para enviarlas, configure [channels.whatsapp] plantilla_fuera_de_ventana con una "
            "plantilla aprobada",
            warning=True,
        )
    what = f"plantilla «{name}» en idioma {language}"
    accounts = info.targets.get(MANAGEMENT) or ()
    if not accounts:
        return CheckLine(
            NETWORK,
            f"{what}: no se pudo revisar",
            False,
            f"el token no dice de qué cuenta de WhatsApp es; genérelo con el permiso "
            f"{MANAGEMENT} sobre la cuenta del número ({WHERE})",
        )
    found: list[dict[str, Any]] = []
    failures: list[str] = []
    for waba in accounts:
        try:
            answer = channel.api.get_connection(
                waba, "message_templates", name=name, fields=TEMPLATE_FIELDS
            )
        except FacebookError as exc:
            failures.append(scrub(getattr(exc, "message", ""), channel.api.access_token or ""))
            continue
        except (LibraryError, OSError) as exc:
            failures.append(f"no respondió: {no_answer_reason(exc)}")
            continue
        item = template_item(answer, name, language)
        if item is not None:
            found.append(item)
    approved = [item for item in found if item.get("status") == "APPROVED"]
    if approved:
        problem = one_variable_problem(approved[0])
        if problem is None:
            return CheckLine(NETWORK, f"{what} aprobada", True)
        return CheckLine(
            NETWORK,
            f"{what} aprobada, pero {problem}",
            False,
            "Conectados envía la respuesta como la única variable del cuerpo: cree en "
            "WhatsApp Manager → Plantillas de mensajes una plantilla cuyo cuerpo tenga solo "
            "{{1}} (por ejemplo «Hola. {{1}}») y ponga su nombre en "
            "[channels.whatsapp] plantilla_fuera_de_ventana",
        )
    if found:
        return CheckLine(
            NETWORK,
            f"{what} no está aprobada (estado: {found[0].get('status') or 'desconocido'})",
            False,
            "espere la aprobación de Meta (WhatsApp Manager → Plantillas de mensajes) o "
            "corrija y vuelva a enviar la plantilla; mientras tanto, las respuestas después de "
            "24 horas esperan a una persona",
        )
    if failures:
        return CheckLine(
            NETWORK,
            f"no se pudo revisar la {what} (Meta dice: {failures[0]})",
            False,
            f"revise que el token tenga el permiso {MANAGEMENT} sobre la cuenta de WhatsApp "
            "y la conexión a internet, y vuelva a intentarlo",
        )
    return CheckLine(
        NETWORK,
        f"{what} no existe en la cuenta de WhatsApp",
        False,
        "créela en WhatsApp Manager → Plantillas de mensajes (una variable en el cuerpo), o "
        "corrija el nombre o idioma_plantilla en [channels.whatsapp]",
    )
