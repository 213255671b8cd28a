"""interactions: `author_alias`, the same citizen's other id on the network (WhatsApp's
business-scoped user id next to the phone number), indexed with the network

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_alias", sa.String(length=255), nullable=True))
        batch_op.create_index(
            "ix_interaction_author_alias", ["network", "author_alias"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_author_alias")
        batch_op.drop_column("author_alias")
