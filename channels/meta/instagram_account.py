"""The Instagram account's published media and its publishing limit: finding a post again
(by its caption, among the account's newest media), the limit of posts per moving 24 hours
(`content_publishing_limit`) and when a slot frees, and Meta's publishing refusals in Spanish.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from pyfacebook.exceptions import FacebookError

from channels.base import Held, Outgoing, Receipt, Rejected, Transient
from channels.http import comparable_text
from channels.meta.errors import refusal
from channels.meta.graph import call_graph, graph_time, next_query
from channels.meta.instagram_errors import QUOTA_CODE, QUOTA_SUBCODE, sentence_for

log = logging.getLogger(__name__)

MEDIA_FIELDS = "id,caption,timestamp,permalink,media_type,media_product_type"
MEDIA_PAGES = 4
"""How many pages (25 each) of the account's newest media are looked through for a post."""
DAY = 86_400
SLOT_UNKNOWN = 3600.0
"""When no published media tells when a slot frees: look again in an hour."""
RETRY_CODES = {-1, -2, 9007}
"""Meta's "try again" publishing codes: server error, download timeout, not ready yet."""
RETRY_SUBCODES = {2207001, 2207003, 2207006, 2207008, 2207020, 2207027, 2207032, 2207053}
"""Subcodes whose documented remedy is to try again or to make a new container: the next
attempt reads the container's status and makes a new one if it is gone or expired."""


class QuotaReached(Transient):
    """A call refused for the publishing limit (#9/2207042): `publish` makes it Held."""

    def __init__(self) -> None:
        super().__init__("la cuenta de Instagram llegó a su límite de publicaciones", 3600)


