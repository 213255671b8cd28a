"""Calendar entries for WhatsApp: a due publication becomes a broadcast to the content
subscribers (one delivery each), once. Built by the content work; the notifier calls
`start_due` at the start of every round."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa


def start_due(connection: sa.Connection, now: datetime, settings) -> int:
    """Turn the due WhatsApp publications into broadcasts; how many were started."""
    return 0
