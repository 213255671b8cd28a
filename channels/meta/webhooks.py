"""Meta's webhook payloads (WhatsApp, Page comments, Messenger, Instagram comments and
Direct messages) as what a citizen wrote.

Only signed bodies get here. A body whose envelope is wrong is refused whole
(`MalformedEvent`). Inside a good envelope each entry and each event stands alone: one we
cannot read is set aside (recorded with why, `Delivery.set_aside`) and skipped, so it does
not hold back the others (Meta would retry the whole delivery for days); kinds we do not
handle (reactions, edits, read receipts) are counted and left alone. Texts are handed on
whole: the intake cuts them at the network's maximum and records the cut.

WhatsApp names a citizen by phone number (`from`), by business-scoped user id (BSUID,
`from_user_id`), or both: the phone is the author when it came, the BSUID its alias (the
intake keeps one author for both). Messenger's `standby` events (a conversation another app
owns, handover protocol) are kept to be seen, marked to be left alone (`Incoming.left_alone`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from channels.base import (
    Attachment,
    Incoming,
    SetAside,
    Unreadable,
    citizen_text,
    readable_id,
    readable_text,
)
from channels.meta.facebook_reading import messenger_attachment, messenger_message, page_comment
from channels.meta.instagram_reading import instagram_comment, instagram_message
from channels.specs import FACEBOOK, INSTAGRAM, SPECS, WHATSAPP

log = logging.getLogger("conectados.webhooks")  # the receiver's log: the team reads it there

MAX_ID = 255
MAX_TEXT = 1_000
"""Names, titles, media types: not what the citizen wrote (that is cut on storing)."""
NETWORK_OF: Mapping[str, str] = MappingProxyType(
    {found.webhook_object: name for name, found in SPECS.items() if found.webhook_object}
)
"""Meta's webhook `object` -> the network whose events it brings (from the specs)."""
MEDIA_KINDS = ("image", "video", "audio", "document", "sticker")


@dataclass(frozen=True)
class WebhookAccounts:
    """What a receiver checks Meta's deliveries against: the handshake token, the app
    secret that signs them, and whose events they are (network -> the company's account
    id there: the Page's, the number's)."""

    verify_token: str = field(repr=False)
    app_secret: str = field(repr=False)
    accounts: Mapping[str, str] = field(default_factory=dict)


class MalformedEvent(ValueError):
    """The body is not a Meta webhook payload: it is refused with 400 and nothing is stored."""


SEND_STATUSES = ("sent", "delivered", "read", "failed")
MAX_REFERENCE = 512


@dataclass(frozen=True)
class SendStatus:
    """What WhatsApp says of a message we sent: sent, delivered, read or failed (with Meta's
    code and detail), and our `biz_opaque_callback_data` when the send carried one."""

    remote_id: str
    status: str
    at: datetime
    reference: str | None = None
    code: int | None = None
    detail: str = ""


@dataclass
class Delivery:
    """What one webhook request carried."""

    network: str = ""
    items: list[Incoming] = field(default_factory=list)
    failed_sends: list[tuple[str, int | None, str]] = field(default_factory=list)
    """(id of a message we sent, WhatsApp's error code, why it could not deliver it)."""
    statuses: list[SendStatus] = field(default_factory=list)
    """Every status of a message we sent (the notices count them)."""
    ignored: int = 0
    set_aside: list[SetAside] = field(default_factory=list)
    """Events that could not be read: recorded with why, and skipped."""
    renamed: list[tuple[str, str]] = field(default_factory=list)
    """(an id a citizen had, their new id): WhatsApp changed their BSUID; the new one is
    linked to the same author when stored (`responders.intake.link_renamed`)."""

    @property
    def nothing_readable(self) -> bool:
        """Every event in it was set aside: nothing to store but why."""
        return bool(self.set_aside) and not (
            self.items or self.failed_sends or self.statuses or self.ignored or self.renamed
        )

    def read(self, where: str, kind: str, raw: Any, event: Callable[[], None]) -> None:
        """Run one event's reading; a malformed event is set aside, the others go on."""
        try:
            event()
        except (MalformedEvent, Unreadable, AttributeError, TypeError, ValueError, KeyError) as exc:
            reason = str(exc) if isinstance(exc, MalformedEvent | Unreadable) else "ilegible"
            reason = f"{where}: {reason}" if not reason.startswith(where) else reason
            log.warning("webhook: evento apartado: %s", reason)
            # An entry's id is the Page's or the account's, shared by every entry: not its own.
            remote = None if where == "entry[]" else _some_id(raw)
            self.set_aside.append(SetAside.of(self.network, kind, reason, raw, remote))


