"""The company's WhatsApp Business number, on the Cloud API, through python-facebook-api.

Citizens' messages arrive only by webhook (`webhooks/`): there is nothing to poll. This
adapter answers them with `POST /{phone-number-id}/messages`, inside WhatsApp's rules: free
text only within 24 hours of the citizen's latest message; after that, only an approved
template (one body variable carries the answer) or, with none configured, `OutsideWindow`
and the reply waits for a person.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from pyfacebook.exceptions import FacebookError

from channels.base import (
    HTTP_TIMEOUT_SECONDS,
    AuthFailed,
    Incoming,
    OutsideWindow,
    Receipt,
    Rejected,
    TemplateMessage,
    TemplateUnavailable,
    Transient,
    Undeliverable,
)
from channels.http import guarded
from channels.meta.errors import graph_detail, refusal
from channels.meta.graph import GRAPH_URL, appsecret_proof, call_graph, graph_client, scrub
from channels.meta.webhooks import is_bsuid
from channels.specs import WHATSAPP
from conectados.clock import Clock, SystemClock
from conectados.spanish import short_number

log = logging.getLogger(__name__)

SERVICE_WINDOW: timedelta = WHATSAPP.message_window  # type: ignore[assignment]
MAX_TEXT: int = WHATSAPP.private_text_limit  # type: ignore[assignment]
MAX_TEMPLATE_PARAMETER = 1000

AUTH_CODES = WHATSAPP.account_problem_codes
THROTTLE_CODES = {4, 80007, 130429, 131048, 131056}
SERVER_CODES = {1, 2, 131000, 131016}
BSUID_NOT_SUPPORTED = 131062
THROUGHPUT_CODE = 130429
"""The number's messages per second are used up: fine again within a second."""
PAIR_RATE_CODE = 131056
"""Too many messages to one person in a short time: wait for that person only."""
TEMPLATE_CODES = {132000, 132001, 132005, 132007, 132012, 132015, 132016, 132018}
RECIPIENT_CODES = {131026, 131049, 131050, 131047}
"""A company-started message that only this person will not get (not a WhatsApp user or
blocked us, per-user marketing limit, stopped marketing, out of the window)."""
MAX_REFERENCE = 512
"""`biz_opaque_callback_data`: at most 512 characters, echoed in the status webhooks."""


class TooFast(Transient):
    """WhatsApp refused for the number's pace (130429) or the pair rate (131056): the sender
    slows down. Its other Transients (server trouble, 131048's spam limit) do not."""

    slows_pace = True


def window_open(last_heard: datetime, now: datetime) -> bool:
    """Whether WhatsApp still takes free text from us, the citizen's latest message being
    `last_heard`: within 24 hours, judged a few minutes early."""
    return WHATSAPP.window_open(last_heard, now)


def address(to: Incoming) -> dict[str, str]:
    """Where an answer goes: where the citizen wrote from (the conversation's id, which the
    receiver sets to the phone number when Meta gave it, else to the business-scoped user
    id). A phone number goes in `to`; a BSUID alone in `recipient`, without `to` (Meta's
    "Business-scoped user IDs" page). With both known only `to` is sent: Meta says `to`
    wins anyway, and a Graph version that does not take `recipient` yet would refuse a
    phone number's answer for it."""
    where = to.thread_id or to.author_id
    return {"recipient": where} if is_bsuid(where) else {"to": where}


