"""pqr: who filed and who closed a ticket; the citizen of a ticket filed by hand; replies
by decision time (decisions per person in the report)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("filed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("citizen_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("citizen_contact", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("request_text", sa.Text(), nullable=True))
    op.create_index("ix_reply_decided", "reply", ["decided_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reply_decided", table_name="reply")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("request_text")
        batch_op.drop_column("citizen_contact")
        batch_op.drop_column("citizen_name")
        batch_op.drop_column("filed_by")
        batch_op.drop_column("closed_by")
