"""The schema revisions this code knows, read from the migration scripts as text.

`status` and every command that checks the schema before it runs need only the names of
the revisions: importing Alembic to learn them costs about 0.3 s at each start, so the
scripts' `revision = "..."` and `down_revision = ...` lines are read here instead, and
Alembic is imported only to migrate. A test keeps this reading equal to Alembic's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

VERSION_TABLE = "alembic_version"
"""Where Alembic records the revision a database is at (its default, which env.py keeps)."""

# `revision: str = "0010"` or `revision = "0010"`, at the start of a line, as Alembic writes them.
_REVISION = re.compile(r"""^revision\s*(?::[^=\n]*)?=\s*["']([^"'\n]+)["']""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision\s*(?::[^=\n]*)?=([^\n]*)""", re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"'\n]+)["']""")


@dataclass(frozen=True)
class Revisions:
    """The revisions of one migrations folder: all of them, and the newest (the head)."""

    known: frozenset[str]
    head: str


def read_revisions(migrations_dir: Path) -> Revisions:
    """Read every script in `migrations_dir`/versions and find the one head."""
    known: set[str] = set()
    parents: set[str] = set()
    for script in sorted((migrations_dir / "versions").glob("*.py")):
        text = script.read_text(encoding="utf-8")
        revision = _REVISION.search(text)
        if revision is None:  # __init__.py, or a helper module: Alembic skips them too
            continue
        known.add(revision.group(1))
        down = _DOWN_REVISION.search(text)
        if down is not None:
            parents.update(_QUOTED.findall(down.group(1)))
    heads = known - parents
    assert len(heads) == 1, f"the migrations must have exactly one head, not {sorted(heads)}"
    return Revisions(known=frozenset(known), head=heads.pop())


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at (None: never migrated), with one plain query."""
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    assert len(rows) <= 1, "the database records several schema revisions at once"
    return rows[0][0] if rows else None
