"""The base of the models' tables: SQLModel, with constraint names Alembic can rely on.

The model modules take `SQLModel` from here, so every table joins a metadata whose constraints
have stable names. `conectados.db` does not import SQLModel: a command that only reads a few
rows through SQLAlchemy Core never pays for the ORM.
"""

from __future__ import annotations

from sqlmodel import SQLModel

__all__ = ["NAMING_CONVENTION", "SQLModel"]

# Stable constraint names let Alembic alter tables on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
