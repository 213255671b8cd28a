"""What the WhatsApp number enforces on company-started messages (notices, content): its
throughput, its messaging limit per rolling 24 hours, each template's status, what happens
to each recipient, and when delivery and read receipts come back. The control API sets it
(POST /_sandbox/whatsapp); whatsapp.py asks it before recording a send.

Sources (see /work/research/whatsapp_notices.md, pages at developers.facebook.com under
/documentation/business-messaging/whatsapp/):
- throughput: "If you attempt to send more messages than your current throughput level
  allows, the API will return error code 130429 until you are within your allowed level
  again" (throughput page). Shape of the answer: the error-codes page's syntax, with the
  `details` of its webhook example ("messages/errors" reference).
- messaging limits: unique users "outside of a customer service window, within a moving
  24-hour period" (messaging-limits page). Meta documents no error code for going past it;
  the simulator answers synchronously with 131048 ("Spam rate limit hit: ... restrictions on
  how many messages can be sent from this phone number"), the documented code whose meaning
  is closest, and a retry after the window frees a place succeeds.
- templates: 132015 paused and 132016 disabled (error-codes table; titles as Meta words
  them there, from memory: the excerpts did not show them), 132001 for a template that is
  not approved ("does not exist in the specified language or ... has not been approved").
- recipients: 131026 (undeliverable: not on WhatsApp, or blocked us) and 131049 (per-user
  marketing limit, marketing templates only) come in the `failed` status webhook after an
  accepted send, as Meta's status reference shows for 131049.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from channels.sandbox.control import ControlError, Fields

TEMPLATE_STATUSES = ("APPROVED", "PAUSED", "DISABLED", "REJECTED", "PENDING")
RECIPIENT_STATES = ("blocked", "not_whatsapp", "marketing_limit", "ok")
MAX_THROUGHPUT = 100_000.0
MAX_DAILY_LIMIT = 100_000_000
MAX_STATUS_DELAY = 3_600.0
MAX_RECIPIENTS = 100_000
"""Recipient states one control call may set."""
THROUGHPUT_WINDOW = timedelta(seconds=1)
MESSAGING_WINDOW = timedelta(hours=24)

THROUGHPUT_ERROR = (
    130429,
    "(#130429) Rate limit hit",
    "Message failed to send because there were too many messages sent from this phone "
    "number in a short period of time",
)
MESSAGING_LIMIT_ERROR = (
    131048,
    "(#131048) Spam rate limit hit",
    "Message failed to send because there are restrictions on how many messages can be sent "
    "from this phone number. The messaging limit of unique users in 24 hours was reached.",
)
TEMPLATE_ERRORS: dict[str, tuple[int, str, str]] = {
    "PAUSED": (
        132015,
        "(#132015) Template is Paused",
        "Template is paused due to low quality so it cannot be sent in a template message.",
    ),
    "DISABLED": (
        132016,
        "(#132016) Template is disabled",
        "Template has been paused too many times due to low quality and is now permanently "
        "disabled.",
    ),
    "REJECTED": (
        132001,
        "(#132001) Template name does not exist in the translation",
        "The template does not exist in the specified language or the template has not "
        "been approved.",
    ),
}
TEMPLATE_ERRORS["PENDING"] = TEMPLATE_ERRORS["REJECTED"]

UNDELIVERABLE = {
    "code": 131026,
    "title": "Message undeliverable",
    "message": "Message undeliverable",
    "error_data": {
        "details": "Unable to deliver message. Reasons can include: The recipient phone number "
        "is not a WhatsApp phone number; the recipient has blocked the business."
    },
    "href": "/documentation/business-messaging/whatsapp/support/error-codes",
}
MARKETING_LIMIT = {
    "code": 131049,
    "title": "This message was not delivered to maintain healthy ecosystem engagement.",
    "message": "This message was not delivered to maintain healthy ecosystem engagement.",
    "error_data": {
        "details": "In order to maintain a healthy ecosystem engagement, the message failed "
        "to be delivered."
    },
    "href": "/documentation/business-messaging/whatsapp/support/error-codes",
}


@dataclass
class NoticeRules:
    """The number's limits and the world's answers to company-started messages."""

    throughput: float | None = None
    """Messages per second (text and template) the number takes; None: no limit."""
    daily_limit: int | None = None
    """Unique recipients of templates outside their service window per rolling 24 h."""
    templates: dict[str, str] = field(default_factory=dict)
    """Template name -> status, for the ones that are not APPROVED."""
    recipients: dict[str, str] = field(default_factory=dict)
    """wa_id -> blocked | not_whatsapp | marketing_limit (the rest are ok)."""
    read: bool = True
    status_delay: float = 0.0
    _sent: deque[datetime] = field(default_factory=deque)
    """When each accepted send of the last second went out (the sliding window)."""
    _counted: dict[str, datetime] = field(default_factory=dict)
    """Recipients counted against the messaging limit, with when they were counted."""
    _counted_order: deque[tuple[datetime, str]] = field(default_factory=deque)

    def template_status(self, name: str) -> str:
        return self.templates.get(name, "APPROVED")

    def recipient(self, wa_id: str) -> str:
        return self.recipients.get(wa_id, "ok")

    # --- limits (each check is amortised O(1): the windows drop what left them) ----------

    def over_throughput(self, now: datetime) -> bool:
        """Whether one more send now would pass the throughput (per sliding second)."""
        if self.throughput is None:
            return False
        sent = self._sent
        while sent and now - sent[0] >= THROUGHPUT_WINDOW:
            sent.popleft()
        return len(sent) + 1 > self.throughput

    def over_messaging_limit(self, wa_id: str, now: datetime) -> bool:
        """Whether a template to `wa_id` (outside its service window) would be one unique
        recipient too many in the rolling 24 hours."""
        self._expire(now)
        if self.daily_limit is None or wa_id in self._counted:
            return False
        return len(self._counted) >= self.daily_limit

    def record(self, wa_id: str, now: datetime, counts: bool) -> None:
        """An accepted send: it takes its place in the second; `counts` when it is a
        template outside the recipient's service window."""
        if self.throughput is not None:
            self._sent.append(now)
        if counts and wa_id not in self._counted:
            self._counted[wa_id] = now
            self._counted_order.append((now, wa_id))

    def _expire(self, now: datetime) -> None:
        order = self._counted_order
        while order and now - order[0][0] >= MESSAGING_WINDOW:
            at, wa_id = order.popleft()
            if self._counted.get(wa_id) == at:
                del self._counted[wa_id]

    def unique_recipients(self, now: datetime) -> int:
        self._expire(now)
        return len(self._counted)

    # --- the control API -------------------------------------------------------------

    def state(self, known_templates: list[str]) -> dict[str, Any]:
        return {
            "throughput": self.throughput,
            "daily_limit": self.daily_limit,
            "templates": {name: self.template_status(name) for name in known_templates},
            "recipients": dict(self.recipients),
            "read": self.read,
            "status_delay": self.status_delay,
        }

    def configure(self, body: Fields, known_templates: list[str]) -> None:
        """Apply a POST /_sandbox/whatsapp body, checked whole before anything changes."""
        given = body.body
        where = body.where
        unknown = sorted(set(given) - {"throughput", "daily_limit", "templates", "recipients",
                                       "read", "status_delay"})  # fmt: skip
        if unknown:
            raise ControlError(
                f"«{unknown[0]}» no es un ajuste de {where}; use throughput, daily_limit, "
                "templates, recipients, read o status_delay"
            )
        changes: dict[str, Any] = {}
        if "throughput" in given:
            changes["throughput"] = _optional_number(
                given["throughput"], "throughput", where, MAX_THROUGHPUT
            )
        if "daily_limit" in given:
            value = given["daily_limit"]
            if value is not None and (type(value) is not int or not 0 <= value <= MAX_DAILY_LIMIT):
                raise _wrong(
                    "daily_limit", where, f"un entero de 0 a {MAX_DAILY_LIMIT} o null", value
                )
            changes["daily_limit"] = value
        if "read" in given:
            changes["read"] = body.flag("read")
        if "status_delay" in given:
            changes["status_delay"] = body.number("status_delay", 0.0, 0.0, MAX_STATUS_DELAY)
        templates = _mapping(given.get("templates"), "templates", where, len(known_templates))
        for name, status in templates.items():
            if name not in known_templates:
                raise ControlError(
                    f"la plantilla «{name}» no existe en el simulador; las plantillas son: "
                    + ", ".join(known_templates)
                )
            if status not in TEMPLATE_STATUSES:
                raise _wrong(
                    f"templates.{name}", where, "uno de: " + ", ".join(TEMPLATE_STATUSES), status
                )
        recipients = _mapping(given.get("recipients"), "recipients", where, MAX_RECIPIENTS)
        for wa_id, state in recipients.items():
            if not (wa_id.isascii() and wa_id.isdigit() and 1 <= len(wa_id) <= 15):
                raise _wrong(
                    "recipients", where, "un objeto cuyas claves son wa_id de 1 a 15 dígitos", wa_id
                )
            if state not in RECIPIENT_STATES:
                raise _wrong(
                    f"recipients.{wa_id}", where, "uno de: " + ", ".join(RECIPIENT_STATES), state
                )
        for name, value in changes.items():
            setattr(self, name, value)
        for name, status in templates.items():
            if status == "APPROVED":
                self.templates.pop(name, None)
            else:
                self.templates[name] = status
        for wa_id, state in recipients.items():
            if state == "ok":
                self.recipients.pop(wa_id, None)
            else:
                self.recipients[wa_id] = state

    # --- the snapshot ----------------------------------------------------------------

    def saved(self) -> dict[str, Any]:
        """What a saved world keeps: the settings, not the windows."""
        return {
            "throughput": self.throughput,
            "daily_limit": self.daily_limit,
            "templates": dict(self.templates),
            "recipients": dict(self.recipients),
            "read": self.read,
            "status_delay": self.status_delay,
        }

    def restore(self, data: dict[str, Any]) -> None:
        throughput, limit = data["throughput"], data["daily_limit"]
        self.throughput = None if throughput is None else float(throughput)
        self.daily_limit = None if limit is None else int(limit)
        self.templates = {str(k): str(v) for k, v in data["templates"].items()}
        self.recipients = {str(k): str(v) for k, v in data["recipients"].items()}
        self.read = bool(data["read"])
        self.status_delay = float(data["status_delay"])