def parse_delivery(
    payload: Any, now: datetime, accounts: Mapping[str, str] | None = None
) -> Delivery:
    """Read a webhook body; `accounts` (network -> account id), where it names a network's
    account, skips other accounts' events of that network."""
    body = _mapping(payload, "el cuerpo")
    kind = body.get("object")
    entries = _list(body.get("entry"), "entry")
    network = NETWORK_OF.get(kind) if isinstance(kind, str) else None
    delivery = Delivery(network=network or str(kind)[:20])
    reader = ENTRY_READERS.get(network) if network else None
    account = (accounts or {}).get(network) if network else None
    for entry in entries:
        delivery.read(
            "entry[]",
            "event",
            entry,
            lambda e=entry: _entry(reader, e, now, account, delivery),
        )
    return delivery


EntryReader = Callable[[dict[str, Any], datetime, "str | None", Delivery], None]
"""Reads one entry of a network's delivery: (entry, now, the company's account id there or
None to take every account's, the delivery it adds to)."""


def _entry(
    reader: EntryReader | None,
    entry: Any,
    now: datetime,
    account: str | None,
    delivery: Delivery,
) -> None:
    entry = _mapping(entry, "entry[]")
    if reader is None:
        delivery.ignored += 1  # a network not connected to Conectados
        return
    reader(entry, now, account, delivery)


def accepts(network: str, accounts: Mapping[str, str]) -> bool:
    """Whether a receiver set up with these accounts takes this network's events: a network
    Meta's webhook brings is taken when it has an account (it is on); what came under an
    `object` no spec names is kept, so an unreadable one is recorded with why."""
    return network in accounts or network not in NETWORK_OF.values()


def _some_id(raw: Any) -> str | None:
    """The id of an event that could not be read, when it has one we can keep."""
    if not isinstance(raw, dict):
        return None
    value = raw.get("value") if isinstance(raw.get("value"), dict) else {}
    message = raw.get("message") if isinstance(raw.get("message"), dict) else {}
    candidates = (raw.get("id"), value.get("comment_id"), value.get("id"), message.get("mid"))
    for candidate in candidates:
        found = readable_id(candidate)
        if found is not None:
            return found
    return None


# --- WhatsApp ----------------------------------------------------------------------------


def _whatsapp_entry(
    entry: dict[str, Any], now: datetime, phone_number_id: str | None, delivery: Delivery
) -> None:
    for change in _list(entry.get("changes", []), "changes"):
        delivery.read(
            "changes[]",
            "event",
            change,
            lambda c=change: _whatsapp_change(c, now, phone_number_id, delivery),
        )


