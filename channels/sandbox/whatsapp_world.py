"""The emulated WhatsApp Business number: its contacts, what they wrote and what we sent."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from channels.sandbox.graph_world import graph_time
from channels.sandbox.whatsapp_notices import LaterStatuses, NoticeRules
from channels.sandbox.world import NetworkWorld, PersonIds
from conectados.clock import Clock

PHONE_NUMBER_ID = "100000000000077"
WABA_ID = "100000000000088"
DISPLAY_PHONE_NUMBER = "576071234567"
APP_SECRET = "sandbox-app-secret"
VERIFY_TOKEN = "sandbox-verify-token"

APPROVED_TEMPLATES: dict[str, dict[str, Any]] = {
    "respuesta_pendiente": {
        "language": "es",
        "body": "Hola. Le escribimos de la empresa sobre su mensaje: {{1}} Si necesita algo más, responda a este mensaje.",
        "parameters": 1,
        "category": "UTILITY",
    },
    # The notices' templates as a company would have them approved (utility: service
    # notices; marketing: content). Each ends with the way out, as Meta's policy asks.
    "aviso_corte": {
        "language": "es",
        "body": "Aviso de servicio para {{1}}: sin agua desde {{2}} hasta {{3}} por {{4}}. Responda SALIR si ya no quiere recibir avisos.",
        "parameters": 4,
        "category": "UTILITY",
    },
    "servicio_restablecido": {
        "language": "es",
        "body": "El servicio de agua ya se restableció en {{1}}. Gracias por su paciencia. Responda SALIR si ya no quiere recibir avisos.",
        "parameters": 1,
        "category": "UTILITY",
    },
    "contenido_texto": {
        "language": "es",
        "body": "{{1}} Responda SALIR si ya no quiere recibir estos mensajes.",
        "parameters": 1,
        "category": "MARKETING",
    },
    "contenido_imagen": {
        "language": "es",
        "header": "IMAGE",
        "body": "{{1}} Responda SALIR si ya no quiere recibir estos mensajes.",
        "parameters": 1,
        "category": "MARKETING",
    },
    "contenido_video": {
        "language": "es",
        "header": "VIDEO",
        "body": "{{1}} Responda SALIR si ya no quiere recibir estos mensajes.",
        "parameters": 1,
        "category": "MARKETING",
    },
}

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
RE_ENGAGEMENT_ERROR = 131047
RE_ENGAGEMENT_ERRORS = [
    {
        "code": RE_ENGAGEMENT_ERROR,
        "title": "Re-engagement message",
        "message": "Re-engagement message",
        "error_data": {
            "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
        },
    }
]
MEDIA_MIME_TYPES = {
    "image": "image/jpeg",
    "audio": "audio/ogg",
    "video": "video/mp4",
    "document": "application/pdf",
}
CAPTIONED_MEDIA = ("image", "video", "document")


def epoch(value: datetime) -> str:
    """Epoch seconds as a string, as the Cloud API writes timestamps."""
    return str(int(value.timestamp()))


def whatsapp_envelope(value: dict[str, Any]) -> dict[str, Any]:
    """A WhatsApp Cloud API webhook body around one change's `value`, in Meta's shape."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": DISPLAY_PHONE_NUMBER,
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


@dataclass
class Contact:
    wa_id: str
    name: str
    username: str | None = None
    """Set when the citizen turned on WhatsApp usernames: Meta then hides their phone number
    (webhooks carry only `from_user_id`, and answers go to the BSUID in `recipient`)."""

    @property
    def user_id(self) -> str:
        """The business-scoped user id, stable for a phone number: "CO." and 20 digits."""
        digest = hashlib.sha256(f"sandbox-bsuid-{self.wa_id}".encode()).digest()
        return "CO." + str(int.from_bytes(digest[:16], "big") % 10**20).zfill(20)


@dataclass
class InboundMessage:
    id: str
    contact: Contact
    type: str
    text: str
    created: datetime
    media: dict[str, str] | None = None

    @property
    def media_id(self) -> str | None:
        return self.media["id"] if self.media else None


