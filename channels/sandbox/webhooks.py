"""Meta webhooks from the sandbox: subscriptions with the verification handshake, signed
deliveries with Meta's retries, and the Page events (comments, Messenger) and Instagram's
(comments, Direct messages) in Meta's shape.

Deliveries never run under the sandbox's lock: a receiver may call back into the sandbox.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import queue
import random
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from channels.sandbox.graph_world import PAGE_ID, Comment, Message, Person
from channels.sandbox.http import json_bytes
from channels.sandbox.instagram_world import IG_USER_ID, Citizen, DirectMessage
from channels.sandbox.instagram_world import Comment as InstagramComment
from channels.sandbox.whatsapp_world import APP_SECRET, VERIFY_TOKEN

log = logging.getLogger(__name__)

OBJECTS = ("whatsapp_business_account", "page", "instagram")
TIMEOUT_SECONDS = 5.0
VERIFY_TIMEOUT_SECONDS = 15.0
"""The subscription's verification waits longer than a delivery: it is the receiver's first
request, made while the receiver is still starting (and, on a busy machine, slow to)."""
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
"""After a failed first attempt, Meta tries again; here 4 more times with this backoff."""


def sign(secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 header: HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    """The bytes sent (and signed): compact JSON, UTF-8."""
    return json_bytes(payload, separators=(",", ":"))


# --- Page events, in Meta's shape ------------------------------------------------------


def page_comment_event(comment: Comment) -> dict[str, Any]:
    """The `feed` change Meta sends when someone comments on a Page post."""
    created = int(comment.created.timestamp())
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": created,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": comment.author.id, "name": comment.author.name},
                            "post": {"id": comment.post_id},
                            "post_id": comment.post_id,
                            "comment_id": comment.id,
                            "parent_id": comment.parent_id or comment.post_id,
                            "item": "comment",
                            "verb": "add",
                            "created_time": created,
                            "message": comment.message,
                        },
                    }
                ],
            }
        ],
    }


def page_message_event(sender: Person, message: Message) -> dict[str, Any]:
    """The `messaging` entry Meta sends when someone writes to the Page on Messenger."""
    millis = _millis(message.created)
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": millis,
                "messaging": [
                    {
                        "sender": {"id": sender.id},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": millis,
                        "message": messenger_message_body(message),
                    }
                ],
            }
        ],
    }


MESSENGER_TYPES = {"image": "image", "video": "video", "audio": "audio", "document": "file"}
"""An attachment's kind -> its `type` in Messenger's webhook."""


def messenger_message_body(message: Message) -> dict[str, Any]:
    """`message` of a Messenger webhook: mid, the text if any, and attachments with their
    URL in `payload` (Meta's "messages" webhook event reference)."""
    body: dict[str, Any] = {"mid": message.id}
    if message.text:
        body["text"] = message.text
    if message.attachments:
        body["attachments"] = [
            {"type": MESSENGER_TYPES[found["type"]], "payload": {"url": found["url"]}}
            for found in message.attachments
        ]
    return body


# --- Instagram events, in Meta's shape ---------------------------------------------------


def instagram_comment_event(comment: InstagramComment, product_type: str) -> dict[str, Any]:
    """The `comments` change Meta sends when someone comments on our media (Webhooks for
    Instagram: the value has id, from {id, username}, text, media {id, media_product_type},
    and parent_id for a reply; no time of its own)."""
    value: dict[str, Any] = {
        "from": {"id": comment.author.id, "username": comment.author.username},
        "media": {"id": comment.media_id, "media_product_type": product_type},
        "id": comment.id,
        "text": comment.text,
    }
    if comment.parent_id:
        value["parent_id"] = comment.parent_id
    return {
        "object": "instagram",
        "entry": [
            {
                "id": IG_USER_ID,
                "time": int(comment.created.timestamp()),
                "changes": [{"field": "comments", "value": value}],
            }
        ],
    }


def instagram_message_event(sender: Citizen, message: DirectMessage) -> dict[str, Any]:
    """The `messaging` entry Meta sends when someone writes a Direct message to the account."""
    millis = _millis(message.created)
    body: dict[str, Any] = {"mid": message.id}
    if message.text:
        body["text"] = message.text
    return {
        "object": "instagram",
        "entry": [
            {
                "id": IG_USER_ID,
                "time": millis,
                "messaging": [
                    {
                        "sender": {"id": sender.id},
                        "recipient": {"id": IG_USER_ID},
                        "timestamp": millis,
                        "message": body,
                    }
                ],
            }
        ],
    }


def _millis(value: datetime) -> int:
    return int(value.timestamp() * 1000)


# --- subscriptions and delivery ----------------------------------------------------------


@dataclass
class Subscription:
    """A receiver, as subscribed in Meta's App Dashboard, with what reached it."""

    url: str
    verify_token: str
    objects: tuple[str, ...]
    delivered: int = 0
    """Events the receiver accepted (2xx)."""
    failed: int = 0
    """Attempts that failed (no answer, or not 2xx)."""
    retried: int = 0
    """Attempts that were retries."""
    active: bool = True

    def summary(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "objects": list(self.objects),
            "delivered": self.delivered,
            "failed": self.failed,
            "retried": self.retried,
        }


@dataclass(frozen=True)
class Delivery:
    """One event for one subscription: its signed bytes."""

    subscription: Subscription
    body: bytes
    signature: str


class WebhookError(ValueError):
    """A subscription the sandbox refuses (the message is for the person, in Spanish)."""


LOCAL_ONLY = "el simulador solo entrega webhooks en este equipo (127.0.0.1, ::1 o localhost)"


def check_loopback(url: str) -> None:
    """Refuse a receiver that is not on this machine: an http(s) URL to a loopback address.

    A name is only accepted if it is localhost and every address it resolves to is loopback;
    the check runs at subscription and again before each delivery.
    """
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise WebhookError(f"url debe ser una dirección http(s), no «{url}»")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookError(f"url «{url}» no es una dirección válida") from None
    if not host:
        raise WebhookError(f"url «{url}» no dice a qué equipo entregar")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if host.rstrip(".").lower() != "localhost":
            raise WebhookError(f"{LOCAL_ONLY}, no en «{host}»") from None
        addresses = _resolve(host, port)
    outside = [str(address) for address in addresses if not address.is_loopback]
    if outside:
        raise WebhookError(f"{LOCAL_ONLY}, no en «{host}» ({', '.join(outside)})")


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise WebhookError(f"«{host}» no se resuelve en este equipo") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    if not addresses:
        raise WebhookError(f"«{host}» no se resuelve en este equipo")
    return addresses


class Webhooks:
    """The subscribed receivers and the deliveries to them; thread-safe with its own lock."""

    def __init__(self, app_secret: str = APP_SECRET) -> None:
        self.app_secret = app_secret
        self._lock = threading.Lock()
        self._subscriptions: dict[str, Subscription] = {}
        self._local = threading.local()
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._worker: threading.Thread | None = None

    # --- subscriptions ---------------------------------------------------------------

    def subscribe(
        self, url: str, verify_token: str = VERIFY_TOKEN, objects: list[str] | None = None
    ) -> Subscription:
        """Verify the receiver with Meta's handshake, then keep the subscription."""
        check_loopback(url)
        chosen = tuple(objects) if objects else OBJECTS
        unknown = [name for name in chosen if name not in OBJECTS]
        if unknown:
            raise WebhookError(
                f"objeto desconocido «{unknown[0]}»; los objetos son: {', '.join(OBJECTS)}"
            )
        challenge = str(random.randint(10**8, 10**10))
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": verify_token,
            "hub.challenge": challenge,
        }
        try:
            answer = self._session().get(
                url, params=params, timeout=VERIFY_TIMEOUT_SECONDS, allow_redirects=False
            )
        except requests.RequestException as exc:
            raise WebhookError(
                f"el receptor no verificó la suscripción: no respondió en {url} ({exc})"
            ) from None
        if answer.status_code != 200 or answer.text != challenge:
            raise WebhookError(
                "el receptor no verificó la suscripción: respondió "
                f"{answer.status_code} «{answer.text[:100]}» en vez de 200 con el desafío "
                "hub.challenge (¿coincide el verify_token?)"
            )
        subscription = Subscription(url, verify_token, chosen)
        with self._lock:
            earlier = self._subscriptions.pop(url, None)
            if earlier is not None:
                earlier.active = False
            self._subscriptions[url] = subscription
        return subscription

    def unsubscribe(self, url: str) -> bool:
        with self._lock:
            found = self._subscriptions.pop(url, None)
        if found is not None:
            found.active = False
        return found is not None

    def clear(self) -> None:
        """Forget every subscription; pending retries to them stop."""
        with self._lock:
            for subscription in self._subscriptions.values():
                subscription.active = False
            self._subscriptions.clear()

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [subscription.summary() for subscription in self._subscriptions.values()]

    # --- delivery --------------------------------------------------------------------

    def deliveries(self, payloads: list[dict[str, Any]]) -> list[Delivery]:
        """Each payload signed, for each subscription to its object."""
        with self._lock:
            subscriptions = list(self._subscriptions.values())
        out = []
        for payload in payloads:
            receivers = [s for s in subscriptions if payload.get("object") in s.objects]
            if not receivers:
                continue
            body = encode(payload)
            signature = sign(self.app_secret, body)
            out.extend(Delivery(subscription, body, signature) for subscription in receivers)
        return out

    def deliver_now(self, deliveries: list[Delivery]) -> list[dict[str, Any]]:
        """First attempts right away; failed ones are retried in the background."""
        results = []
        for delivery in deliveries:
            status = self._attempt(delivery)
            if not _accepted(status):
                self._retry_later(delivery)
            results.append({"url": delivery.subscription.url, "status": status})
        return results

    def deliver_later(self, deliveries: list[Delivery]) -> None:
        """Every attempt in the background (in order), so the caller never waits."""
        if not deliveries:
            return
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._work, name="sandbox-webhooks", daemon=True
                )
                self._worker.start()
        for delivery in deliveries:
            self._queue.put(delivery)

    def close(self) -> None:
        """Stop the background worker (pending retries are daemon threads and just end)."""
        self.clear()
        self._queue.put(None)

    def _work(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            if not _accepted(self._attempt(delivery)):
                self._retry_later(delivery)

    def _retry_later(self, delivery: Delivery) -> None:
        threading.Thread(
            target=self._retry, args=(delivery,), name="sandbox-webhook-retry", daemon=True
        ).start()

    def _retry(self, delivery: Delivery) -> None:
        for delay in RETRY_DELAYS:
            time.sleep(delay)
            if not delivery.subscription.active:
                return
            with self._lock:
                delivery.subscription.retried += 1
            if _accepted(self._attempt(delivery)):
                return
        log.info("sandbox: webhook to %s given up after retries", delivery.subscription.url)

    def _attempt(self, delivery: Delivery) -> int | None:
        """POST the event once; the HTTP status, or None when the receiver is unreachable."""
        subscription = delivery.subscription
        if not subscription.active:
            return None
        try:
            check_loopback(subscription.url)
        except WebhookError as exc:
            log.warning("sandbox: webhook to %s not sent: %s", subscription.url, exc)
            with self._lock:
                subscription.failed += 1
            return None
        try:
            answer = self._session().post(
                subscription.url,
                data=delivery.body,
                headers={
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": delivery.signature,
                },
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,  # a redirect could lead off this machine
            )
            status: int | None = answer.status_code
        except requests.RequestException as exc:
            log.debug("sandbox: webhook to %s failed: %s", subscription.url, exc)
            status = None
        with self._lock:
            if _accepted(status):
                subscription.delivered += 1
            else:
                subscription.failed += 1
        return status

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # a local receiver: no proxy from the environment
        return session


def _accepted(status: int | None) -> bool:
    return status is not None and 200 <= status < 300