def _whatsapp_change(
    change: Any, now: datetime, phone_number_id: str | None, delivery: Delivery
) -> None:
    change = _mapping(change, "changes[]")
    value = _mapping(change.get("value"), "value")
    if change.get("field") == "user_id_update":
        # {"user_id": {"previous": old BSUID, "current": new BSUID}}: the same citizen. A
        # BSUID belongs to the business portfolio, not to one number: taken from any number.
        ids = _mapping(value.get("user_id"), "value.user_id")
        previous = _bsuid(ids.get("previous"), "user_id.previous")
        current = _bsuid(ids.get("current"), "user_id.current")
        if previous is None or current is None:
            raise MalformedEvent("user_id_update sin user_id.previous o user_id.current")
        delivery.renamed.append((previous, current))
        return
    if change.get("field") != "messages":
        delivery.ignored += 1
        return
    metadata = value.get("metadata") or {}
    if phone_number_id and str(metadata.get("phone_number_id")) != phone_number_id:
        delivery.ignored += 1  # another number of the same business account
        return
    # Names by either id: a citizen with a username may come without a phone number.
    names: dict[str, str] = {}
    for contact in _list(value.get("contacts", []), "contacts"):
        if not isinstance(contact, dict):
            continue
        profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
        name = _text(profile.get("name")) or _username(profile.get("username"))
        for key in ("wa_id", "user_id"):
            found = _optional_id(contact.get(key))
            if found and name:
                names[found] = name
    for message in _list(value.get("messages", []), "messages"):

        def one(message=message) -> None:
            message = _mapping(message, "messages[]")
            renamed = _user_id_changed(message)
            if renamed:
                delivery.renamed.extend(renamed)
                return
            incoming = _whatsapp_message(message, names, now)
            if incoming is None:
                delivery.ignored += 1
            else:
                delivery.items.append(incoming)

        delivery.read("messages[]", "message", message, one)
    for status in _list(value.get("statuses", []), "statuses"):

        def one_status(status=status) -> None:
            status = _mapping(status, "statuses[]")
            remote_id = _id(status.get("id"), "statuses[].id")
            said = status.get("status")
            if said not in SEND_STATUSES:
                delivery.ignored += 1  # played (voice), group events: nothing of ours
                return
            code, reason = _why(status) if said == "failed" else (None, "")
            reference = status.get("biz_opaque_callback_data")
            delivery.statuses.append(
                SendStatus(
                    remote_id,
                    said,
                    _epoch(status["timestamp"], now) if status.get("timestamp") else now,
                    reference[:MAX_REFERENCE] if isinstance(reference, str) else None,
                    code,
                    _meta_detail(status) if said == "failed" else "",
                )
            )
            if said == "failed":
                delivery.failed_sends.append((remote_id, code, reason))
            else:
                delivery.ignored += 1  # nothing for the replies; the notices count it

        delivery.read("statuses[]", "status", status, one_status)


def _username(value: Any) -> str:
    """A WhatsApp username as a name: "@name" (Meta's docs show it with and without the @)."""
    name = _text(value).strip()
    return f"@{name.removeprefix('@')}" if name.removeprefix("@") else ""


BSUID_LONGEST = 128


def is_bsuid(value: Any) -> bool:
    """Whether `value` is a WhatsApp business-scoped user id: two capital letters (the
    country), a period, an optional "ENT." (a parent id), then 1 to 128 letters and digits
    ("CO.13491208655302741918"). A linear check, no regular expression."""
    if not isinstance(value, str) or len(value) < 4 or value[2] != ".":
        return False
    country, rest = value[:2], value[3:]
    if not (country.isascii() and country.isalpha() and country.isupper()):
        return False
    rest = rest.removeprefix("ENT.")
    return 0 < len(rest) <= BSUID_LONGEST and rest.isascii() and rest.isalnum()


def _bsuid(value: Any, where: str) -> str | None:
    """An optional BSUID field: absent is None; present and malformed is unreadable."""
    if value is None:
        return None
    if not is_bsuid(value):
        raise MalformedEvent(f"{where} no es un identificador de usuario de WhatsApp válido")
    return value


def _user_id_changed(message: dict[str, Any]) -> list[tuple[str, str]]:
    """A system message saying the citizen's BSUID changed (`system.type`
    "user_changed_user_id", the new one in `system.user_id`): (each id they wrote from,
    the new BSUID). Any other message: nothing."""
    system = message.get("system")
    if message.get("type") != "system" or not isinstance(system, dict):
        return []
    if system.get("type") != "user_changed_user_id":
        return []
    current = _bsuid(system.get("user_id"), "system.user_id")
    if current is None:
        raise MalformedEvent("system.user_id falta")
    phone, user_id = _sender_ids(message)
    return [(old, current) for old in (user_id, phone) if old and old != current]


