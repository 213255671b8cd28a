"""The roof: one function builds the office for the daemon and the demo; the command line
and the database start without importing what they do not need."""

from __future__ import annotations

import contextlib
import inspect
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from channels.specs import pushed_networks
from conectados.app import App
from conectados.clock import FixedClock, SystemClock
from content_calendar.models import Publication, PublicationState
from office import cli
from office.build import OfficePolicy, open_office
from office.daemon import serve
from office.demo import run_demo
from office.status import collect_status
from responders.models import (
    Interaction,
    InteractionKind,
    Reply,
    ReplyState,
    SetAsideItem,
    Ticket,
    TicketStatus,
)
from tests.filled_office import fill_office

REPO = Path(__file__).resolve().parent.parent


def test_the_demo_and_the_daemon_get_their_office_from_the_same_function_with_the_same_policies(
    tmp_path: Path,
):
    assert inspect.signature(serve).parameters["opener"].default is open_office
    assert inspect.signature(run_demo).parameters["opener"].default is open_office
    built = []

    @contextlib.contextmanager
    def recorded(app, database, **options):
        with open_office(app, database, **options) as office:
            built.append((app.settings, office))
            yield office

    folder = tmp_path / "demo"
    run_demo(App(environ={}, cwd=tmp_path, clock=SystemClock()), folder, True, recorded)
    daemon_app = App(environ={}, cwd=folder, config_path=str(folder / "conectados.toml"))
    try:
        serve(daemon_app, once=True, opener=recorded)
    finally:
        daemon_app.close()

    (demo_settings, demo), (daemon_settings, daemon) = built
    assert demo.policy == daemon.policy == OfficePolicy.from_settings(daemon_settings)
    assert demo.publisher.policy == daemon.publisher.policy == daemon.policy.publish
    assert demo.publisher.workers == daemon.publisher.workers == daemon.policy.workers
    for office in (demo, daemon):
        assert office.outbox.lease == office.policy.outbox.lease
        assert office.outbox.max_attempts == office.policy.outbox.max_attempts
        assert office.outbox.hide_exposed == office.policy.outbox.hide_exposed
        assert office.metrics.days == office.policy.metrics_days
    assert set(demo.inboxes) == set(daemon.inboxes)
    assert demo_settings.source == daemon_settings.source


def _modules_after(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {name.split(".")[0] for name in result.stdout.split()}


HEAVY = {"sqlalchemy", "sqlmodel", "rich", "uvicorn", "starlette", "jinja2", "yaml", "tweepy"}
DOMAIN = {"channels", "content_calendar", "scheduler", "responders", "webhooks", "reports"}


def test_the_command_line_answers_help_without_importing_anything_heavy():
    loaded = _modules_after(
        "import contextlib, io\nfrom office.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()): run(['--help'])"
    )
    assert not loaded & (HEAVY | DOMAIN)


def test_running_migrations_imports_no_domain_package(tmp_path: Path):
    loaded = _modules_after(
        f"from conectados.db import Database\nDatabase({'sqlite:///' + str(tmp_path / 'x.db')!r}).upgrade()"
    )
    assert "migrations" not in loaded and not loaded & DOMAIN


def _modules_of_command(tmp_path: Path, *args: str) -> set[str]:
    """Every module (full names) a fresh process imports to run `conectados --db … args`."""
    db = ["--db", str(tmp_path / "conectados.db")]
    run = "import contextlib, io\nfrom office.cli import run\n"
    _modules_after(run + f"with contextlib.redirect_stdout(io.StringIO()): run({[*db, 'init']!r})")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            run + f"with contextlib.redirect_stdout(io.StringIO()): assert run({[*db, *args]!r}) == 0"
            "\nimport sys; print(' '.join(sys.modules))",
        ],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(result.stdout.split())


def _under(loaded: set[str], *packages: str) -> set[str]:
    return {name for name in loaded if name.split(".")[0] in packages or name in packages} | {
        name for name in loaded for package in packages if name.startswith(package + ".")
    }


ADAPTERS = ("channels.meta", "channels.x", "channels.sandbox", "tweepy", "pyfacebook")


