"""A database with rows in every table, made by the real office: the demo, then the few
things the demo never meets (a paused network, an unreadable item, an undelivered reply)."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from channels.base import SetAside
from conectados.app import App
from conectados.db import Database
from office.cli import run
from office.demo import demo_config_text
from responders.examples import ExampleAction
from responders.intake import record_set_aside
from responders.learning import record, save_run
from responders.models import Interaction
from responders.policy import Thresholds
from responders.replies import record_undelivered
from scheduler.pauses import pause_channel
from web.accounts import session_secret


def fill_office(folder: Path, database: str | None = None) -> str:
    """Run the demo in `folder` (on `database` if given) and add what it leaves empty;
    return the database's SQLAlchemy URL."""
    folder.mkdir(parents=True, exist_ok=True)
    config = demo_config_text()
    if database is not None:
        config = f"base_datos = {database!r}\n" + config
    (folder / "conectados.toml").write_text(config, encoding="utf-8")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = run(["demo", "--rapido", "--carpeta", str(folder)], app=App(environ={}, cwd=folder))
    assert code == 0, output.getvalue()[-2000:]
    app = App(environ={}, cwd=folder, config_path=str(folder / "conectados.toml"))
    url = app.settings.database_url.render_as_string(hide_password=False)
    app.close()
    add_rare_rows(Database(url))
    return url


def add_rare_rows(database: Database, now: datetime | None = None) -> None:
    """One row in each table the demo leaves empty, written by the office's own functions."""
    now = now or datetime.now(UTC)
    try:
        with database.transaction(write=True) as connection:
            pause_channel(connection, "x", now + timedelta(hours=1), "token revocado", now)
            record_set_aside(
                connection,
                [SetAside("facebook", "comment", "sin texto ni id legible", excerpt="{…}")],
                "poll",
                now,
            )
            record_undelivered(connection, "whatsapp", [("wamid.demo-1", 131047, "fuera")], now)
            # What a review decision teaches, and thresholds computed from it.
            interaction = connection.execute(sa.select(sa.func.min(Interaction.id))).scalar_one()
            record(connection, interaction_id=interaction, text="¿dónde pago el recibo?",
                   protocol="pago", action=ExampleAction.ANSWER, reviewer="Ana", now=now)  # fmt: skip
            save_run(connection, "0" * 64, Thresholds(per_protocol={"pago": 0.55}), "{}", 1,
                     None, now, "evaluate")  # fmt: skip
        session_secret(database)  # the web office's signing key, made when it first starts
    finally:
        database.dispose()


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: what a restore must give back."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted((tuple(row) for row in connection.execute(sa.select(table))), key=repr)
                for name, table in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()