class WhatsAppWorld(NetworkWorld):
    """One WhatsApp Business phone number, its contacts and the messages both ways."""

    name = "whatsapp"

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.contacts: dict[str, Contact] = {}
        self.messages: list[InboundMessage] = []
        self.last_inbound: dict[str, datetime] = {}
        self.replies: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        """Webhook payloads waiting to be delivered (the server takes them after each call)."""
        self.people = PersonIds(base=573000000000, span=10**9)  # a Colombian mobile number
        self.rules = NoticeRules()
        """Throughput, messaging limit, template statuses, recipients, receipts (the control
        API's POST /_sandbox/whatsapp)."""
        self.later = LaterStatuses()
        self.uploads: dict[str, dict[str, Any]] = {}
        """Media uploaded with POST /{phone-number-id}/media: id -> mime_type, size (no bytes)."""

    # --- ids -------------------------------------------------------------------------

    def new_wamid(self, wa_id: str, outbound: bool) -> str:
        """A message id shaped like Meta's: base64url of the contact and a growing number."""
        number = f"{self.next_number():X}".encode()
        raw = (
            b"\x1c\x18"
            + bytes([len(wa_id)])
            + wa_id.encode()
            + (b"\x15\x02\x00\x11\x18" if outbound else b"\x15\x02\x00\x12\x18")
            + bytes([len(number)])
            + number
            + b"\x00"
        )
        return "wamid." + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def new_media_id(self) -> str:
        return str(self.next_number())

    def wa_id_for(self, author: str, phone: str | None = None) -> str:
        """The contact's WhatsApp id: the phone's digits, or one derived from the whole name."""
        if phone:
            digits = "".join(ch for ch in str(phone) if ch.isdigit())
            if not digits:
                raise ValueError(f"el teléfono «{phone}» no tiene dígitos")
            self.people.claim(digits)
            return digits
        return self.people.id_for(author)

    # --- the world -------------------------------------------------------------------

    def contact(self, wa_id: str, name: str | None = None, username: str | None = None) -> Contact:
        found = self.contacts.get(wa_id)
        if found is None:
            found = self.contacts[wa_id] = Contact(wa_id, name or wa_id)
        elif name:
            found.name = name
        if username is not None:
            found.username = username or None
        return found

    def by_user_id(self, user_id: str) -> Contact | None:
        """The contact whose business-scoped user id (or parent id) this is."""
        return next((found for found in self.contacts.values() if found.user_id == user_id), None)

    def in_window(self, wa_id: str, now: datetime) -> bool:
        """Whether the contact wrote within the last 24 hours (free-form replies allowed)."""
        last = self.last_inbound.get(wa_id)
        return last is not None and now - last <= CUSTOMER_SERVICE_WINDOW

    def citizen_item(
        self,
        kind: str,
        text: str,
        author: str,
        on: str | None,
        at: datetime,
        phone: str | None = None,
        media: str | None = None,
        username: str | None = None,
    ) -> dict:
        """Control API: a citizen writes to the business number (text or media)."""
        if kind != "message":
            raise ValueError("whatsapp solo admite kind message")
        if media is not None and media not in MEDIA_MIME_TYPES:
            raise ValueError(f"media debe ser uno de {', '.join(MEDIA_MIME_TYPES)}")
        if media is None and not text:
            raise ValueError("un mensaje de whatsapp sin medio necesita texto")
        contact = self.contact(self.wa_id_for(author, phone), author, username)
        message = InboundMessage(
            self.new_wamid(contact.wa_id, outbound=False),
            contact,
            media or "text",
            "" if media == "audio" else text,
            at,
        )
        if media is not None:
            media_id = self.new_media_id()
            message.media = {
                "id": media_id,
                "mime_type": MEDIA_MIME_TYPES[media],
                "sha256": hashlib.sha256(f"sandbox-media-{media_id}".encode()).hexdigest(),
            }
            if media in CAPTIONED_MEDIA and message.text:
                message.media["caption"] = message.text
        self.messages.append(message)
        last = self.last_inbound.get(contact.wa_id)
        self.last_inbound[contact.wa_id] = at if last is None else max(last, at)
        self.events.append(self.message_event(message))
        return {
            "id": message.id,
            "from": None if contact.username else contact.wa_id,
            "from_user_id": contact.user_id,
            "author_id": contact.user_id if contact.username else contact.wa_id,
            "media_id": message.media_id,
        }

    def add_reply(
        self,
        wa_id: str,
        text: str,
        template: str | None,
        failed: bool,
        at: datetime,
        recipient: str | None = None,
        reference: str | None = None,
        error: dict[str, Any] | None = None,
        category: str | None = None,
    ) -> dict[str, Any]:
        """Record a message we sent and queue its status webhooks; `recipient` is the BSUID
        it was addressed to, when it went to one (no phone); `reference` the sender's
        `biz_opaque_callback_data`, echoed in its statuses; `error` why it failed (the
        re-engagement error when not given); `category` the template's (pricing).

        A message sent with a reference is tracked the whole way, as Meta does for every
        message: `sent` with pricing, then `delivered` and `read` (rules.read) after
        rules.status_delay. One without keeps the earlier, shorter life (`sent` only), which
        the replies' tests and receiver were written against."""
        reply = {
            "id": self.new_wamid(wa_id, outbound=True),
            "to": None if recipient else wa_id,
            "recipient": recipient,
            "wa_id": wa_id,
            "text": text,
            "public": False,
            "type": "template" if template else "text",
            "template": template,
            "status": "failed" if failed else "sent",
            "error": (error or RE_ENGAGEMENT_ERRORS[0])["code"] if failed else None,
        }
        if reference is not None:
            reply["biz_opaque_callback_data"] = reference
            reply["category"] = category.lower() if category else "service"
        self.replies.append(reply)
        self.events.append(self.status_event(reply, at, error=error))
        if reference is None or failed:
            return reply
        follow = ["delivered", "read"] if self.rules.read else ["delivered"]
        if self.rules.status_delay <= 0:
            for status in follow:
                self.events.append(self.receipt(reply, status, at))
        else:
            due = at + timedelta(seconds=self.rules.status_delay)
            for status in follow:
                self.later.add(due, reply, status)
        return reply

    def receipt(self, reply: dict[str, Any], status: str, at: datetime) -> dict[str, Any]:
        """A later status of a tracked message (delivered, read), recorded on the reply."""
        reply["status"] = status
        return self.status_event(reply, at)

    def take_events(self) -> list[dict[str, Any]]:
        """The webhook payloads queued since the last call, with the later statuses now due."""
        if len(self.later):
            for due, reply, status in self.later.due(self.now()):
                self.events.append(self.receipt(reply, status, due))
        events, self.events = self.events, []
        return events

    # --- webhook payloads, in Meta's shape ---------------------------------------------

    def message_event(self, message: InboundMessage) -> dict[str, Any]:
        """As Meta sends it since 2026: `from_user_id` always; `from` and `wa_id` only for a
        citizen without a username (Meta leaves the phone number out for those who have one)."""
        contact = message.contact
        profile: dict[str, Any] = {"name": contact.name}
        person: dict[str, Any] = {"profile": profile}
        body: dict[str, Any] = {}
        if contact.username:
            profile["username"] = contact.username
        else:
            person["wa_id"] = contact.wa_id
            body["from"] = contact.wa_id
        person["user_id"] = contact.user_id
        body.update({
            "from_user_id": contact.user_id,
            "id": message.id,
            "timestamp": epoch(message.created),
            "type": message.type,
        })  # fmt: skip
        if message.media is not None:
            body[message.type] = dict(message.media)
        else:
            body["text"] = {"body": message.text}
        return whatsapp_envelope({"contacts": [person], "messages": [body]})

    def status_event(
        self, reply: dict[str, Any], at: datetime, error: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Meta's shape: `recipient_id` only when it went to a phone number,
        `recipient_user_id` always but on a failed one sent to a phone number, `contacts`
        only when it did not fail; `pricing` on a tracked message that did not fail (its
        category: the template's, or service for free text in the window; no
        `conversation`: gone with per-message pricing)."""
        failed = reply["status"] == "failed"
        status: dict[str, Any] = {"id": reply["id"], "status": reply["status"]}
        status["timestamp"] = epoch(at)
        contact = self.contact(reply["wa_id"])
        if reply["to"]:
            status["recipient_id"] = reply["to"]
        if not (failed and reply["to"]):
            status["recipient_user_id"] = contact.user_id
        if reply.get("biz_opaque_callback_data") is not None:
            status["biz_opaque_callback_data"] = reply["biz_opaque_callback_data"]
        value: dict[str, Any] = {"statuses": [status]}
        if failed:
            status["errors"] = [dict(error or RE_ENGAGEMENT_ERRORS[0])]
        else:
            if "category" in reply:
                service = reply["category"] == "service"
                status["pricing"] = {
                    "billable": not service,
                    "pricing_model": "PMP",
                    "type": "free_customer_service" if service else "regular",
                    "category": reply["category"],
                }
            person: dict[str, Any] = {"profile": {"name": contact.name}}
            if reply["to"]:
                person["wa_id"] = contact.wa_id
            person["user_id"] = contact.user_id
            value = {"contacts": [person], **value}
        return whatsapp_envelope(value)

    def state(self) -> dict[str, Any]:
        return {
            "posts": [],
            "messages": [
                {
                    "id": message.id,
                    "from": message.contact.wa_id,
                    "from_user_id": message.contact.user_id,
                    "username": message.contact.username,
                    "type": message.type,
                    "text": message.text,
                    "media_id": message.media_id,
                    "created_time": graph_time(message.created),
                }
                for message in self.messages
            ],
            "replies": self.replies,
            "calls": dict(self.calls),
            "knobs": self.rules.state(list(APPROVED_TEMPLATES)),
            "unique_recipients_24h": self.rules.unique_recipients(self.now()),
            "statuses_waiting": len(self.later),
            "media": len(self.uploads),
        }
