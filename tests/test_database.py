"""The database: migrations on SQLite and PostgreSQL, schema checks, and column rules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

import notices.models  # noqa: F401  (its tables too, when this file runs alone)
import scheduler.models  # noqa: F401
import web.models  # noqa: F401
from conectados.db import MIGRATIONS_DIR, Database, display_url
from conectados.errors import DatabaseError
from content_calendar.models import Post, Publication, PublicationState
from responders.models import (
    Interaction,
    InteractionKind,
    Reply,
    ReplyState,
    Ticket,
)

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
LATEST = sorted(
    p.name.split("_")[0] for p in MIGRATIONS_DIR.joinpath("versions").glob("[0-9]*.py")
)[-1]


@pytest.fixture
def database(database_url: str):
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


def test_upgrade_creates_the_schema_at_the_latest_revision(database_url: str):
    database = Database(database_url)

    before, head = database.upgrade()
    state = database.schema_state()

    assert before is None
    assert state.current == head == LATEST
    database.check_current()  # does not raise
    tables = set(sa.inspect(database.engine).get_table_names())
    assert {"post", "publication", "interaction", "reply", "ticket", "metricsample"} <= tables
    database.dispose()


def test_upgrade_twice_changes_nothing(database_url: str):
    database = Database(database_url)
    database.upgrade()
    schema_before = _schema_snapshot(database)

    before, head = database.upgrade()

    assert before == head
    assert _schema_snapshot(database) == schema_before
    database.dispose()


def test_migrations_match_the_models(database: Database):
    """A model changed without a migration fails here: write the migration."""
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    assert differences == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'c.db'}")
    database.upgrade()

    with database.engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()

    assert journal == "wal"
    assert foreign_keys == 1
    database.dispose()


def test_foreign_keys_are_enforced(database: Database):
    orphan = Publication(post_id="no-existe", network="x", next_attempt_at=NOON)

    with pytest.raises(IntegrityError), database.session() as session:
        session.add(orphan)


def test_times_come_back_in_utc_whatever_zone_they_were_written_in(database: Database):
    bogota = timezone(timedelta(hours=-5))
    with database.session() as session:
        session.add(
            Post(id="ahorro-agua-01", scheduled_at=datetime(2026, 12, 1, 8, 0, tzinfo=bogota))
        )

    with database.session() as session:
        post = session.get(Post, "ahorro-agua-01")
        assert post.scheduled_at == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
        assert post.scheduled_at.tzinfo is UTC


def test_a_naive_time_is_refused(database: Database):
    with pytest.raises(sa.exc.StatementError), database.session() as session:
        session.add(Post(id="sin-zona", scheduled_at=datetime(2026, 12, 1, 8, 0)))


def test_states_are_stored_as_their_values(database: Database):
    with database.session() as session:
        session.add(Post(id="p1", scheduled_at=NOON))
        session.add(Publication(post_id="p1", network="facebook", next_attempt_at=NOON))

    with database.engine.connect() as connection:
        raw = connection.exec_driver_sql("SELECT state FROM publication").scalar()
    with database.session() as session:
        publication = session.exec(select(Publication)).one()

    assert raw == "scheduled"
    assert publication.state is PublicationState.SCHEDULED


def test_a_post_has_at_most_one_publication_per_network(database: Database):
    with database.session() as session:
        session.add(Post(id="p1", scheduled_at=NOON))
        session.add(Publication(post_id="p1", network="x", next_attempt_at=NOON))

    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Publication(post_id="p1", network="x", next_attempt_at=NOON))


def test_an_interaction_is_answered_at_most_once(database: Database):
    with database.session() as session:
        interaction = Interaction(
            network="facebook",
            kind=InteractionKind.COMMENT,
            remote_id="c1",
            written_at=NOON,
        )
        session.add(interaction)
        session.flush()
        session.add(Reply(interaction_id=interaction.id, state=ReplyState.SENT, text="uno"))
        session.add(Reply(interaction_id=interaction.id, state=ReplyState.REJECTED, text="dos"))
        interaction_id = interaction.id

    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Reply(interaction_id=interaction_id, state=ReplyState.SENT, text="tres"))


def test_radicado_is_unique(database: Database):
    def ticket(sequence: int) -> Ticket:
        return Ticket(
            radicado="2026-000001",
            year=2026,
            sequence=sequence,
            type="reclamo",
            network="facebook",
            filed_at=NOON,
            filed_on=date(2026, 12, 1),
            due_date=date(2026, 12, 22),
        )

    with database.session() as session:
        session.add(ticket(1))

    with pytest.raises(IntegrityError), database.session() as session:
        session.add(ticket(2))


def test_an_empty_database_asks_for_init(tmp_path: Path):
    path = tmp_path / "vacia.db"
    path.touch()
    database = Database(f"sqlite:///{path}")

    with pytest.raises(DatabaseError) as caught:
        database.check_current()

    assert "no está inicializada" in caught.value.message
    assert "conectados init" in caught.value.message
    database.dispose()


def test_a_database_at_an_older_revision_asks_for_init(tmp_path: Path, database_url: str):
    newer_code = _migrations_with_one_more_revision(tmp_path / "migrations")
    older = Database(database_url)
    older.upgrade()  # at the latest revision, as the previous version left it, with data in it
    with older.session() as session:
        session.add(Post(id="p1", scheduled_at=NOON))
        session.add(Publication(post_id="p1", network="x", next_attempt_at=NOON))
    older.dispose()
    database = Database(database_url, migrations_dir=newer_code)

    with pytest.raises(DatabaseError) as caught:
        database.check_current()
    before, head = database.upgrade()

    assert f"versión {LATEST}" in caught.value.message
    assert "conectados init" in caught.value.message
    assert (before, head) == (LATEST, "9999")
    database.check_current()
    assert "nota" in {column["name"] for column in sa.inspect(database.engine).get_columns("post")}
    database.dispose()


def test_a_database_from_a_newer_version_is_left_alone(tmp_path: Path, database_url: str):
    newer_code = _migrations_with_one_more_revision(tmp_path / "migrations")
    Database(database_url, migrations_dir=newer_code).upgrade()
    database = Database(database_url)

    with pytest.raises(DatabaseError) as check:
        database.check_current()
    with pytest.raises(DatabaseError):
        database.upgrade()

    assert "actualice Conectados" in check.value.message
    assert database.schema_state().current == "9999"
    database.dispose()


def test_unreachable_server_is_a_clear_failure_without_password():
    database = Database("postgresql+psycopg://conectados:clave-secreta@127.0.0.1:1/nada")

    with pytest.raises(DatabaseError) as caught:
        database.check_current()

    assert "no se pudo usar la base de datos" in caught.value.message
    assert "clave-secreta" not in caught.value.message
    database.dispose()


def _schema_snapshot(database: Database) -> dict:
    inspector = sa.inspect(database.engine)
    return {
        table: (
            [column["name"] for column in inspector.get_columns(table)],
            sorted(index["name"] for index in inspector.get_indexes(table)),
        )
        for table in inspector.get_table_names()
    }


def _migrations_with_one_more_revision(folder: Path) -> Path:
    shutil.copytree(MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "9999_add_note.py").write_text(
        '"""A later release\'s migration."""\n'
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        'revision = "9999"\n'
        f'down_revision = "{LATEST}"\n'
        "branch_labels = None\n"
        "depends_on = None\n\n\n"
        "def upgrade():\n"
        '    sqlite = op.get_bind().dialect.name == "sqlite"\n'
        "    # On SQLite, rebuild the table as real column changes do, with rows referencing it.\n"
        '    with op.batch_alter_table("post", recreate="always" if sqlite else "auto") as batch:\n'
        '        batch.add_column(sa.Column("nota", sa.Text(), nullable=True))\n\n\n'
        "def downgrade():\n"
        '    with op.batch_alter_table("post") as batch:\n'
        '        batch.drop_column("nota")\n',
        encoding="utf-8",
    )
    return folder


