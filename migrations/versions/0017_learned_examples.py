"""responders: `learnedexample` (review decisions and imported labelled lines to learn from) and
`learningrun` (per-protocol thresholds computed from them)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learnedexample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=120), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("protocol", sa.String(length=60), nullable=True),
        sa.Column("second", sa.String(length=60), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interaction.id"],
            name=op.f("fk_learnedexample_interaction_id_interaction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learnedexample")),
        sa.UniqueConstraint("origin", name=op.f("uq_learnedexample_origin")),
    )
    op.create_index("ix_learnedexample_decided", "learnedexample", ["decided_at"], unique=False)
    op.create_table(
        "learningrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("last_example_id", sa.Integer(), nullable=True),
        sa.Column("thresholds", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learningrun")),
    )


def downgrade() -> None:
    op.drop_table("learningrun")
    op.drop_index("ix_learnedexample_decided", table_name="learnedexample")
    op.drop_table("learnedexample")
