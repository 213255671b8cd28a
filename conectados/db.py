"""The database: one engine per URL, sessions, column types, and schema migrations.

SQLite (the embedded default) runs in WAL mode with foreign keys on; PostgreSQL
(several daemons) goes through psycopg 3. Alembic owns the schema: `upgrade()` applies
migrations, `check_current()` refuses to run on a database at another revision.
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, SQLModel

import migrations
from conectados.errors import DatabaseError

log = logging.getLogger(__name__)

# Stable constraint names let Alembic alter tables on SQLite (batch mode) and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS_DIR = Path(migrations.__file__).parent
SQLITE_BUSY_TIMEOUT_MS = 30_000


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A moment in time: stored as naive UTC, always returned timezone-aware in UTC.

    SQLite keeps no zone, so the rule is ours: naive datetimes are refused on write,
    which catches local times that would otherwise be stored five hours off.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a zone first")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def enum_column(enum_type: type[enum.Enum]) -> sa.Enum:
    """A state column stored as its value in a VARCHAR, so new states need no type migration."""
    return sa.Enum(
        enum_type,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def display_url(url: str | URL) -> str:
    """The URL as people may see it: never with its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<URL de base de datos no válida>"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            "la dirección de la base de datos no es válida; use una ruta de archivo "
            "o postgresql://usuario@servidor/base"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        sa.event.listen(engine, "connect", _configure_sqlite_connection)
        sa.event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    return sa.create_engine(parsed, pool_pre_ping=True)


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin, so DDL in migrations
    # is transactional and a compare-and-set UPDATE commits or rolls back whole.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands compared with this version of the code."""

    current: str | None
    head: str

    @property
    def is_current(self) -> bool:
        return self.current == self.head

    @property
    def is_empty(self) -> bool:
        return self.current is None


class Database:
    """One database: its engine, sessions, and migrations."""

    def __init__(self, url: str, migrations_dir: Path = MIGRATIONS_DIR) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.migrations_dir = migrations_dir

    @property
    def display_url(self) -> str:
        return display_url(self.engine.url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def exists(self) -> bool:
        """False for a SQLite file not created yet (status must not create it)."""
        database = self.engine.url.database
        if not self.is_sqlite or not database or database == ":memory:":
            return True
        return Path(database).exists()

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends without error."""
        with (
            self._connection_errors(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def schema_state(self) -> SchemaState:
        head = self._scripts().get_current_head()
        assert head is not None, "migrations/versions holds no revision"
        if not self.exists():
            return SchemaState(current=None, head=head)
        with self._connection_errors(), self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        return SchemaState(current=current, head=head)

    def check_current(self) -> None:
        """Raise DatabaseError unless the schema is exactly the one this code expects."""
        state = self.schema_state()
        if state.is_current:
            return
        if state.is_empty:
            raise DatabaseError(
                f"la base de datos {self.display_url} no está inicializada; "
                "ejecute «conectados init» para crearla"
            )
        if state.current in self._known_revisions():
            raise DatabaseError(
                f"la base de datos {self.display_url} está en la versión {state.current} "
                f"y esta versión de Conectados necesita la {state.head}; "
                "ejecute «conectados init» para actualizarla"
            )
        raise DatabaseError(
            f"la base de datos {self.display_url} está en la versión {state.current}, "
            "que esta versión de Conectados no conoce (¿es de una versión más nueva?); "
            "actualice Conectados antes de usarla"
        )

    def upgrade(self) -> tuple[str | None, str]:
        """Apply every pending migration; return the revisions before and after."""
        before = self.schema_state()
        if before.current is not None and before.current not in self._known_revisions():
            self.check_current()  # raises: a newer schema must not be touched
        if self.is_sqlite:
            database = self.engine.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        with self._connection_errors(), self.engine.begin() as connection:
            config = alembic_config(self.url, self.migrations_dir)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        return before.current, before.head

    def _scripts(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(alembic_config(migrations_dir=self.migrations_dir))

    def _known_revisions(self) -> set[str]:
        return {script.revision for script in self._scripts().walk_revisions()}

    def dispose(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def _connection_errors(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "sin detalle"
            raise DatabaseError(
                f"no se pudo usar la base de datos {self.display_url} ({reason}); "
                "revise que el servidor esté en marcha y que base_datos o --db sean correctos"
            ) from exc


def alembic_config(url: str | None = None, migrations_dir: Path = MIGRATIONS_DIR) -> Config:
    """Alembic configuration without an .ini file: the migrations ship as a package."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