def test_concurrent_init_migrates_once_and_all_succeed(tmp_path: Path, database_url: str):
    script = (
        "import sys\n"
        "from conectados.db import Database\n"
        "before, head = Database(sys.argv[1]).upgrade()\n"
        "print('created' if before is None else 'current')\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, database_url], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outcomes = sorted(process.communicate(timeout=120)[0].strip() for process in processes)

    assert [process.returncode for process in processes] == [0, 0, 0]
    assert outcomes == ["created", "current", "current"]


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path):
    path = tmp_path / "notas.db"
    path.write_text("esto no es una base de datos " * 100, encoding="utf-8")
    database = Database(f"sqlite:///{path}")

    with pytest.raises(DatabaseError) as caught:
        database.check_current()

    assert f"el archivo {path} no es una base de datos SQLite" in caught.value.message
    database.dispose()


def test_reading_the_status_does_not_change_the_file(tmp_path: Path):
    path = tmp_path / "vacia.db"
    path.touch()
    database = Database(f"sqlite:///{path}")

    database.schema_state()

    assert path.stat().st_size == 0
    assert not (tmp_path / "vacia.db-wal").exists()
    database.dispose()


def test_write_sessions_wait_for_each_other_instead_of_failing(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'c.db'}")
    database.upgrade()
    with database.session() as session:
        session.add(Post(id="contador", scheduled_at=NOON, source_line=0))
    errors: list[BaseException] = []

    def increment() -> None:
        try:
            for _ in range(20):
                with database.session(write=True) as session:
                    post = session.get(Post, "contador")  # read, then write
                    post.source_line += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=increment) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with database.session() as session:
        assert session.get(Post, "contador").source_line == 80
    database.dispose()


