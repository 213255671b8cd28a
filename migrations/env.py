"""Alembic environment: the schema is SQLModel's metadata of every domain package.

Running migrations (`conectados init`, every check of the schema) needs only the scripts in
versions/; the domain's models are imported only to compare them with a database, when a
developer runs `alembic revision --autogenerate` (or `alembic check`).
"""

from __future__ import annotations

from alembic import context

from conectados.db import make_engine


def _compares_models() -> bool:
    options = context.config.cmd_opts
    return options is not None and (
        getattr(options, "autogenerate", False)
        or (
            getattr(options, "cmd", None) is not None
            and getattr(options.cmd[0], "__name__", "") == "check"
        )
    )


def _target_metadata():
    if not _compares_models():
        return None
    from sqlmodel import SQLModel

    # Each import registers its package's tables on SQLModel.metadata.
    import content_calendar.models  # noqa: F401
    import notices.models  # noqa: F401
    import responders.models  # noqa: F401
    import scheduler.models  # noqa: F401
    import web.models  # noqa: F401

    return SQLModel.metadata


target_metadata = _target_metadata()


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