def test_status_reads_the_schema_without_alembic_templates_adapters_or_the_receiver(
    tmp_path: Path,
):
    loaded = _modules_of_command(tmp_path, "status")
    assert not _under(loaded, "alembic", "jinja2", "uvicorn", "starlette", *ADAPTERS)


def test_replies_list_imports_no_receiver_and_no_network_client(tmp_path: Path):
    loaded = _modules_of_command(tmp_path, "replies", "list")
    assert not _under(loaded, "uvicorn", "starlette", "alembic", *ADAPTERS)
    # Nothing waits in a new database: «No hay respuestas pendientes.» needs no table drawn,
    # no protocol's name and no review rule.
    assert not _under(loaded, "rich", "yaml", "jinja2", "responders.review")


MODELS_AND_ORM = ("sqlmodel", "sqlalchemy.orm", "content_calendar.models", "responders.models",
                  "scheduler.models")  # fmt: skip


def test_status_reads_its_counts_without_the_models_or_the_orm(tmp_path: Path):
    assert not _under(_modules_of_command(tmp_path, "status"), *MODELS_AND_ORM)


def test_replies_list_reads_its_rows_without_the_models_or_the_orm(tmp_path: Path):
    assert not _under(_modules_of_command(tmp_path, "replies", "list"), *MODELS_AND_ORM)


def test_status_of_a_filled_office_counts_what_the_models_count(tmp_path: Path):
    url = fill_office(tmp_path / "oficina")
    # A year on: every open PQR is overdue, so the overdue count is tested too.
    later = datetime.now(UTC) + timedelta(days=365)
    app = App(environ={}, cwd=tmp_path, clock=FixedClock(later), database_override=url)
    try:
        shown = collect_status(app)
        zone = app.settings.zone
        with app.database.session() as session:

            def count(model, *conditions) -> int:
                return session.exec(
                    sa.select(sa.func.count()).select_from(model).where(*conditions)
                ).one()[0]

            expected = {
                "pending_publications": count(
                    Publication,
                    Publication.state.in_(
                        [PublicationState.SCHEDULED, PublicationState.PUBLISHING]
                    ),
                ),
                "pending_replies": count(
                    Reply,
                    Reply.state.in_([ReplyState.PENDING, ReplyState.APPROVED, ReplyState.SENDING]),
                ),
                "open_tickets": count(Ticket, Ticket.status == TicketStatus.OPEN),
                "overdue_tickets": count(
                    Ticket,
                    Ticket.status == TicketStatus.OPEN,
                    Ticket.due_date < later.astimezone(zone).date(),
                ),
                "set_aside_total": count(SetAsideItem),
            }
            last = session.exec(
                sa.select(sa.func.max(Interaction.received_at)).where(
                    Interaction.network.in_(pushed_networks())
                    | (  # Instagram's direct messages come only by webhook too
                        (Interaction.network == "instagram")
                        & (Interaction.kind == InteractionKind.MESSAGE)
                    )
                )
            ).one()[0]
    finally:
        app.close()
    assert {name: getattr(shown, name) for name in expected} == expected
    assert expected["pending_replies"] and expected["open_tickets"] and expected["set_aside_total"]
    assert expected["overdue_tickets"] == expected["open_tickets"]
    assert shown.last_pushed_message == f"{last.astimezone(zone):%Y-%m-%d %H:%M}"
    assert shown.set_aside_today == 0  # set aside a year before the clock's day
    assert "sin texto ni id legible" in (shown.latest_set_aside or "")
    assert [channel.name for channel in shown.channels if channel.paused_until] == []
    now = App(environ={}, cwd=tmp_path, database_override=url)
    try:
        paused = {c.name: c.pause_reason for c in collect_status(now).channels if c.paused_until}
    finally:
        now.close()
    assert paused == {"x": "token revocado"}


def test_every_command_s_short_help_is_the_first_paragraph_of_its_docstring():
    for name, (_where, short) in cli.COMMANDS.items():
        command = cli.load_command(name)
        assert command.help.split("\n\n")[0].replace("\n", " ") == short, name


def test_a_command_answers_to_its_spanish_name_and_shows_its_own_help(capsys):
    assert cli.run(["estado", "--help"]) == 0
    assert "Muestra cómo está todo" in capsys.readouterr().out
