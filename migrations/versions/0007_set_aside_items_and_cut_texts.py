"""intake: items set aside, texts cut at the network's maximum

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "set_aside_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("remote_id", sa.String(length=255), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.String(length=200), nullable=False),
        sa.Column("set_aside_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_set_aside_item")),
        sa.UniqueConstraint(
            "network", "fingerprint", name=op.f("uq_set_aside_item_network_fingerprint")
        ),
    )
    op.create_index(
        "ix_set_aside_item_set_aside_at", "set_aside_item", ["set_aside_at"], unique=False
    )
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_length", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_column("original_length")
    op.drop_index("ix_set_aside_item_set_aside_at", table_name="set_aside_item")
    op.drop_table("set_aside_item")