def _sender_ids(message: dict[str, Any]) -> tuple[str | None, str | None]:
    """(phone number, BSUID) of a message's sender. Absent or empty is None: a citizen with a
    username comes without the phone. With the phone, a BSUID in a shape we do not know is
    dropped (the phone is enough; logged without it, it is personal data); as the only id
    it makes the message unreadable."""
    raw = message.get("from")
    phone = None if raw is None or raw == "" else _id(raw, "messages[].from")
    try:
        user_id = _bsuid(message.get("from_user_id"), "messages[].from_user_id")
    except MalformedEvent:
        if phone is None:
            raise
        log.warning("webhook: from_user_id con un formato desconocido; se usa el teléfono")
        user_id = None
    return phone, user_id


def _whatsapp_message(message: dict[str, Any], names: dict[str, str], now: datetime):
    # Since 2026 a citizen is a phone number (`from`), a business-scoped user id
    # (`from_user_id`), or both; a citizen with a username may come without the phone.
    if message.get("type") == "system":
        return None  # a changed number: the next message links it by the other id
    phone, user_id = _sender_ids(message)
    sender = phone or user_id
    if sender is None:
        raise MalformedEvent("messages[].from falta o no es un identificador válido")
    kind = message.get("type")
    text, attachments = "", ()
    if kind == "text":
        text = citizen_text(_mapping(message.get("text"), "text").get("body"), "text.body")
    elif kind in MEDIA_KINDS:
        media = _mapping(message.get(kind), f"messages[].{kind}")
        attachments = (
            Attachment(kind, _id(media.get("id"), f"{kind}.id"), _text(media.get("mime_type"))),
        )
        text = citizen_text(media.get("caption"), f"{kind}.caption")
    elif kind == "location":
        place = _mapping(message.get("location"), "messages[].location")
        where = (
            ", ".join(_text(place.get(key)) for key in ("name", "address") if place.get(key))
            or f"{place.get('latitude')}, {place.get('longitude')}"
        )
        text = readable_text(f"[ubicación compartida: {where}]")
    elif kind == "interactive":
        chosen = message.get("interactive") or {}
        reply = chosen.get("button_reply") or chosen.get("list_reply") or {}
        text = _text(reply.get("title"))
    elif kind == "button":
        text = _text((message.get("button") or {}).get("text"))
    else:
        return None  # reactions, system notices, unsupported messages
    if not text and not attachments:
        return None
    context = message.get("context") or {}
    return Incoming(
        network=WHATSAPP.name,
        kind="message",
        remote_id=_id(message.get("id"), "messages[].id"),
        author_id=sender,
        author_alias=user_id if phone else None,
        author_name=names.get(sender) or names.get(user_id or "", ""),
        text=text,
        written_at=_epoch(message.get("timestamp"), now),
        thread_id=sender,
        parent_id=_optional_id(context.get("id")),
        attachments=attachments,
    )


def _meta_detail(status: dict[str, Any]) -> str:
    """Meta's own words for a failed send: title, message and `error_data.details`."""
    errors = status.get("errors") or [{}]
    first = errors[0] if isinstance(errors, list) and isinstance(errors[0], dict) else {}
    data = first.get("error_data") if isinstance(first.get("error_data"), dict) else {}
    parts = [_text(first.get("title")), _text(first.get("message")), _text(data.get("details"))]
    said: list[str] = []
    for part in parts:
        if part and part not in said:
            said.append(part)
    return ": ".join(said)[:500]


def _why(status: dict[str, Any]) -> tuple[int | None, str]:
    errors = status.get("errors") or [{}]
    first = errors[0] if isinstance(errors, list) and isinstance(errors[0], dict) else {}
    code = first.get("code") if isinstance(first.get("code"), int) else None
    details = _text((first.get("error_data") or {}).get("details") or first.get("title"))
    if code in WHATSAPP.window_closed_codes:
        return code, (
            "WhatsApp no la entregó: pasaron más de 24 horas desde el último mensaje del "
            f"ciudadano (código {code})"
        )
    said = f" (código {code})" if code is not None else ""
    return code, f"WhatsApp no la entregó{said}: {details or 'sin detalle'}"[:500]


