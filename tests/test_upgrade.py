"""Upgrades: a database made by the previous release keeps every row after `conectados init`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

DATA = Path(__file__).parent / "data"
PREVIOUS_RELEASE_DUMP = DATA / "base-0.1.0.sql"


def _rows_by_table(path: Path) -> dict[str, list[dict[str, object]]]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: [dict(row) for row in connection.execute(f'SELECT * FROM "{table}"')]
            for table in tables
        }
    finally:
        connection.close()


def _load_previous_release(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.executescript(PREVIOUS_RELEASE_DUMP.read_text(encoding="utf-8"))
    finally:
        connection.close()


def test_init_upgrades_a_previous_release_database_keeping_every_row(cli, tmp_path: Path):
    database = tmp_path / "conectados.db"
    _load_previous_release(database)
    before = _rows_by_table(database)
    assert all(before[table] for table in before), "the fixture has rows in every table"

    result = cli("--db", str(database), "init")
    assert result.exit_code == 0, result.stderr
    assert "Base de datos" in result.stdout

    after = _rows_by_table(database)
    for table, rows in before.items():
        if table == "alembic_version":
            continue
        assert len(after[table]) == len(rows), table
        # Every old row is still there with the values it had (new columns may be added).
        kept = sorted(repr({k: row[k] for k in rows[0]}) for row in after[table])
        assert kept == sorted(repr(row) for row in rows), table

    status = cli("--db", str(database), "status")
    assert status.exit_code == 0, status.stderr
    assert "(al día)" in status.stdout
    assert "PQR abiertas" in status.stdout


def test_previous_release_dump_is_the_0_1_0_schema():
    text = PREVIOUS_RELEASE_DUMP.read_text(encoding="utf-8")
    assert "INSERT INTO \"alembic_version\" VALUES('0007');" in text
