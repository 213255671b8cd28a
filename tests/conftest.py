"""Shared fixtures: a CLI runner on a temporary folder, and a throwaway PostgreSQL database."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from conectados.app import App
from office.cli import run

POSTGRES_ENV = "CONECTADOS_TEST_POSTGRES_URL"
FIXED_NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run `conectados ARGS` in tmp_path with a given environment, as a user would."""

    def invoke(
        *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, clock=None
    ) -> Result:
        capsys.readouterr()
        app = App(environ=dict(env or {}), cwd=cwd or tmp_path)
        clock = clock if clock is not None else invoke.clock
        if clock is not None:  # a fixed "now" for commands whose output depends on the date
            app.clock = clock
        code = run(list(args), app=app)
        captured = capsys.readouterr()
        return Result(int(code), captured.out, captured.err)

    invoke.clock = None  # a test may set one clock for every command it runs
    return invoke


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        pytest.skip(f"{POSTGRES_ENV} is not set: no PostgreSQL server to test against")
    name = f"conectados_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each backend in turn: a SQLite file, then a PostgreSQL database when one is available."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conectados.db'}"
    return request.getfixturevalue("postgres_url")


@contextlib.contextmanager
def _holding_fixed_ports() -> Iterator[None]:
    # A lock file of the machine, not of one run: two test runs at once wait for each other too.
    with (Path(tempfile.gettempdir()) / "conectados-fixed-ports.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield  # closing the file lets go of the lock


@pytest.fixture
def fixed_ports() -> Iterator[None]:
    """The service's documented ports (8765 simulator, 8080 webhooks) held for one test: tests
    that bind them run one at a time, whatever pytest-xdist worker runs them."""
    with _holding_fixed_ports():
        yield


@pytest.fixture(scope="module")
def fixed_ports_for_module() -> Iterator[None]:
    """`fixed_ports`, for the tests of a module whose shared fixture binds them."""
    with _holding_fixed_ports():
        yield


@pytest.fixture
def sandbox():
    """The emulator of the networks on a free local port, fresh for each test."""
    from channels.sandbox import SandboxServer

    with SandboxServer() as server:
        yield server


@pytest.fixture
def fixed_office(cli):
    """The simulator and every command on one fixed clock: dates in the output are known.

    2026-03-10 is a Tuesday, 10:00 in Bogotá, with no holiday near; the test moves the clock
    when it needs time to pass.
    """
    from channels.sandbox import Sandbox, SandboxServer
    from conectados.clock import FixedClock

    clock = FixedClock(FIXED_NOW)
    cli.clock = clock
    with SandboxServer(sandbox=Sandbox(clock)) as server:
        yield server, clock


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema once: each `database` starts as a copy."""
    from conectados.db import Database

    path = tmp_path_factory.mktemp("migrated") / "c.db"
    template = Database(f"sqlite:///{path}")
    template.upgrade()
    template.dispose()  # the last connection closed: everything is in the file, no -wal left
    assert not path.with_name("c.db-wal").exists()
    return path


@pytest.fixture
def database(tmp_path: Path, migrated_sqlite: Path):
    """A migrated SQLite database in the test's folder."""
    from conectados.db import Database

    shutil.copyfile(migrated_sqlite, tmp_path / "c.db")
    database = Database(f"sqlite:///{tmp_path / 'c.db'}")
    database.upgrade()  # finds the copy at the newest revision, as `conectados init` would
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def shipped_matcher():
    """The shipped catalogue's matcher, with nothing learned."""
    from responders.matcher import Matcher
    from responders.protocol_files import load_catalogue

    return Matcher(load_catalogue())


@pytest.fixture(scope="session")
def decided(shipped_matcher):
    """What the responder decides for a text: the shipped catalogue, the base thresholds."""
    from responders.policy import Thresholds, decide

    return lambda text: decide(shipped_matcher.match(text), Thresholds())