# --- Facebook Page: comments and Messenger -----------------------------------------------


def _page_entry(
    entry: dict[str, Any], now: datetime, page_id: str | None, delivery: Delivery
) -> None:
    if page_id and str(entry.get("id")) != page_id:
        delivery.ignored += 1
        return
    for change in _list(entry.get("changes", []), "changes"):
        delivery.read(
            "changes[]",
            "comment",
            change,
            lambda c=change: _page_change(c, now, page_id, delivery),
        )
    for event in _list(entry.get("messaging", []), "messaging"):
        delivery.read(
            "messaging[]", "message", event, lambda e=event: _messenger_event(e, now, delivery)
        )
    # The handover protocol: another app owns these conversations. Their messages come here
    # to be seen (stored, listed), never answered while the other app attends them.
    for event in _list(entry.get("standby", []), "standby"):
        delivery.read(
            "standby[]",
            "message",
            event,
            lambda e=event: _messenger_event(e, now, delivery, STANDBY_REASON),
        )


def _page_change(change: Any, now: datetime, page_id: str | None, delivery: Delivery) -> None:
    change = _mapping(change, "changes[]")
    value = _mapping(change.get("value"), "value")
    if (
        change.get("field") != "feed"
        or value.get("item") != "comment"
        or value.get("verb") != "add"
    ):
        delivery.ignored += 1  # likes, edits, removals, the page's own posts
        return
    # Meta leaves `from` out for some people; the poll of the same comment brings it.
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    author_id = _optional_id(author.get("id")) or ""
    if page_id and author_id == page_id:
        delivery.ignored += 1  # our own reply
        return
    post_id = _id(value.get("post_id"), "value.post_id")
    delivery.items.append(
        page_comment(
            _id(value.get("comment_id"), "value.comment_id"),
            author,
            value.get("message"),
            "value.message",
            _epoch(value.get("created_time"), now),
            post_id,
            _optional_id(value.get("parent_id")),
        )
    )


STANDBY_REASON = "otra aplicación atiende esta conversación (Messenger: standby); no se responde"


def _message_content(message: dict[str, Any]) -> tuple[str, tuple[Attachment, ...]]:
    """What a Messenger Platform message carries (Messenger and Instagram Direct alike): its
    text, readable, and its files; an item without a type or address is left out."""
    attachments = tuple(
        messenger_attachment(item.get("type"), (item.get("payload") or {}).get("url"))
        for item in _list(message.get("attachments", []), "attachments")
        if isinstance(item, dict)
    )
    return citizen_text(message.get("text"), "message.text"), attachments


def _messenger_event(
    event: Any, now: datetime, delivery: Delivery, left_alone: str | None = None
) -> None:
    event = _mapping(event, "messaging[]")
    message = event.get("message")
    if not isinstance(message, dict) or message.get("is_echo"):
        delivery.ignored += 1  # read receipts, deliveries, postbacks, our own messages
        return
    text, attachments = _message_content(message)
    if not text and not attachments:
        delivery.ignored += 1
        return
    sender = _id((event.get("sender") or {}).get("id"), "messaging[].sender.id")
    incoming = messenger_message(
        _id(message.get("mid"), "message.mid"),
        sender,
        None,  # Messenger's webhook does not say who; polling does
        text,
        _epoch(event.get("timestamp"), now, milliseconds=True),
        attachments=attachments,
    )
    delivery.items.append(replace(incoming, left_alone=left_alone) if left_alone else incoming)


# --- Instagram: comments and Direct messages -------------------------------------------


