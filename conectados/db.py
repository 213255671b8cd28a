"""The database: one engine per URL, sessions, column types, and schema migrations.

SQLite (the embedded default) runs in WAL mode with foreign keys on; PostgreSQL
(several daemons) goes through psycopg 3. Alembic owns the schema: `upgrade()` applies
migrations, `check_current()` refuses to run on a database at another revision (read
without Alembic, by conectados.revisions: checking costs no Alembic import). SQLModel (and
the ORM under it) is imported only where an ORM session is opened, so commands that read a few
rows through SQLAlchemy Core start without it; the models' metadata is set up by conectados.orm.
"""

from __future__ import annotations

import contextlib
import enum
import importlib.util
import logging
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError

from conectados.errors import DatabaseError, NewerDatabase, OlderDatabase
from conectados.revisions import Revisions, current_revision, read_revisions
from conectados.userfiles import UserFileError, not_regular, os_error_reason

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlmodel import Session

log = logging.getLogger(__name__)


def _migrations_dir() -> Path:
    # Found, not imported: Alembic reads the scripts itself, and the domain's models stay
    # out of every process that only runs or checks migrations.
    spec = importlib.util.find_spec("migrations")
    assert spec is not None and spec.origin is not None, "the migrations package is missing"
    return Path(spec.origin).parent


MIGRATIONS_DIR = _migrations_dir()
SQLITE_BUSY_TIMEOUT_SECONDS = 30
_BEGIN_OPTION = "conectados_begin"
# Any number: it only has to be the same for every process migrating this database.
_MIGRATION_LOCK_KEY = 0x636F6E65


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


_SECRET_QUERY_KEYS = ("password", "sslpassword")


