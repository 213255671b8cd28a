"""Backups: taken while the daemon writes, restored with every row of every table intact."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from filled_office import fill_office, table_rows
from sqlalchemy.engine import make_url

from channels.base import SetAside
from conectados.db import Database
from responders.intake import record_set_aside

WRITER_TABLE = "set_aside_item"
"""The table the concurrent writer adds to while the backup runs."""


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database with rows in every table, filled by the real office (the demo)."""
    return fill_office(tmp_path_factory.mktemp("office") / "oficina")


def _copy(url: str, folder: Path) -> str:
    """A private copy of the module's office database (through SQLite's own backup)."""
    source = sqlite3.connect(make_url(url).database)
    target = sqlite3.connect(folder / "conectados.db")
    source.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    source.close()
    target.close()
    return f"sqlite:///{folder / 'conectados.db'}"


class Writer(threading.Thread):
    """The daemon's part: keeps recording unreadable items, one transaction each."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.database = Database(url)
        self.stop = threading.Event()
        self.written = 0

    def run(self) -> None:
        now = datetime.now(UTC)
        while not self.stop.is_set():
            with self.database.transaction(write=True) as connection:
                record_set_aside(
                    connection,
                    [SetAside("x", "mention", "ilegible", remote_id=f"w{self.written}")],
                    "poll",
                    now + timedelta(seconds=self.written),
                )
            self.written += 1

    def __enter__(self) -> Writer:
        self.start()
        while self.written < 5:  # the writer is really writing before the backup starts
            self.stop.wait(0.001)
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.join()
        self.database.dispose()


def _assert_restored(before: dict[str, list], restored: dict[str, list], written_by_writer: int):
    """Every table as it was; the writer's table holds a prefix of what it wrote."""
    assert set(restored) == set(before)
    for table, rows in before.items():
        if table == WRITER_TABLE:
            continue
        assert restored[table] == rows, table
    original, extra = len(before[WRITER_TABLE]), restored[WRITER_TABLE]
    assert before[WRITER_TABLE] == [row for row in extra if row in before[WRITER_TABLE]]
    assert 5 <= len(extra) - original <= written_by_writer


def test_sqlite_backup_while_writing_restores_every_row(cli, office, tmp_path: Path):
    url = _copy(office, tmp_path)
    before = table_rows(url)
    assert all(before.values()), "every table has rows before the backup"
    backup = tmp_path / "respaldos" / "hoy.db"

    with Writer(url) as writer:
        created = cli("--db", make_url(url).database, "respaldo", "crear", str(backup))
    assert created.exit_code == 0, created.stderr
    assert "esquema 0" in created.stdout
    assert not Path(f"{backup}-wal").exists(), "a backup is one self-contained file"
    reader = sqlite3.connect(backup)  # copied to a USB disk and opened elsewhere
    try:
        reader.execute("SELECT count(*) FROM reply").fetchone()
        beside = [path.name for path in backup.parent.iterdir() if path != backup]
    finally:
        reader.close()
    assert beside == [], "reading a backup writes nothing beside it (no -wal, no -shm)"

    restored_path = tmp_path / "nueva" / "conectados.db"
    restored = cli("--db", str(restored_path), "respaldo", "restaurar", str(backup))
    assert restored.exit_code == 0, restored.stderr
    after = table_rows(f"sqlite:///{restored_path}")
    _assert_restored(before, after, writer.written)
    status = cli("--db", str(restored_path), "status")
    assert status.exit_code == 0 and "(al día)" in status.stdout


def test_backup_default_name_is_the_company_time_in_the_current_folder(cli, office, tmp_path):
    from conectados.clock import FixedClock

    url = _copy(office, tmp_path)
    # 03:30:15 UTC on the 11th is 22:30:15 on the 10th in Bogotá.
    cli.clock = FixedClock(datetime(2026, 3, 11, 3, 30, 15, tzinfo=UTC))
    result = cli("--db", make_url(url).database, "respaldo", "crear")
    assert result.exit_code == 0, result.stderr
    first = tmp_path / "respaldo-20260310-223015.db"
    assert first.is_file()
    # The hint is the whole procedure: stop, restore with --forzar, start again.
    assert "systemctl stop conectados" in result.stdout
    assert f"conectados respaldo restaurar {first} --forzar" in result.stdout
    assert "systemctl start conectados" in result.stdout
    # A second one in the same second does not fail: it gets a suffix.
    again = cli("--db", make_url(url).database, "respaldo", "crear")
    assert again.exit_code == 0, again.stderr
    assert (tmp_path / "respaldo-20260310-223015-2.db").is_file()
    elsewhere = cli("--db", make_url(url).database, "respaldo", "crear", "--carpeta", "copias")
    assert elsewhere.exit_code == 0, elsewhere.stderr
    assert (tmp_path / "copias" / "respaldo-20260310-223015.db").is_file()
    # A name given by hand is never replaced.
    named = cli("--db", make_url(url).database, "respaldo", "crear", str(first))
    assert named.exit_code == 2
    assert "ya existe" in named.stderr