def _instagram_entry(
    entry: dict[str, Any], now: datetime, ig_user_id: str | None, delivery: Delivery
) -> None:
    """`object: "instagram"`: comments under `changes[]` (field comments or live_comments),
    Direct messages under `messaging[]`; the entry's id is our professional account's."""
    if ig_user_id and str(entry.get("id")) != ig_user_id:
        delivery.ignored += 1
        return
    for change in _list(entry.get("changes", []), "changes"):
        delivery.read(
            "changes[]",
            "comment",
            change,
            lambda c=change: _instagram_change(c, entry, now, ig_user_id, delivery),
        )
    for event in _list(entry.get("messaging", []), "messaging"):
        delivery.read(
            "messaging[]",
            "message",
            event,
            lambda e=event: _instagram_direct(e, now, ig_user_id, delivery),
        )


def _instagram_change(
    change: Any, entry: dict[str, Any], now: datetime, ig_user_id: str | None, delivery: Delivery
) -> None:
    change = _mapping(change, "changes[]")
    if change.get("field") not in ("comments", "live_comments"):
        delivery.ignored += 1  # mentions, story insights: not read here
        return
    value = _mapping(change.get("value"), "value")
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    if ig_user_id and _optional_id(author.get("id")) == ig_user_id:
        delivery.ignored += 1  # our own reply
        return
    media = _mapping(value.get("media"), "value.media")
    # The comment's value has no time of its own: the entry's (seconds) is when Meta sent it.
    at = entry.get("time")
    written = now if at is None else _epoch(at, now, milliseconds=_in_milliseconds(at))
    delivery.items.append(
        instagram_comment(
            _id(value.get("id"), "value.id"),
            author,
            value.get("text"),
            "value.text",
            written,
            _id(media.get("id"), "value.media.id"),
            _optional_id(value.get("parent_id")),
        )
    )


def _in_milliseconds(value: Any) -> bool:
    """Meta's entry times come in seconds (changes) or milliseconds (messaging)."""
    return isinstance(value, int | float) and value > 10**11


def _instagram_direct(
    event: Any, now: datetime, ig_user_id: str | None, delivery: Delivery
) -> None:
    event = _mapping(event, "messaging[]")
    message = event.get("message")
    sender = (
        (event.get("sender") or {}).get("id") if isinstance(event.get("sender"), dict) else None
    )
    if not isinstance(message, dict) or message.get("is_echo") or message.get("is_deleted"):
        delivery.ignored += 1  # reactions, seen, postbacks, our own messages (echoes)
        return
    if ig_user_id and str(sender) == ig_user_id:
        delivery.ignored += 1  # an echo without its flag: still ours
        return
    text, attachments = _message_content(message)
    if not text and not attachments:
        delivery.ignored += 1
        return
    delivery.items.append(
        instagram_message(
            _id(message.get("mid"), "message.mid"),
            _id(sender, "messaging[].sender.id"),
            text,
            _epoch(event.get("timestamp"), now, milliseconds=True),
            attachments,
        )
    )


ENTRY_READERS: Mapping[str, EntryReader] = MappingProxyType(
    {
        WHATSAPP.name: _whatsapp_entry,
        FACEBOOK.name: _page_entry,
        INSTAGRAM.name: _instagram_entry,
    }
)
"""Each network Meta's webhook brings -> how one entry of its deliveries is read. Another
Meta network is its spec's `webhook_object` and one reader here."""


# --- checked reading ---------------------------------------------------------------------


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedEvent(f"{where} debe ser un objeto JSON")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise MalformedEvent(f"{where} debe ser una lista")
    return value


def _id(value: Any, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or len(value) > MAX_ID or not value.isprintable():
        raise MalformedEvent(f"{where} falta o no es un identificador válido")
    return value


def _optional_id(value: Any) -> str | None:
    return value if isinstance(value, str) and readable_id(value) else None


def _text(value: Any) -> str:
    """A name, title or media type, readable (`readable_text`) and cut short."""
    return readable_text(value[:MAX_TEXT]) if isinstance(value, str) else ""


def _epoch(value: Any, now: datetime, milliseconds: bool = False) -> datetime:
    """A network's timestamp; never later than now (a clock ahead must not open windows)."""
    try:
        seconds = float(value) / (1000 if milliseconds else 1)
        written = datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise MalformedEvent("timestamp falta o no es una fecha válida") from None
    return min(written, now)
