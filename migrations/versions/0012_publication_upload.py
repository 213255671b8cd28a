"""publications: `upload`, the video upload session a publication started on the network
(kept so a restart resumes that upload, or finds it published, instead of sending it again)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upload", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.drop_column("upload")
