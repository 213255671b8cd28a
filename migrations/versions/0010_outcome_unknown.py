"""publications and replies: an explicit `outcome_unknown` flag (a call whose result is not
known: the lease expired mid-call, or the network's answer was lost), instead of inferring it
from the number of attempts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("publication", "reply"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "outcome_unknown", sa.Boolean(), nullable=False, server_default=sa.false()
                )
            )
    # What the attempt count used to say: a publication tried before may already be out.
    op.execute(
        sa.text(
            "UPDATE publication SET outcome_unknown = :yes "
            "WHERE attempts > 1 AND state IN ('scheduled', 'publishing')"
        ).bindparams(yes=True)
    )


def downgrade() -> None:
    for table in ("reply", "publication"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("outcome_unknown")
