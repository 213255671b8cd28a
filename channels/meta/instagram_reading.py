"""Reading and answering on Instagram: comments on our media (polled and by webhook), public
and private replies, hiding, Direct messages, and the media's figures. (Skeleton: filled in
by the engagement work.)"""

from __future__ import annotations

from collections.abc import Sequence

from channels.base import Batch, Incoming, Receipt, Rejected, Sample


class InstagramReading:
    """The reading half of InstagramChannel (its client and `_call` are the channel's)."""

    def poll(self, cursor: str | None) -> Batch:
        return Batch([], cursor)

    def reply(self, to: Incoming, text: str, private: bool) -> Receipt:
        raise Rejected("responder en Instagram aún no está disponible")

    def hide(self, item: Incoming) -> None:
        raise Rejected("ocultar comentarios en Instagram aún no está disponible")

    def metrics(self, remote_ids: Sequence[str]) -> list[Sample]:
        return []