def _wrong(name: str, where: str, wanted: str, value: Any) -> ControlError:
    shown = json.dumps(value, ensure_ascii=False)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return ControlError(f"«{name}» en {where} debe ser {wanted}, no {shown}")


def _optional_number(value: Any, name: str, where: str, highest: float) -> float | None:
    if value is None:
        return None
    wanted = f"un número mayor que 0 y hasta {highest:g}, o null (sin límite)"
    if type(value) not in (int, float) or not math.isfinite(value) or not 0 < value <= highest:
        raise _wrong(name, where, wanted, value)
    return float(value)


def _mapping(value: Any, name: str, where: str, most: int) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _wrong(name, where, "un objeto JSON ({...})", value)
    if len(value) > most:
        raise ControlError(f"«{name}» en {where} tiene {len(value)} entradas; el máximo es {most}")
    return value


class LaterStatuses:
    """Status webhooks due later (delivered, read), in order: by due time, then as queued."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, dict[str, Any], str]] = []
        self._order = itertools.count()

    def add(self, due: datetime, reply: dict[str, Any], status: str) -> None:
        heapq.heappush(self._heap, (due, next(self._order), reply, status))

    def due(self, now: datetime) -> list[tuple[datetime, dict[str, Any], str]]:
        """The statuses due by `now`, taken out in order."""
        out = []
        while self._heap and self._heap[0][0] <= now:
            due, _, reply, status = heapq.heappop(self._heap)
            out.append((due, reply, status))
        return out

    def next_due(self) -> datetime | None:
        return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)
