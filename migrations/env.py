"""Alembic environment: the schema is SQLModel's metadata of every domain package."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

# Each import registers its package's tables on SQLModel.metadata.
import content_calendar.models  # noqa: F401
import responders.models  # noqa: F401
import scheduler.models  # noqa: F401
from conectados.db import make_engine

target_metadata = SQLModel.metadata


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    # Developers running the `alembic` command directly (see alembic.ini).
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.begin() as connection:
        run_migrations(connection)
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_online()
