"""The responder job: every stored interaction is matched once and acted on by the policy.

An interaction moves `received -> answered | ticketed | in_review | ignored` in one
compare-and-set update, in the same transaction as its reply, so two daemons (or a crash
between the two writes) can never draft two replies for one message. Automatic answers are
queued `approved` and the send job delivers them; everything else waits for a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from conectados.clock import Clock
from conectados.db import Database
from responders.matcher import Matcher
from responders.models import (
    Interaction,
    InteractionKind,
    InteractionState,
    Reply,
    ReplyState,
    ReplyVisibility,
    ServiceNotice,
)
from responders.policy import (
    Action,
    Decision,
    Thresholds,
    company_values,
    decide,
    spanish_moment,
    template_context,
    too_long,
)
from responders.protocols import Catalogue

log = logging.getLogger("conectados.responder")

AUTOMATIC = "automático"
"""The reviewer recorded on replies the policy approved on its own."""

STATES = {
    Action.ANSWER: InteractionState.ANSWERED,
    Action.TICKET: InteractionState.IN_REVIEW,  # the PQR office (tickets) takes these over
    Action.REVIEW: InteractionState.IN_REVIEW,
    Action.IGNORE: InteractionState.IGNORED,
}


@dataclass
class RespondRound:
    counts: dict[str, int] = field(default_factory=lambda: {action.value: 0 for action in Action})


def active_notices(connection: sa.Connection, now: datetime, zone) -> list[dict[str, str]]:
    """Notices not closed and not over yet (current or coming), as templates see them."""
    rows = connection.execute(
        sa.select(
            ServiceNotice.sector,
            ServiceNotice.starts_at,
            ServiceNotice.ends_at,
            ServiceNotice.reason,
        )
        .where(ServiceNotice.closed_at.is_(None), ServiceNotice.ends_at >= now)
        .order_by(ServiceNotice.starts_at, ServiceNotice.id)
    )
    return [
        {
            "sector": row.sector,
            "desde": spanish_moment(row.starts_at.astimezone(zone)),
            "hasta": spanish_moment(row.ends_at.astimezone(zone)),
            "motivo": row.reason,
        }
        for row in rows
    ]


class Responder:
    """Matches new interactions and answers, queues for review, or leaves them."""

    def __init__(
        self,
        database: Database,
        catalogue: Catalogue,
        settings,
        clock: Clock,
        batch: int = 200,
    ) -> None:
        self.database = database
        self.catalogue = catalogue
        self.matcher = Matcher(catalogue)
        self.settings = settings
        rules = settings.responder
        self.thresholds = Thresholds(rules.auto_threshold, rules.review_threshold, rules.min_margin)
        self.auto_window = timedelta(hours=rules.auto_hours)
        self.per_author_hour = rules.per_author_hour
        self.company = company_values(settings)
        self.clock = clock
        self.batch = batch

    def run_once(self) -> RespondRound:
        outcome = RespondRound()
        while True:
            now = self.clock.now()
            with self.database.session() as session:
                rows = (
                    session.execute(
                        sa.select(Interaction)
                        .where(Interaction.state == InteractionState.RECEIVED)
                        .order_by(Interaction.id)
                        .limit(self.batch)
                    )
                    .scalars()
                    .all()
                )
                notices = active_notices(session.connection(), now, self.settings.zone)
            if not rows:
                return outcome
            for interaction in rows:
                action = self._handle(interaction, notices, now)
                if action is not None:
                    outcome.counts[action.value] += 1
            if len(rows) < self.batch:
                return outcome

    def draft(
        self, interaction: Interaction, decision: Decision, notices: list[dict[str, str]]
    ) -> str:
        """The protocol's reply for this citizen, or "" when there is no protocol."""
        if decision.protocol is None:
            return ""
        context = self.context(interaction, notices)
        return decision.protocol.render(
            context, private=interaction.kind == InteractionKind.MESSAGE
        )

    def context(self, interaction: Interaction, notices: list[dict[str, str]]) -> dict[str, Any]:
        return template_context(
            self.company,
            interaction.author_name,
            notices,
            interaction.text,
            interaction.network,
            interaction.kind.value,
        )

    def _handle(
        self, interaction: Interaction, notices: list[dict[str, str]], now: datetime
    ) -> Action | None:
        private = interaction.kind == InteractionKind.MESSAGE
        decision = decide(self.matcher.match(interaction.text), self.thresholds, private)
        text = self.draft(interaction, decision, notices)
        with self.database.session(write=True) as session:
            connection = session.connection()
            decision = self._second_thoughts(connection, interaction, decision, text, now)
            moved = connection.execute(
                sa.update(Interaction)
                .where(
                    Interaction.id == interaction.id,
                    Interaction.state == InteractionState.RECEIVED,
                )
                .values(
                    state=STATES[decision.action],
                    protocol=decision.protocol.id if decision.protocol else None,
                    confidence=decision.confidence,
                    decision=decision.reason,
                    decided_at=now,
                )
            ).rowcount
            if not moved:
                return None  # another daemon got to it first
            if decision.action != Action.IGNORE:
                automatic = decision.action == Action.ANSWER
                connection.execute(
                    sa.insert(Reply).values(
                        interaction_id=interaction.id,
                        protocol=decision.protocol.id if decision.protocol else None,
                        confidence=decision.confidence,
                        text=text,
                        visibility=ReplyVisibility.PRIVATE if private else ReplyVisibility.PUBLIC,
                        state=ReplyState.APPROVED if automatic else ReplyState.PENDING,
                        reviewer=AUTOMATIC if automatic else None,
                        review_note=decision.reason,
                        created_at=now,
                        decided_at=now if automatic else None,
                    )
                )
        log.info(
            "%s %s de %s: %s (%s)",
            interaction.network,
            interaction.kind.value,
            interaction.author_name or interaction.author_id,
            decision.action.value,
            decision.reason,
        )
        return decision.action

    def _second_thoughts(
        self,
        connection: sa.Connection,
        interaction: Interaction,
        decision: Decision,
        text: str,
        now: datetime,
    ) -> Decision:
        """What the text alone cannot tell: age, a conversation with a bot, length limits."""
        if decision.action != Action.ANSWER:
            return decision

        def review(reason: str) -> Decision:
            return Decision(Action.REVIEW, decision.protocol, decision.confidence, reason)

        if now - interaction.written_at > self.auto_window:
            hours = self.auto_window.total_seconds() / 3600
            return review(f"lo escribió hace más de {hours:g} horas: mejor que lo mire una persona")
        problem = too_long(interaction.network, text)
        if problem:
            return review(f"la respuesta no cabe en la red ({problem}); acórtela")
        recent = connection.execute(
            sa.select(sa.func.count())
            .select_from(Reply)
            .join(Interaction, Interaction.id == Reply.interaction_id)
            .where(
                Interaction.network == interaction.network,
                Interaction.author_id == interaction.author_id,
                Reply.reviewer == AUTOMATIC,
                Reply.created_at >= now - timedelta(hours=1),
            )
        ).scalar_one()
        if recent >= self.per_author_hour:
            return review(
                f"ya recibió {recent} respuestas automáticas en la última hora "
                "(¿otro robot o una conversación?): que siga una persona"
            )
        echo = connection.execute(
            sa.select(Reply.id).where(Reply.text == interaction.text).limit(1)
        ).first()
        if echo is not None:
            return Decision(Action.IGNORE, None, 0.0, "repite una de nuestras respuestas")
        return decision
