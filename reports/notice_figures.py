"""The month's WhatsApp notices: what was sent to the subscribers, how far it got, and who
subscribed or left (from the consent trail, Ley 1581)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from notices.models import Broadcast, BroadcastKind, Consent, Delivery
from reports.period import Period

KIND_NAMES = {
    BroadcastKind.NOTICE: "avisos de corte o reparación",
    BroadcastKind.RESTORED: "servicio restablecido",
    BroadcastKind.CONTENT: "contenidos del calendario",
}
"""How the team reads each kind of broadcast."""


@dataclass
class NoticeFigures:
    """WhatsApp notices in a period. Every message counts in the step it reached in the
    period: sent, delivered (or read, which implies it), read, failed."""

    broadcasts: dict[str, int] = field(default_factory=dict)
    """Broadcasts created in the period, by kind (BroadcastKind values)."""
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    reach: int = 0
    """Different subscribers who got at least one message (delivered or read)."""
    gained: int = 0
    """People whose first consent was given in the period."""
    lost: int = 0
    """People whose last consent was withdrawn in the period, leaving them none."""

    @property
    def total_broadcasts(self) -> int:
        return sum(self.broadcasts.values())

    @property
    def empty(self) -> bool:
        """Nothing happened: no notice, no message, nobody came or went."""
        return not (self.total_broadcasts or self.sent or self.failed or self.gained or self.lost)

    def as_dict(self) -> dict:
        return {
            "difusiones": self.total_broadcasts,
            "difusiones_por_tipo": {kind: self.broadcasts.get(kind, 0) for kind in BroadcastKind},
            "mensajes_enviados": self.sent,
            "mensajes_entregados": self.delivered,
            "mensajes_leidos": self.read,
            "mensajes_fallidos": self.failed,
            "alcance_whatsapp": self.reach,
            "suscriptores_nuevos": self.gained,
            "suscriptores_que_salieron": self.lost,
        }


def count_notices(connection: sa.Connection, period: Period) -> NoticeFigures:
    figures = NoticeFigures()
    start, end = period.first, period.last

    def within(column):
        return sa.and_(column >= start, column < end)

    figures.broadcasts = {
        str(kind): count
        for kind, count in connection.execute(
            sa.select(Broadcast.kind, sa.func.count())
            .where(within(Broadcast.created_at))
            .group_by(Broadcast.kind)
        )
    }
    reached = sa.func.coalesce(Delivery.delivered_at, Delivery.read_at)  # read implies delivered

    def count(*where) -> int:
        return connection.execute(
            sa.select(sa.func.count()).select_from(Delivery).where(*where)
        ).scalar_one()

    figures.sent = count(within(Delivery.sent_at))
    figures.delivered = count(within(reached))
    figures.read = count(within(Delivery.read_at))
    figures.failed = count(within(Delivery.failed_at))
    figures.reach = connection.execute(
        sa.select(sa.func.count(sa.distinct(Delivery.subscriber_id))).where(within(reached))
    ).scalar_one()
    first_grants = (
        sa.select(sa.func.min(Consent.granted_at).label("at"))
        .group_by(Consent.subscriber_id)
        .subquery()
    )
    figures.gained = connection.execute(
        sa.select(sa.func.count()).select_from(first_grants).where(within(first_grants.c.at))
    ).scalar_one()
    # Withdrawn for good: every consent of the person withdrawn, the last one in the period.
    last_withdrawals = (
        sa.select(sa.func.max(Consent.withdrawn_at).label("at"))
        .group_by(Consent.subscriber_id)
        .having(sa.func.count(Consent.withdrawn_at) == sa.func.count())
        .subquery()
    )
    figures.lost = connection.execute(
        sa.select(sa.func.count())
        .select_from(last_withdrawals)
        .where(within(last_withdrawals.c.at))
    ).scalar_one()
    return figures
