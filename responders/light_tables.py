"""The responders' tables as the lists read them: a few columns declared with SQLAlchemy Core,
without importing `responders.models` (SQLModel's table classes cost ~0.3 s to import).

`replies list` and `conectados status` read through these; everything that writes uses the
models. tests/test_light_tables.py checks every table, column, column type that converts
values (moments, dates) and state value here against the models, so the two cannot drift.
States are stored as their values (`conectados.db.enum_column`), so the values are compared
as plain strings: `ReplyState.PENDING == "pending"`.
"""

from __future__ import annotations

import sqlalchemy as sa

from conectados.db import UTCDateTime

# ReplyState values
REPLY_PENDING = "pending"
REPLY_APPROVED = "approved"
REPLY_SENDING = "sending"
REPLY_SENT = "sent"
REPLY_REJECTED = "rejected"
REPLY_FAILED = "failed"
# ReplyKind value
TICKET_ANSWER = "ticket_answer"
# TicketStatus value
TICKET_OPEN = "abierto"

interaction = sa.table(
    "interaction",
    sa.column("id", sa.Integer),
    sa.column("network", sa.String),
    sa.column("author_id", sa.String),
    sa.column("author_name", sa.String),
    sa.column("text", sa.Text),
    sa.column("written_at", UTCDateTime),
    sa.column("received_at", UTCDateTime),
)
reply = sa.table(
    "reply",
    sa.column("id", sa.Integer),
    sa.column("interaction_id", sa.Integer),
    sa.column("ticket_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("state", sa.String),
    sa.column("protocol", sa.String),
    sa.column("confidence", sa.Float),
    sa.column("review_note", sa.Text),
    sa.column("last_error", sa.Text),
)
ticket = sa.table(
    "ticket",
    sa.column("id", sa.Integer),
    sa.column("radicado", sa.String),
    sa.column("status", sa.String),
    sa.column("due_date", sa.Date),
)
set_aside_item = sa.table(
    "set_aside_item",
    sa.column("id", sa.Integer),
    sa.column("network", sa.String),
    sa.column("reason", sa.Text),
    sa.column("set_aside_at", UTCDateTime),
)
