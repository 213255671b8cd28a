"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 01:31:08.919952
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cursor",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "stream", name=op.f("pk_cursor")),
    )
    op.create_table(
        "post",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=False),
        sa.Column("campaign", sa.String(length=100), nullable=True),
        sa.Column("source_file", sa.String(length=500), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post")),
    )
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.String(length=100), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "scheduled",
                "publishing",
                "published",
                "failed",
                "cancelled",
                name="publicationstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("remote_id", sa.String(length=100), nullable=True),
        sa.Column("remote_url", sa.String(length=500), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_publication_post_id_post")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication")),
        sa.UniqueConstraint("post_id", "network", name=op.f("uq_publication_post_id_network")),
    )
    op.create_index("ix_publication_due", "publication", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "interaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "comment",
                "mention",
                "message",
                name="interactionkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("remote_id", sa.String(length=100), nullable=False),
        sa.Column("thread_id", sa.String(length=100), nullable=True),
        sa.Column("parent_id", sa.String(length=100), nullable=True),
        sa.Column("author_id", sa.String(length=100), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "received",
                "answered",
                "ticketed",
                "in_review",
                "ignored",
                name="interactionstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publication.id"],
            name=op.f("fk_interaction_publication_id_publication"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interaction")),
        sa.UniqueConstraint("network", "remote_id", name=op.f("uq_interaction_network_remote_id")),
    )
    op.create_index("ix_interaction_publication", "interaction", ["publication_id"], unique=False)
    op.create_index("ix_interaction_state", "interaction", ["state", "received_at"], unique=False)

    op.create_table(
        "metricsample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("collected_at", sa.DateTime(), nullable=False),
        sa.Column("reach", sa.Integer(), nullable=True),
        sa.Column("views", sa.Integer(), nullable=True),
        sa.Column("reactions", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.Column("shares", sa.Integer(), nullable=True),
        sa.Column("clicks", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publication.id"],
            name=op.f("fk_metricsample_publication_id_publication"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metricsample")),
        sa.UniqueConstraint(
            "publication_id",
            "collected_at",
            name=op.f("uq_metricsample_publication_id_collected_at"),
        ),
    )
    op.create_table(
        "reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "visibility",
            sa.Enum("public", "private", name="replyvisibility", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "approved",
                "sending",
                "sent",
                "rejected",
                "failed",
                name="replystate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reviewer", sa.String(length=100), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("remote_id", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["interaction_id"], ["interaction.id"], name=op.f("fk_reply_interaction_id_interaction")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply")),
    )
    op.create_index("ix_reply_interaction", "reply", ["interaction_id"], unique=False)
    op.create_index("ix_reply_state", "reply", ["state", "next_attempt_at"], unique=False)
    op.create_index(
        "uq_reply_one_sent_per_interaction",
        "reply",
        ["interaction_id"],
        unique=True,
        sqlite_where=sa.text("state = 'sent'"),
        postgresql_where=sa.text("state = 'sent'"),
    )

    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("radicado", sa.String(length=11), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("causal", sa.String(length=16), nullable=True),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "abierto",
                "respondido",
                "cerrado",
                name="ticketstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interaction.id"],
            name=op.f("fk_ticket_interaction_id_interaction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
        sa.UniqueConstraint("radicado", name=op.f("uq_ticket_radicado")),
        sa.UniqueConstraint("year", "sequence", name=op.f("uq_ticket_year_sequence")),
    )
    op.create_index("ix_ticket_interaction", "ticket", ["interaction_id"], unique=False)
    op.create_index("ix_ticket_status_due", "ticket", ["status", "due_date"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ticket_status_due", table_name="ticket")
    op.drop_index("ix_ticket_interaction", table_name="ticket")

    op.drop_table("ticket")
    op.drop_index(
        "uq_reply_one_sent_per_interaction",
        table_name="reply",
        sqlite_where=sa.text("state = 'sent'"),
        postgresql_where=sa.text("state = 'sent'"),
    )
    op.drop_index("ix_reply_state", table_name="reply")
    op.drop_index("ix_reply_interaction", table_name="reply")

    op.drop_table("reply")
    op.drop_table("metricsample")
    op.drop_index("ix_interaction_state", table_name="interaction")
    op.drop_index("ix_interaction_publication", table_name="interaction")

    op.drop_table("interaction")
    op.drop_index("ix_publication_due", table_name="publication")

    op.drop_table("publication")
    op.drop_table("post")
    op.drop_table("cursor")
