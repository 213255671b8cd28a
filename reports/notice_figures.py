"""The month's WhatsApp notices: what was sent to the subscribers, how far it got, who
subscribed or left (from the consent trail, Ley 1581), and the citizens' subscription messages
(AVISOS Centro, SALIR, MIS AVISOS), which are counted here and not as requests."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from notices.models import Broadcast, BroadcastKind, Consent, Delivery
from notices.subscriptions import SUBSCRIPTION_REASON
from reports.period import Period
from responders.models import Interaction

KIND_NAMES = {
    BroadcastKind.NOTICE: "avisos de corte o reparación",
    BroadcastKind.RESTORED: "servicio restablecido",
    BroadcastKind.CONTENT: "contenidos del calendario",
}
"""How the team reads each kind of broadcast."""


def subscription_message():
    """The condition of a citizen's subscription message: the subscription hook answered it
    with no protocol and a decision starting with «suscripción:» (notices.subscriptions)."""
    return sa.and_(
        Interaction.protocol.is_(None),
        Interaction.decision.is_not(None),
        Interaction.decision.startswith(f"{SUBSCRIPTION_REASON}:", autoescape=True),
    )


@dataclass
class NoticeFigures:
    """WhatsApp notices in a period. Every message counts in the step it reached in the
    period: sent, delivered (or read, which implies it), read, failed."""

    broadcasts: dict[str, int] = field(default_factory=dict)
    """Notices sent: broadcasts created in the period with at least one message to someone
    (one for a sector nobody follows reached nobody), by kind (BroadcastKind values)."""
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
    subscription_messages: int = 0
    """Citizens' subscription messages written in the period (AVISOS, SALIR, MIS AVISOS…):
    not requests, so the requests and protocol figures leave them out."""

    @property
    def total_broadcasts(self) -> int:
        return sum(self.broadcasts.values())

    @property
    def empty(self) -> bool:
        """Nothing happened: no notice, no message, nobody came or went."""
        return not (
            self.total_broadcasts
            or self.sent
            or self.failed
            or self.gained
            or self.lost
            or self.subscription_messages
        )

    def as_dict(self) -> dict:
        return {
            "avisos_enviados": self.total_broadcasts,
            "avisos_enviados_por_tipo": {
                kind: self.broadcasts.get(kind, 0) for kind in BroadcastKind
            },
            "mensajes_enviados": self.sent,
            "mensajes_entregados": self.delivered,
            "mensajes_leidos": self.read,
            "mensajes_fallidos": self.failed,
            "alcance_whatsapp": self.reach,
            "suscriptores_nuevos": self.gained,
            "suscriptores_que_salieron": self.lost,
            "mensajes_de_suscripcion": self.subscription_messages,
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
            .where(
                within(Broadcast.created_at),
                sa.exists().where(Delivery.broadcast_id == Broadcast.id),
            )
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
    figures.subscription_messages = connection.execute(
        sa.select(sa.func.count())
        .select_from(Interaction)
        .where(within(Interaction.written_at), subscription_message())
    ).scalar_one()
    return figures
