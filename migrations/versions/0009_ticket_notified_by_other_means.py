"""pqr: an answer the networks could not deliver, notified by another means (phone, email,
letter, office): how, when and by whom

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notified_via", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("notified_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("notified_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("notified_by")
        batch_op.drop_column("notified_at")
        batch_op.drop_column("notified_via")
