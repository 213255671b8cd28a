"""notices: subscribers, their consent trail, broadcasts and one delivery per (broadcast,
subscriber)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("alias", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriber")),
        sa.UniqueConstraint("network", "address", name=op.f("uq_subscriber_network_address")),
    )
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("sector", sa.String(length=200), nullable=True),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=True),
        sa.Column("granted_words", sa.String(length=300), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("withdrawn_how", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscriber_id"], ["subscriber.id"], name=op.f("fk_consent_subscriber_id_subscriber")
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["interaction.id"], name=op.f("fk_consent_granted_by_interaction")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"], ["interaction.id"], name=op.f("fk_consent_withdrawn_by_interaction")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    op.create_index("ix_consent_subscriber", "consent", ["subscriber_id", "withdrawn_at"])
    op.create_index("ix_consent_purpose_sector", "consent", ["purpose", "sector", "withdrawn_at"])
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("sectors", sa.JSON(), nullable=True),
        sa.Column("sector_spellings", sa.JSON(), nullable=True),
        sa.Column("template", sa.String(length=512), nullable=False),
        sa.Column("language", sa.String(length=15), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("header", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["service_notice.id"], name=op.f("fk_broadcast_notice_id_service_notice")
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publication.id"],
            name=op.f("fk_broadcast_publication_id_publication"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast")),
        sa.UniqueConstraint("notice_id", "kind", name=op.f("uq_broadcast_notice_id_kind")),
        sa.UniqueConstraint("publication_id", name=op.f("uq_broadcast_publication_id")),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("sending_since", sa.DateTime(), nullable=True),
        sa.Column("remote_id", sa.String(length=255), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"], ["broadcast.id"], name=op.f("fk_delivery_broadcast_id_broadcast")
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"], ["subscriber.id"], name=op.f("fk_delivery_subscriber_id_subscriber")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint(
            "broadcast_id", "subscriber_id", name=op.f("uq_delivery_broadcast_id_subscriber_id")
        ),
    )
    op.create_index("ix_delivery_due", "delivery", ["state", "next_attempt_at"])
    op.create_index("ix_delivery_broadcast", "delivery", ["broadcast_id", "state"])
    op.create_index("ix_delivery_remote", "delivery", ["remote_id"])
    op.create_index("ix_delivery_sent", "delivery", ["sent_at"])


def downgrade() -> None:
    for index in (
        "ix_delivery_sent",
        "ix_delivery_remote",
        "ix_delivery_broadcast",
        "ix_delivery_due",
    ):
        op.drop_index(index, table_name="delivery")
    op.drop_table("delivery")
    op.drop_table("broadcast")
    op.drop_index("ix_consent_purpose_sector", table_name="consent")
    op.drop_index("ix_consent_subscriber", table_name="consent")
    op.drop_table("consent")
    op.drop_table("subscriber")
