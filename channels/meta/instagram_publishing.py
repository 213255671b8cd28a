"""Publishing on Instagram: media containers, their status, `media_publish`, and the
account's publishing limit, exactly once through crashes. (Skeleton: filled in by the
publishing work.)"""

from __future__ import annotations

from datetime import datetime

from channels.base import Outgoing, Receipt, Rejected


class InstagramPublishing:
    """The publishing half of InstagramChannel (its client and `_call` are the channel's)."""

    def publish(self, post: Outgoing) -> Receipt:
        raise Rejected("publicar en Instagram aún no está disponible")

    def find_published(self, post: Outgoing, since: datetime) -> Receipt | None:
        return None