def test_backups_databases_and_restores_are_closed_to_other_users(cli, office, tmp_path):
    import stat

    previous = os.umask(0o022)  # a server's usual umask: new files 644
    try:
        created = cli("init")
        assert created.exit_code == 0, created.stderr
        database = tmp_path / "conectados.db"
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            if path.exists():
                assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0, path
        assert stat.S_IMODE(database.stat().st_mode) == 0o640
        backup = tmp_path / "r.db"
        assert cli("respaldo", "crear", str(backup)).exit_code == 0
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
        restored = tmp_path / "otra" / "conectados.db"
        assert cli("--db", str(restored), "respaldo", "restaurar", str(backup)).exit_code == 0
        assert stat.S_IMODE(restored.stat().st_mode) == 0o640
        # A database an older version left 644 is closed by the next init.
        database.chmod(0o644)
        assert cli("init").exit_code == 0
        assert stat.S_IMODE(database.stat().st_mode) == 0o640
    finally:
        os.umask(previous)


def test_the_new_version_backs_up_a_previous_release_database_before_init(cli, tmp_path):
    """The upgrade in docs/instalacion.md: install the new version, back up, then init."""
    database = tmp_path / "conectados.db"
    connection = sqlite3.connect(database)
    dump = Path(__file__).parent / "data" / "base-0.1.0.sql"
    connection.executescript(dump.read_text(encoding="utf-8"))
    connection.close()
    before = table_rows(f"sqlite:///{database}")

    backup = tmp_path / "antes-de-actualizar.db"
    created = cli("--db", str(database), "respaldo", "crear", str(backup))
    assert created.exit_code == 0, created.stderr
    assert "esquema 0007" in created.stdout
    assert cli("--db", str(database), "init").exit_code == 0
    # Going back: the old schema's backup restores whole over the migrated database.
    restored = cli("--db", str(database), "respaldo", "restaurar", str(backup), "--forzar")
    assert restored.exit_code == 0, restored.stderr
    assert "ejecute «conectados init»" in restored.stdout
    assert table_rows(f"sqlite:///{database}") == before


def test_restore_refuses_a_file_that_is_not_a_conectados_backup(cli, office, tmp_path: Path):
    url = _copy(office, tmp_path)
    target = make_url(url).database
    before = table_rows(url)
    text = tmp_path / "notas.db"
    text.write_text("no soy una base de datos\n", encoding="utf-8")
    other = tmp_path / "otra.db"
    sqlite3.connect(other).execute("CREATE TABLE cosas (id INTEGER)").connection.close()

    for wrong, reason in (
        (text, "no es un respaldo de Conectados"),
        (other, "sin las tablas de Conectados"),
    ):
        result = cli("--db", target, "respaldo", "restaurar", "--forzar", str(wrong))
        assert result.exit_code == 2, result
        assert reason in result.stderr
        assert str(wrong) in result.stderr
    assert table_rows(url) == before, "nothing was touched"


def test_restore_over_a_database_with_data_asks_for_forzar(cli, office, tmp_path: Path):
    url = _copy(office, tmp_path)
    target = make_url(url).database
    backup = tmp_path / "r.db"
    assert cli("--db", target, "respaldo", "crear", str(backup)).exit_code == 0
    before = table_rows(url)["service_notice"]
    database = Database(url)
    with database.transaction(write=True) as connection:
        # A notice no broadcast refers to (the cut the demo notified is referred to).
        deleted = connection.exec_driver_sql(
            "DELETE FROM service_notice WHERE id NOT IN "
            "(SELECT notice_id FROM broadcast WHERE notice_id IS NOT NULL)"
        ).rowcount
    database.dispose()
    assert deleted

    refused = cli("--db", target, "respaldo", "restaurar", str(backup))
    assert refused.exit_code == 2
    assert "--forzar" in refused.stderr

    forced = cli("--db", target, "respaldo", "restaurar", "--forzar", str(backup))
    assert forced.exit_code == 0, forced.stderr
    assert len(table_rows(url)["service_notice"]) == len(before), "the deleted rows are back"


def test_restore_refuses_while_another_process_has_the_database_open(cli, office, tmp_path):
    url = _copy(office, tmp_path)
    target = make_url(url).database
    backup = tmp_path / "r.db"
    assert cli("--db", target, "respaldo", "crear", str(backup)).exit_code == 0
    service = sqlite3.connect(target)  # the daemon, still running
    service.execute("SELECT count(*) FROM post").fetchone()
    try:
        result = cli("--db", target, "respaldo", "restaurar", "--forzar", str(backup))
    finally:
        service.close()
    assert result.exit_code == 1
    assert "en uso" in result.stderr and "systemctl stop conectados" in result.stderr


