"""The last checks before an automatic answer goes out, on what the text alone cannot tell:
the message's age, a conversation with another bot, the network's length limit, and personal
data in a public reply. Any doubt hands the answer to a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from conectados.spanish import short_number
from responders.models import AUTOMATIC, Interaction, InteractionKind, Reply
from responders.pipeline import scrub
from responders.policy import Action, Decision, too_long
from responders.public_text import PublicText


@dataclass(frozen=True)
class AutomaticRules:
    """From `[respuestas]`: how old a message may be, and how many automatic answers one
    author may get in an hour, before a person takes over."""

    window: timedelta
    per_author_hour: int


def second_thoughts(
    connection: sa.Connection,
    interaction: Interaction,
    decision: Decision,
    text: str,
    now: datetime,
    public_text: PublicText,
    rules: AutomaticRules,
) -> Decision:
    """What the text alone cannot tell: age, a conversation with a bot, length limits."""
    if decision.action != Action.ANSWER:
        return decision

    def review(reason: str) -> Decision:
        return Decision(Action.REVIEW, decision.protocol, decision.confidence, reason)

    if now - interaction.written_at > rules.window:
        hours = rules.window.total_seconds() / 3600
        return review(
            f"lo escribió hace más de {short_number(hours)} horas: mejor que lo mire una persona"
        )
    problem = too_long(
        interaction.network, text, private=interaction.kind == InteractionKind.MESSAGE
    )
    if problem:
        return review(f"la respuesta {problem}: acórtela")
    exposure = (
        public_text.exposure(scrub(text, interaction))
        if interaction.kind != InteractionKind.MESSAGE
        else None
    )
    if exposure is not None:
        return review(
            f"la respuesta pública trae {exposure.kinds_described()}: "
            "quite esos datos o envíela por mensaje privado"
        )
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
    if recent >= rules.per_author_hour:
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
