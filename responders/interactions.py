"""Every move of an interaction, each one a compare-and-set update that says so in its name.

received -> answered | ticketed | in_review | ignored (the responder's decision, once);
in_review -> answered | ignored (a person settled its drafts); answered -> in_review (a reply
could not go out: a person decides again); any but ticketed -> ticketed (a person filed it by
hand). Each function changes a row only if it is still in a source state, and returns whether
it did.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from responders.models import Interaction, InteractionState

RECEIVED, IN_REVIEW = InteractionState.RECEIVED, InteractionState.IN_REVIEW
DECIDED = (
    InteractionState.ANSWERED,
    InteractionState.TICKETED,
    InteractionState.IN_REVIEW,
    InteractionState.IGNORED,
)


def decide(
    connection: sa.Connection,
    interaction_id: int,
    state: InteractionState,
    protocol: str | None,
    confidence: float | None,
    reason: str,
    now: datetime,
) -> bool:
    """received -> `state` (answered, ticketed, in_review or ignored), with why; False when
    another daemon decided it first."""
    if state not in DECIDED:
        raise ValueError(f"an interaction is not decided into {state}")
    return bool(
        connection.execute(
            sa.update(Interaction)
            .where(Interaction.id == interaction_id, Interaction.state == RECEIVED)
            .values(
                state=state,
                protocol=protocol,
                confidence=confidence,
                decision=reason,
                decided_at=now,
            )
        ).rowcount
    )


def settle_review(
    connection: sa.Connection, interaction_id: int, answered: bool, reason: str
) -> bool:
    """in_review -> answered (a draft was approved) | ignored (all were rejected)."""
    return bool(
        connection.execute(
            sa.update(Interaction)
            .where(Interaction.id == interaction_id, Interaction.state == IN_REVIEW)
            .values(
                state=InteractionState.ANSWERED if answered else InteractionState.IGNORED,
                decision=reason,
            )
        ).rowcount
    )


def back_to_review(connection: sa.Connection, interaction_id: int) -> bool:
    """answered -> in_review: one of its replies came back to a person (a filed message stays
    filed: only its acknowledgement waits)."""
    return bool(
        connection.execute(
            sa.update(Interaction)
            .where(
                Interaction.id == interaction_id,
                Interaction.state == InteractionState.ANSWERED,
            )
            .values(state=IN_REVIEW)
        ).rowcount
    )


def file_by_hand(
    connection: sa.Connection, interaction_id: int, seen: InteractionState, person: str
) -> bool:
    """`seen` (the state the person saw) -> ticketed: filed by hand as a PQR; False when the
    service or another person changed it meanwhile."""
    if seen == InteractionState.TICKETED:
        return False
    return bool(
        connection.execute(
            sa.update(Interaction)
            .where(Interaction.id == interaction_id, Interaction.state == seen)
            .values(state=InteractionState.TICKETED, decision=f"radicada a mano por {person}")
        ).rowcount
    )


def mark_hidden(connection: sa.Connection, interaction_id: int, now: datetime) -> bool:
    """The network hid this comment: recorded once (the first time it said so)."""
    return bool(
        connection.execute(
            sa.update(Interaction)
            .where(Interaction.id == interaction_id, Interaction.hidden_at.is_(None))
            .values(hidden_at=now)
        ).rowcount
    )