def test_database_urls_never_show_passwords():
    assert "s3cr3t" not in display_url("postgresql+psycopg://u:s3cr3t@h/db")
    assert "s3cr3t" not in display_url("postgresql+psycopg://u@h/db?password=s3cr3t")


def test_every_command_on_a_database_from_a_newer_version_says_to_update_conectados(
    cli, tmp_path: Path, database_url: str
):
    newer_code = _migrations_with_one_more_revision(tmp_path / "migrations")
    Database(database_url, migrations_dir=newer_code).upgrade()

    status = cli("--db", database_url, "status")
    as_json = cli("--db", database_url, "status", "--json")
    others = [
        cli("--db", database_url, *command)
        for command in (("init",), ("replies", "list"), ("report", "--mes", "2026-11"))
    ]

    for result in (status, as_json, *others):
        assert result.exit_code == 2, result.stderr
        assert "es de una versión más nueva de Conectados" in result.stderr
        assert "actualice Conectados" in result.stderr
    assert "versión 9999, de una versión más nueva de Conectados" in status.stdout
    assert "ejecute «conectados init»" not in status.stdout + status.stderr
    assert '"schema_newer": true' in as_json.stdout
    assert Database(database_url).schema_state().current == "9999"  # left as it was


def test_a_database_path_that_is_not_a_regular_file_is_bad_input(cli, tmp_path: Path):
    os.mkfifo(tmp_path / "tubo.db")
    (tmp_path / "carpeta.db").mkdir()

    for name, reason in (("tubo.db", "es una tubería (FIFO)"), ("carpeta.db", "es una carpeta")):
        for command in (("init",), ("status",)):
            result = cli("--db", name, *command)

            assert result.exit_code == 2, (name, command, result.stderr)
            assert f"{reason}" in result.stderr and "base de datos SQLite" in result.stderr


def test_the_revisions_read_as_text_are_alembics_own(tmp_path: Path):
    from alembic.script import ScriptDirectory

    from conectados.db import alembic_config
    from conectados.revisions import read_revisions

    for folder in (MIGRATIONS_DIR, _migrations_with_one_more_revision(tmp_path / "migrations")):
        scripts = ScriptDirectory.from_config(alembic_config(folder))
        revisions = read_revisions(folder)

        assert revisions.head == scripts.get_current_head()
        assert revisions.known == {script.revision for script in scripts.walk_revisions()}


def test_the_current_revision_is_read_with_one_query_as_alembic_reads_it(database_url: str):
    from conectados.revisions import current_revision

    database = Database(database_url)
    with database.engine.connect() as connection:
        assert current_revision(connection) is None
    database.upgrade()

    with database.engine.connect() as connection:
        assert current_revision(connection) == LATEST
        assert MigrationContext.configure(connection).get_current_revision() == LATEST
    database.dispose()