class WhatsAppChannel:
    """One WhatsApp Business phone number: private conversations only."""

    name = WHATSAPP.name

    def __init__(
        self,
        phone_number_id: str,
        access_token: str,
        base_url: str = GRAPH_URL,
        template: str = "",
        template_language: str = "es",
        timeout: float = HTTP_TIMEOUT_SECONDS,
        clock: Clock | None = None,
        app_secret: str | None = None,
    ) -> None:
        self.phone_number_id = phone_number_id
        self.template = template
        self.template_language = template_language
        self.clock = clock or SystemClock()
        self._token = access_token
        self._proof = (
            {"appsecret_proof": appsecret_proof(access_token, app_secret)} if app_secret else None
        )
        self.api, self.session = graph_client(access_token, base_url, timeout, app_secret)

    # --- answering -------------------------------------------------------------------

    def window_open(self, to: Incoming) -> bool:
        """Whether free text may still be sent: the citizen wrote within the last 24 hours."""
        return window_open(max(filter(None, (to.written_at, to.last_heard_at))), self.clock.now())

    @guarded("WhatsApp")
    def reply(self, to: Incoming, text: str, private: bool, by_person: bool = False) -> Receipt:
        """Answer a citizen's message: free text in the window, the approved template after."""
        if to.kind != "message":
            raise Rejected("en WhatsApp solo se responden mensajes")
        if self.window_open(to):
            if len(text) > MAX_TEXT:
                raise Rejected(f"WhatsApp admite mensajes de hasta {MAX_TEXT} caracteres")
            message: dict[str, Any] = {"type": "text", "text": {"preview_url": False, "body": text}}
        else:
            message = self._template_message(text)
        # The context quotes the citizen's message above our answer in their chat.
        answer = self._send({**address(to), "context": {"message_id": to.remote_id}, **message})
        return Receipt(answer["messages"][0]["id"], created_at=self.clock.now())

    def _template_message(self, text: str) -> dict[str, Any]:
        hours = short_number(SERVICE_WINDOW.total_seconds() / 3600)
        if not self.template:
            raise OutsideWindow(
                f"pasaron más de {hours} horas desde el último mensaje del ciudadano y WhatsApp "
                "ya no acepta texto libre: configure una plantilla aprobada en "
                "[channels.whatsapp] plantilla_fuera_de_ventana, o comuníquese por otro medio"
            )
        # A template variable cannot hold line breaks, tabs or runs of spaces.
        parameter = re.sub(r"\s+", " ", text).strip()
        if len(parameter) > MAX_TEMPLATE_PARAMETER:
            raise OutsideWindow(
                f"pasaron más de {hours} horas desde el último mensaje del ciudadano y la "
                f"respuesta es muy larga para la plantilla ({len(parameter)} caracteres; "
                f"máximo {MAX_TEMPLATE_PARAMETER}): acórtela o comuníquese por otro medio"
            )
        return {
            "type": "template",
            "template": {
                "name": self.template,
                "language": {"code": self.template_language},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": parameter}]}
                ],
            },
        }

    # --- company-started messages (notices, content) ----------------------------------

    @guarded("WhatsApp")
    def notify(self, address: str, message: TemplateMessage, reference: str) -> Receipt:
        """An approved template to a subscriber, `reference` in `biz_opaque_callback_data` so
        the status webhooks of this message name our delivery."""
        if len(reference) > MAX_REFERENCE:
            raise Rejected(f"referencia de envío demasiado larga ({len(reference)} caracteres)")
        components: list[dict[str, Any]] = []
        if message.header_kind:
            components.append({
                "type": "header",
                "parameters": [
                    {"type": message.header_kind, message.header_kind: {"id": message.header_media_id}}
                ],
            })  # fmt: skip
        if message.parameters:
            components.append({
                "type": "body",
                "parameters": [
                    {"type": "text", "text": re.sub(r"\s+", " ", value).strip()}
                    for value in message.parameters
                ],
            })  # fmt: skip
        template: dict[str, Any] = {
            "name": message.template,
            "language": {"code": message.language},
        }
        if components:
            template["components"] = components
        to = {"recipient": address} if is_bsuid(address) else {"to": address}
        answer = call_graph(
            "WhatsApp",
            self._token,
            lambda error: self._translate_notice(error, message.template),
            self.api.post_object,
            self.phone_number_id,
            "messages",
            params=self._proof,
            json={
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                **to,
                "type": "template",
                "template": template,
                "biz_opaque_callback_data": reference,
            },
            headers={"Authorization": f"Bearer {self._token}"},
            auth_need=False,
        )
        return Receipt(answer["messages"][0]["id"], created_at=self.clock.now())

    @guarded("WhatsApp")
    def upload_media(self, path, mime_type: str) -> str:
        """`POST /{phone-number-id}/media` (multipart: `file`, `type`, `messaging_product`):
        the media id a template header takes (Meta's "Upload media")."""
        with open(path, "rb") as source:
            answer = call_graph(
                "WhatsApp",
                self._token,
                self._translate,
                self.api.post_object,
                self.phone_number_id,
                "media",
                params=self._proof,
                data={"messaging_product": "whatsapp", "type": mime_type},
                files={"file": (path.name, source, mime_type)},
                headers={"Authorization": f"Bearer {self._token}"},
                auth_need=False,
            )
        media_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(media_id, str) or not media_id:
            raise Transient("WhatsApp no devolvió el id del archivo subido", retry_after=30)
        return media_id

    def _translate_notice(self, error: FacebookError, template: str) -> Exception:
        """A notice's send: the template's own refusals stop the broadcast, a person's stop
        only that send; the rest as any other send."""
        code = getattr(error, "code", None)
        subcode = getattr(error, "error_subcode", None)
        message = scrub(_with_details(error), self._token)
        detail = graph_detail(code, subcode, message)
        if code in TEMPLATE_CODES:
            return TemplateUnavailable(
                f"WhatsApp rechazó la plantilla «{template}»: revísela en WhatsApp Manager "
                f"(nombre, idioma, estado aprobada, variables). Detalle de WhatsApp: {detail}",
                code,
                detail,
            )
        if code in RECIPIENT_CODES:
            return Undeliverable(
                f"WhatsApp no entrega este mensaje a esta persona: {detail}", code, detail
            )
        if code == THROUGHPUT_CODE:
            # Per second: "until you are within your allowed level again" (Meta, throughput).
            return TooFast(f"WhatsApp pide ir más despacio: {detail}", retry_after=1)
        if code == PAIR_RATE_CODE:
            return TooFast(f"demasiados mensajes seguidos a esta persona: {detail}", 6)
        return self._translate(error)

    def _send(self, message: dict[str, Any]) -> dict[str, Any]:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", **message}
        # The Cloud API takes JSON and a bearer token, not Graph's form fields.
        return call_graph(
            "WhatsApp",
            self._token,
            self._translate,
            self.api.post_object,
            self.phone_number_id,
            "messages",
            params=self._proof,  # the bearer header skips pyfacebook's own proof
            json=payload,
            headers={"Authorization": f"Bearer {self._token}"},
            auth_need=False,
        )

    def _translate(self, error: FacebookError) -> Exception:
        code = getattr(error, "code", None)
        subcode = getattr(error, "error_subcode", None)
        message = scrub(_with_details(error), self._token)
        said = refusal("WhatsApp", code, subcode, message)
        if code in AUTH_CODES:
            return AuthFailed(
                said.replace("genere uno nuevo", "genere uno nuevo del usuario del sistema")
            )
        if code in THROTTLE_CODES:
            return Transient(
                refusal(
                    "WhatsApp", code, subcode, message,
                    "WhatsApp pide esperar: límite de envíos; se reintentará sola más tarde",
                ),
                60,
            )  # fmt: skip
        if code in SERVER_CODES:
            return Transient(
                refusal(
                    "WhatsApp", code, subcode, message,
                    "WhatsApp tuvo una falla pasajera; se reintentará más tarde",
                ),
                retry_after=30,
            )  # fmt: skip
        if code in WHATSAPP.window_closed_codes:
            return OutsideWindow(
                "WhatsApp ya no acepta texto libre: pasaron más de 24 horas desde el último "
                "mensaje del ciudadano"
            )
        if code == BSUID_NOT_SUPPORTED:
            return Rejected(
                "WhatsApp no deja enviar este mensaje a una persona que escribe con nombre de "
                "usuario (sin número de teléfono visible): respóndale por otro medio o espere a "
                "que vuelva a escribir. Detalle de WhatsApp: "
                + graph_detail(code, subcode, message),
                code,
            )
        if code in TEMPLATE_CODES:
            return Rejected(
                f"WhatsApp rechazó la plantilla «{self.template}»: revise el nombre, el idioma y "
                "que tenga una sola variable en el cuerpo. Detalle de WhatsApp: "
                + graph_detail(code, subcode, message),
                code,
            )
        # Meta's code travels with the refusal: `avisos estado` groups failures by it.
        return Rejected(said, code if isinstance(code, int) else None)


def _with_details(error: FacebookError) -> str:
    """Graph's message, then the Cloud API's `error_data.details` when it says more (pyfacebook
    keeps every field of the error as an attribute): "(#100) Invalid parameter: Param to
    must be a phone number"."""
    message = " ".join(str(getattr(error, "message", "") or "").split())
    data = getattr(error, "error_data", None)
    details = data.get("details") if isinstance(data, dict) else None
    if not isinstance(details, str) or not details.strip():
        return message
    details = " ".join(details.split())[:500]
    return f"{message}: {details}" if details not in message else message
