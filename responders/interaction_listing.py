"""Messages as `conectados inbox` lists them: the query behind it, without the responder."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from responders.models import Interaction

if TYPE_CHECKING:
    from conectados.db import Database


def written_since(database: Database, since: datetime, limit: int) -> list[Interaction]:
    """Messages written from `since` on, newest first, at most `limit`."""
    with database.session() as session:
        return list(
            session.execute(
                sa.select(Interaction)
                .where(Interaction.written_at >= since)
                .order_by(Interaction.written_at.desc(), Interaction.id.desc())
                .limit(limit)
            ).scalars()
        )
