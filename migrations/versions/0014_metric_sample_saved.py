"""metric samples: `saved`, how many people saved a post (Instagram's saves); null where the
network does not report it (unknown, never 0)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("metricsample", schema=None) as batch_op:
        batch_op.add_column(sa.Column("saved", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("metricsample", schema=None) as batch_op:
        batch_op.drop_column("saved")