class AccountMedia:
    """What publishing asks of the account (mixed into InstagramChannel with the rest)."""

    ig_user_id: str
    _token: str

    def _translate(self, error: FacebookError) -> Exception:  # pragma: no cover - channel's
        raise NotImplementedError

    # --- the publishing limit ----------------------------------------------------------

    def _check_quota(self) -> None:
        """Held when the account used every post of its moving 24 hours
        (`content_publishing_limit`); a limit that cannot be read leaves it to media_publish."""
        try:
            answer = self._ig(
                self.api.get_connection,  # type: ignore[attr-defined]
                self.ig_user_id,
                "content_publishing_limit",
                fields="quota_usage,config",
            )
        except Rejected as error:
            log.warning("instagram: no se pudo leer el límite de publicación (%s)", error)
            return
        usage, total, duration = publishing_quota(answer)
        if usage is not None and total is not None and usage >= total:
            raise self._held(total, usage - total + 1, duration)

    def _held(self, total: int | None, nth: int = 1, duration: int = DAY) -> Held:
        wait = self._slot_frees(nth, duration)
        limit = f"sus {total} publicaciones" if total is not None else "su límite de publicaciones"
        minutes = max(1, round(wait / 60))
        when = f"unos {minutes} minutos" if minutes < 120 else f"unas {round(minutes / 60)} horas"
        return Held(
            f"la cuenta de Instagram ya usó {limit} de las últimas 24 horas; esta publicación "
            f"espera un cupo (se libera uno en {when}) y no cuenta como intento fallido",
            retry_after=wait,
        )

    def _slot_frees(self, nth: int, duration: int) -> float:
        """Seconds until the `nth` oldest post of the window leaves it (an estimate from the
        account's media; an hour when they do not tell)."""
        now = self.clock.now()  # type: ignore[attr-defined]
        try:
            media = self._recent_media(now - timedelta(seconds=duration))
        except (Rejected, Transient):
            return SLOT_UNKNOWN
        times = sorted(graph_time(item["timestamp"]) for item in media if item.get("timestamp"))
        if len(times) < nth:
            return SLOT_UNKNOWN
        frees = times[nth - 1] + timedelta(seconds=duration) - now
        return max(60.0, frees.total_seconds() + 1)

    # --- finding a published post ------------------------------------------------------

    def _recent_media(self, since: datetime) -> list[dict[str, Any]]:
        """The account's media since `since`, newest first (a few pages at most)."""
        query: dict[str, Any] = {
            "fields": MEDIA_FIELDS,
            "since": int(since.timestamp()),
            "limit": 25,
        }
        found: list[dict[str, Any]] = []
        for _ in range(MEDIA_PAGES):
            answer = self._ig(
                self.api.get_connection,  # type: ignore[attr-defined]
                self.ig_user_id,
                "media",
                **query,
            )
            found += [item for item in answer.get("data", []) if isinstance(item, dict)]
            link = (answer.get("paging") or {}).get("next")
            if not link:
                break
            query = next_query(link)
        return found

    def _by_caption(
        self, post: Outgoing, since: datetime, digest: str | None = None
    ) -> Receipt | None:
        """The newest media whose caption is the post's text (or, with `digest`, the caption
        an earlier attempt gave its container)."""
        wanted = comparable_text(post.text)
        for item in self._recent_media(since):
            caption = str(item.get("caption") or "")
            if comparable_text(caption) == wanted or (digest and caption_digest(caption) == digest):
                return _receipt(item)
        return None

    def _published_receipt(self, post: Outgoing, digest: str | None = None) -> Receipt:
        """The post whose container is PUBLISHED: found among the media, never made again."""
        found = self._by_caption(post, looked_since(post), digest)
        if found is None:
            raise Transient(
                "Instagram dice que la publicación salió pero aún no aparece entre las de la "
                "cuenta; se buscará de nuevo",
                retry_after=60,
                outcome_unknown=True,
            )
        return found

    def _media_receipt(self, media_id: str) -> Receipt:
        # It is out: failing to read its link must not look like a failed publish.
        try:
            details = self._ig(
                self.api.get_object,  # type: ignore[attr-defined]
                media_id,
                fields="id,permalink,timestamp",
            )
            return _receipt({**details, "id": media_id})
        except (Rejected, Transient, KeyError, ValueError) as exc:
            log.warning("instagram: publicado %s, sin su enlace (%s)", media_id, exc)
            return Receipt(media_id)

    # --- errors ------------------------------------------------------------------------

    def _ig(self, method, *args: Any, **kwargs: Any) -> Any:
        """One publishing call; Meta's 2207xxx refusals come with their Spanish sentence."""
        return call_graph(
            "Instagram", self._token, self._publishing_refusal, method, *args, **kwargs
        )

    def _publishing_refusal(self, error: FacebookError) -> Exception:
        code = getattr(error, "code", None)
        subcode = getattr(error, "error_subcode", None)
        if code == QUOTA_CODE or subcode == QUOTA_SUBCODE:
            return QuotaReached()
        translated = self._translate(error)
        if not isinstance(translated, Rejected):
            return translated
        message = str(getattr(error, "message", "")).replace(self._token, "***")
        said = refusal("Instagram", code, subcode, message, sentence_for(subcode))
        if code in RETRY_CODES or subcode in RETRY_SUBCODES:
            return Transient(said, retry_after=60)
        return Rejected(said)


def publishing_quota(answer: Any) -> tuple[int | None, int | None, int]:
    """quota_usage, config.quota_total and config.quota_duration of a
    `content_publishing_limit` answer (None where it does not say; a day by default)."""
    entries = answer.get("data") if isinstance(answer, dict) else None
    entry = entries[0] if isinstance(entries, list) and entries else {}
    entry = entry if isinstance(entry, dict) else {}
    config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    usage, total, duration = (
        entry.get("quota_usage"),
        config.get("quota_total"),
        config.get("quota_duration"),
    )

    def whole(value: Any) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return whole(usage), whole(total), whole(duration) or DAY


def caption_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def looked_since(post: Outgoing) -> datetime:
    due = post.due_at
    return (due - timedelta(minutes=5)) if due else datetime.now().astimezone() - timedelta(days=1)


def _receipt(item: dict[str, Any]) -> Receipt:
    stamp = item.get("timestamp")
    return Receipt(
        str(item["id"]),
        item.get("permalink") or None,
        graph_time(stamp) if isinstance(stamp, str) else None,
    )
