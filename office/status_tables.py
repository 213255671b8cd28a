"""The calendar's and the daemon's tables as `conectados status` reads them: a few columns
declared with SQLAlchemy Core, without importing the model modules (SQLModel's table classes
and the ORM cost ~0.3 s to import; status is typed all day).

The responders' tables are in `responders.light_tables`. tests/test_light_tables.py checks
every table, column, converting type and state value here against the models.
"""

from __future__ import annotations

import sqlalchemy as sa

# PublicationState values: still to go out
PUBLICATION_SCHEDULED = "scheduled"
PUBLICATION_PUBLISHING = "publishing"

publication = sa.table(
    "publication",
    sa.column("id", sa.Integer),
    sa.column("state", sa.String),
)