def display_url(url: str | URL) -> str:
    """The URL as people may see it: never with a password, in the user part or the query."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<URL de base de datos no válida>"
    hidden = {key: "***" for key in parsed.query if key.lower() in _SECRET_QUERY_KEYS}
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True)


def make_engine(url: str | URL) -> Engine:
    """An engine for `url`; SQLite gets foreign keys and a busy timeout on every connection."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            engine = sa.create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            sa.event.listen(engine, "connect", _configure_sqlite_connection)
            sa.event.listen(engine, "begin", _begin_sqlite_transaction)
            return engine
        return sa.create_engine(parsed, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError):
        raise DatabaseError(
            "la dirección de la base de datos no es válida; use la ruta de un archivo SQLite "
            "o postgresql://usuario@servidor/base"
        ) from None


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin, so DDL in migrations
    # is transactional and a compare-and-set UPDATE commits or rolls back whole.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection: sa.Connection) -> None:
    # A transaction that will write takes the write lock at BEGIN, so it waits its turn
    # (busy timeout) instead of failing at once when it upgrades from reading to writing.
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


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

    def __init__(self, url: str | URL, migrations_dir: Path = MIGRATIONS_DIR) -> None:
        self.engine = make_engine(url)
        self.url = self.engine.url
        self._write_engine = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        self.migrations_dir = migrations_dir

    @property
    def display_url(self) -> str:
        return display_url(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        database = self.url.database if self.is_sqlite else None
        return Path(database) if database and database != ":memory:" else None

    def exists(self) -> bool:
        """False for a SQLite file not created yet (status must not create it)."""
        path = self.sqlite_path
        if path is None:
            return True
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise DatabaseError(
                f"no se puede consultar el archivo {path} ({os_error_reason(exc)}); "
                "revise la ruta y los permisos"
            ) from None
        if not stat.S_ISREG(mode):  # SQLite on a FIFO blocks, on /dev/zero reads nonsense
            raise UserFileError(
                f"{not_regular(mode)}; indique la ruta de un archivo de base de datos SQLite", path
            )
        return True

    @contextlib.contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """A session that commits when the block ends without error.

        `write=True` takes SQLite's write lock at the start, for transactions that read
        and then write (claims, counters): they wait for another writer instead of failing.
        """
        from sqlmodel import Session  # the ORM costs ~0.2 s to import: only those who use it pay

        with (
            self._errors(),
            Session(
                self._write_engine if write else self.engine, expire_on_commit=False
            ) as session,
            session.begin(),
        ):
            yield session

    @contextlib.contextmanager
    def transaction(self, write: bool = False) -> Iterator[sa.Connection]:
        """Like `session`, without the ORM: for hot paths that only run statements."""
        with self._errors(), (self._write_engine if write else self.engine).begin() as connection:
            yield connection

    def schema_state(self) -> SchemaState:
        if not self.exists():
            return SchemaState(current=None, head=self._head)
        with self._errors(), self.engine.connect() as connection:
            return SchemaState(current=current_revision(connection), head=self._head)

    def check_current(self) -> None:
        """Raise DatabaseError unless the schema is exactly the one this code expects."""
        self._explain(self.schema_state())

    def upgrade(self) -> tuple[str | None, str]:
        """Apply every pending migration; return the revisions before and after.

        Safe to run from several processes at once: one migrates, the others wait and
        then find the schema current.
        """
        if self.sqlite_path is not None:
            self.exists()  # refuses a folder, a FIFO or a device before SQLite opens it
            try:
                self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"no se pudo crear la carpeta {self.sqlite_path.parent} ({os_error_reason(exc)}); "
                    "revise la ruta y los permisos"
                ) from None
        engine = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        with self._errors(), engine.connect() as connection:
            raw = connection.connection.dbapi_connection if self.is_sqlite else None
            if raw is not None:
                # Outside any transaction, on the driver's connection: WAL is a property of
                # the file (set here once, never by read-only commands), and foreign keys
                # stay off while migrations rebuild tables, then are checked.
                raw.execute("PRAGMA journal_mode=WAL")
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                before = self._migrate(connection)
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")
        return before, self._head

    def _migrate(self, connection: sa.Connection) -> str | None:
        from alembic import command

        with connection.begin():
            if not self.is_sqlite:
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
            before = current_revision(connection)
            if before is not None and before not in self._known_revisions:
                self._explain(SchemaState(before, self._head))
            config = alembic_config(self.migrations_dir)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if self.is_sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise DatabaseError(
                    "la actualización dejaría referencias rotas en la base de datos "
                    f"{self.display_url}; no se aplicó ningún cambio"
                )
        return before

    def dispose(self) -> None:
        self.engine.dispose()

    @cached_property
    def _revisions(self) -> Revisions:
        return read_revisions(self.migrations_dir)

    @property
    def _head(self) -> str:
        return self._revisions.head

    @property
    def _known_revisions(self) -> frozenset[str]:
        return self._revisions.known

    def _explain(self, state: SchemaState) -> None:
        if state.is_current:
            return
        if state.is_empty:
            raise OlderDatabase(
                f"la base de datos {self.display_url} no está inicializada; "
                "ejecute «conectados init» para crearla"
            )
        if state.current in self._known_revisions:
            raise OlderDatabase(
                f"la base de datos {self.display_url} está en la versión {state.current} "
                f"y esta versión de Conectados necesita la {state.head}; "
                "ejecute «conectados init» para actualizarla"
            )
        self.refuse_newer(state)

    def is_newer(self, state: SchemaState) -> bool:
        """Whether a newer version of Conectados left the schema at a revision this one lacks."""
        return state.current is not None and state.current not in self._known_revisions

    def refuse_newer(self, state: SchemaState) -> None:
        """Raise NewerDatabase when the schema is from a newer version of Conectados."""
        if self.is_newer(state):
            raise NewerDatabase(
                f"la base de datos {self.display_url} es de una versión más nueva de Conectados "
                f"(esquema {state.current}; esta versión llega hasta el {state.head}); "
                "actualice Conectados para usarla («conectados init» no la cambia)"
            )

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError:
            raise  # a constraint doing its job: callers rely on it (idempotent inserts)
        except DBAPIError as exc:
            raise DatabaseError(self._describe(exc)) from exc

    def _describe(self, exc: DBAPIError) -> str:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        if self.is_sqlite:
            if "not a database" in reason or "malformed" in reason:
                return (
                    f"el archivo {self.sqlite_path} no es una base de datos SQLite de Conectados; "
                    "revise la ruta en base_datos o --db"
                )
            return (
                f"no se pudo usar la base de datos {self.display_url} (SQLite: {reason}); "
                "revise la ruta, los permisos y que haya espacio en el disco"
            )
        return (
            f"no se pudo usar la base de datos {self.display_url} (PostgreSQL: {reason}); "
            "revise que el servidor esté en marcha y que base_datos o --db sean correctos"
        )


def alembic_config(migrations_dir: Path = MIGRATIONS_DIR) -> Config:
    """Alembic configuration without an .ini file: the migrations ship as a package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    return config


def upsert_statement(connection: sa.Connection, table):
    """INSERT with ON CONFLICT, in the dialect of the database at hand."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