def test_postgres_backup_without_its_tools_names_the_debian_package(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PATH", str(tmp_path / "sin-programas"))  # no pg_dump, no pg_restore
    dump = tmp_path / "copia.dump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00")
    database = "postgresql://conectados@127.0.0.1:1/nada"

    for args in (("crear", "otra.dump"), ("restaurar", str(dump))):
        result = cli("--db", database, "respaldo", *args)
        assert result.exit_code == 2, result
        assert "apt install postgresql-client" in result.stderr
    assert not (tmp_path / "otra.dump").exists()


@pytest.mark.postgres
def test_postgres_backup_while_writing_restores_every_row(cli, postgres_url, tmp_path: Path):
    url = fill_office(tmp_path / "oficina", postgres_url)
    before = table_rows(url)
    assert all(before.values())
    backup = tmp_path / "pg.dump"

    with Writer(url) as writer:
        created = cli("--db", url, "respaldo", "crear", str(backup))
    assert created.exit_code == 0, created.stderr
    assert backup.read_bytes().startswith(b"PGDMP")

    admin = sa.create_engine(
        os.environ["CONECTADOS_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT"
    )
    name = f"conectados_restore_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        new_url = make_url(url).set(database=name).render_as_string(hide_password=False)
        restored = cli("--db", new_url, "respaldo", "restaurar", str(backup))
        assert restored.exit_code == 0, restored.stderr
        _assert_restored(before, table_rows(new_url), writer.written)
        status = cli("--db", new_url, "status")
        assert status.exit_code == 0 and "(al día)" in status.stdout
        # The SQLite backup of another office is refused by a PostgreSQL database.
        sqlite_backup = tmp_path / "de-sqlite.db"
        sqlite3.connect(sqlite_backup).execute("CREATE TABLE t (id INTEGER)").connection.close()
        wrong = cli("--db", new_url, "respaldo", "restaurar", "--forzar", str(sqlite_backup))
        assert wrong.exit_code == 2
        assert "respaldo de SQLite" in wrong.stderr
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_restore_refuses_a_damaged_backup_and_leaves_the_database(cli, office, tmp_path: Path):
    url = _copy(office, tmp_path)
    target = make_url(url).database
    before = table_rows(url)
    backup = tmp_path / "r.db"
    assert cli("--db", target, "respaldo", "crear", str(backup)).exit_code == 0
    data = bytearray(backup.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    middle = (len(data) // page // 2) * page  # a page in the middle: the tables' own rows
    data[middle : middle + page] = b"\xa5" * page
    backup.write_bytes(bytes(data))

    result = cli("--db", target, "respaldo", "restaurar", "--forzar", str(backup))

    assert result.exit_code == 2, result
    assert "no es un respaldo de Conectados" in result.stderr
    assert table_rows(url) == before


def test_restore_refuses_a_backup_of_a_newer_conectados(cli, office, tmp_path: Path):
    url = _copy(office, tmp_path)
    backup = tmp_path / "de-la-version-siguiente.db"
    assert cli("--db", make_url(url).database, "respaldo", "crear", str(backup)).exit_code == 0
    newer = sqlite3.connect(backup)
    newer.execute("UPDATE alembic_version SET version_num = '9999_de_una_version_futura'")
    newer.commit()
    newer.close()
    target = tmp_path / "nueva" / "conectados.db"

    result = cli("--db", str(target), "respaldo", "restaurar", str(backup))

    assert result.exit_code == 2, result
    assert "versión más nueva de Conectados" in result.stderr
    assert "actualice Conectados" in result.stderr
    assert not target.exists()


@pytest.mark.postgres
def test_postgres_restore_refuses_while_another_session_is_connected(
    cli, postgres_url, tmp_path: Path
):
    url = fill_office(tmp_path / "oficina", postgres_url)
    backup = tmp_path / "pg.dump"
    assert cli("--db", url, "respaldo", "crear", str(backup)).exit_code == 0
    service = sa.create_engine(url)
    try:
        with service.connect() as connection:  # a daemon, still running
            connection.exec_driver_sql("SELECT 1")
            refused = cli("--db", url, "respaldo", "restaurar", "--forzar", str(backup))
        assert refused.exit_code == 1
        assert "en uso por otro proceso" in refused.stderr
        assert "systemctl stop conectados" in refused.stderr
    finally:
        service.dispose()
    # With the service stopped, the same restore goes through.
    restored = cli("--db", url, "respaldo", "restaurar", "--forzar", str(backup))
    assert restored.exit_code == 0, restored.stderr
