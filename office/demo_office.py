"""The demo's office at work: the daemon's jobs, built by office.build, run in order
against the simulated networks while simulated citizens write."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from channels.specs import SPECS, display_name
from conectados.app import App
from conectados.files import write_atomically
from conectados.spanish import number, spanish_list
from content_calendar.check import CheckResult, checker_for
from content_calendar.importer import import_calendar
from office.build import Office, open_office, start_receiver
from office.demo_notices import notices_part
from office.demo_text import (
    ACTIONS,
    WORK_DAY,
    WORK_HOURS,
    WORK_SECTORS,
    Outcome,
    next_month,
    per_network,
    say,
    shifted_day,
    short,
)
from reports.figures import build_report, month
from reports.render import html

DEMO_MESSAGES = Path(__file__).parent / "demo_mensajes.yaml"
TODAY_POSTS = 3


def run_office(
    app: App,
    folder: Path,
    calendar: Path,
    console: Console,
    quick: bool,
    opener: Callable[..., AbstractContextManager[Office]] = open_office,
) -> Outcome:
    """The daemon's jobs, as `conectados daemon` builds them (`opener`), for real and in
    order, against the simulated networks."""
    settings = app.settings
    outcome = Outcome()
    now = app.clock.now()
    _add_notices(app, now, next_month(app))
    # Three posts of the sample calendar, due in the next seconds, go out on time.
    entries = checker_for(settings, now).check_file(calendar).entries[:TODAY_POSTS]
    step = 1 if quick else 8
    today = [
        replace(entry, id=f"hoy-{n}", scheduled_at=now + timedelta(seconds=step * n))
        for n, entry in enumerate(entries, start=1)
    ]
    import_calendar(
        app.database, CheckResult(path=folder / "hoy.yaml", entries=today), "demo: hoy", now
    )
    due = [entry.scheduled_at for entry in today]
    networks = sum(len(entry.networks) for entry in today)
    say(console, f"Hoy salen {len(today)} publicaciones del calendario: {per_network(today)}.")
    with opener(app, app.database) as office:
        sandbox = office.channels.sandbox
        assert sandbox is not None  # the demo's settings name no sandbox URL
        console.print("\n[bold]2. Publicar a su hora[/]")
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            console=console, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task("publicando", total=networks)
            while True:
                round_ = office.publisher.run_once()
                for claimed, receipt in round_.published + round_.recovered:
                    late = (receipt.created_at or app.clock.now()) - claimed.scheduled_at
                    outcome.published += 1
                    outcome.on_time += late.total_seconds() < 60
                    say(
                        progress.console,
                        f"✓ {display_name(claimed.network)}, {claimed.post_id} "
                        f"(+{number(max(late.total_seconds(), 0), 1)} s): "
                        f"{escape(receipt.url or receipt.remote_id)}",
                    )
                    progress.advance(task)
                for claimed in round_.failed:
                    outcome.not_published.append((claimed.id, claimed.network, claimed.post_id))
                    say(
                        progress.console,
                        f"[red]✗ {display_name(claimed.network)}, {claimed.post_id}: no salió[/]",
                    )
                    progress.advance(task)
                done = outcome.published + len(outcome.not_published)
                if done >= networks or app.clock.now() > due[-1] + timedelta(seconds=60):
                    break
                left = max((max(due) - app.clock.now()).total_seconds(), 0)
                progress.update(task, description=f"esperando la hora (faltan {left:.0f} s)")
                time.sleep(0.2)
        outcome.planned = networks
        outcome.failures = _why_not_published(app, outcome.not_published)
        published = _published_posts(app)
        console.print("\n[bold]3. Los ciudadanos escriben y Conectados atiende[/]")
        import yaml  # only the demo reads YAML here

        messages = yaml.safe_load(DEMO_MESSAGES.read_text(encoding="utf-8"))
        # Some networks push their messages: a webhook receiver, subscribed as in Meta's
        # dashboard.
        pushed = [network.display_name for network in SPECS.values() if network.pushed]
        receiver = start_receiver(app, app.database, sandbox.url, port=0)
        assert receiver is not None  # the demo's settings receive WhatsApp in the service
        try:
            for message in messages:
                body = {
                    "network": message["red"],
                    "kind": message["tipo"],
                    "text": message["texto"],
                    "author": message["autor"],
                }
                if message.get("foto"):
                    body["media"] = "image"
                if message["tipo"] == "comment":
                    if message["red"] not in published:
                        continue  # a comment goes under one of today's posts: none went out
                    body["on"] = published[message["red"]]
                sandbox.control("POST", "citizen", body)
                outcome.citizens += 1
        finally:
            receiver.stop()
        say(
            console,
            f"{outcome.citizens} mensajes de ciudadanos en las redes simuladas (los de "
            f"{spanish_list(pushed)} llegaron por webhook a {receiver.url}).",
        )
        catalogue = office.catalogue
        with console.status("leyendo, respondiendo y radicando…"):
            for inbox in office.inboxes.values():
                inbox.run_once()
            office.responder.run_once()
            office.outbox.run_once()
            office.metrics.run_once()
        names = {protocol.id: protocol.name for protocol in catalogue}
        show_decisions(app, console, outcome, since=now, names=names)
        outcome.notices = notices_part(app, office, console)
        # The messages to subscribe and leave are citizens' messages answered too.
        outcome.citizens += outcome.notices.messages
        outcome.answered += outcome.notices.answered
        state = sandbox.control("GET", "state")
        outcome.sandbox_posts = sum(len(state[name]["posts"]) for name in state)
        outcome.sandbox_replies = sum(  # the notices' templates are no replies
            1
            for name in state
            for reply in state[name]["replies"]
            if reply.get("type") != "template"
        )
        outcome.hidden = sum(len(state[name].get("hidden", [])) for name in state)
    console.print("\n[bold]4. El informe del mes[/]")
    period = month(f"{app.clock.now().astimezone(settings.zone):%Y-%m}", settings.zone)
    with app.database.session() as session:
        report = build_report(
            session.connection(), period, settings.company.name, tuple(settings.channels.by_name()), now=app.clock.now(),
            protocol_names=names,
        )  # fmt: skip
    outcome.month = f"{period.start:%Y-%m}"
    outcome.report = folder / f"informe-{outcome.month}.html"
    write_atomically(outcome.report, html(report))
    say(console, outcome.report.name)
    return outcome


def _add_notices(app: App, now, first_day: date) -> None:
    """Today's cut in the Centro, and the work the calendar announces, on its moved day."""
    from responders.models import ServiceNotice

    zone = app.settings.zone
    work = shifted_day(WORK_DAY, first_day)
    start, end = (datetime.combine(work, time_of_day(hour), zone) for hour in WORK_HOURS)
    with app.database.session(write=True) as session:
        session.add(
            ServiceNotice(
                sector="Barrio Centro",
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=5),
                reason="cambio de una válvula en la red",
                created_at=now,
            )
        )
        for sector in WORK_SECTORS:
            session.add(
                ServiceNotice(
                    sector=sector,
                    starts_at=start,
                    ends_at=end,
                    reason="lavado del tanque de almacenamiento del sector Norte",
                    created_at=now,
                )
            )


def _why_not_published(app: App, missing: list[tuple[int, str, str]]) -> list[str]:
    """ "hoy-2 en X: la red la rechazó: …" for each publication that did not go out."""
    import sqlalchemy as sa

    from content_calendar.models import Publication

    with app.database.session() as session:
        errors = dict(
            session.execute(
                sa.select(Publication.id, Publication.last_error).where(
                    Publication.id.in_([publication for publication, _, _ in missing])
                )
            ).all()
        )
    return [
        f"{post} en {display_name(network)}: {errors.get(publication) or 'sin motivo registrado'}"
        for publication, network, post in missing
    ]


def _published_posts(app: App) -> dict[str, str]:
    """The remote id of the newest post on each network (citizens comment on it)."""
    import sqlalchemy as sa

    from content_calendar.models import Publication, PublicationState

    with app.database.session() as session:
        rows = session.execute(
            sa.select(Publication.network, Publication.remote_id)
            .where(Publication.state == PublicationState.PUBLISHED)
            .order_by(Publication.published_at)
        ).all()
    return {network: remote_id for network, remote_id in rows}


def show_decisions(
    app: App, console: Console, outcome: Outcome, since, names: dict[str, str]
) -> None:
    """What Conectados did with each message of this run (earlier runs stay in the database)."""
    import sqlalchemy as sa

    from responders.models import Interaction, InteractionState, Reply, ReplyState, Ticket

    with app.database.session() as session:
        interactions = (
            session.execute(
                sa.select(Interaction)
                .where(Interaction.received_at >= since)
                .order_by(Interaction.written_at, Interaction.id)
            )
            .scalars()
            .all()
        )
        tickets = {
            ticket.interaction_id: ticket for ticket in session.execute(sa.select(Ticket)).scalars()
        }
        outcome.pending = session.execute(
            sa.select(sa.func.count())
            .select_from(Reply)
            .join(Interaction, Interaction.id == Reply.interaction_id)
            .where(Reply.state == ReplyState.PENDING, Interaction.received_at >= since)
        ).scalar_one()
    for interaction in interactions:
        outcome.answered += interaction.state == InteractionState.ANSWERED
        outcome.ticketed += interaction.state == InteractionState.TICKETED
        outcome.ignored += interaction.state == InteractionState.IGNORED
        ticket = tickets.get(interaction.id)
        if ticket is not None:
            outcome.radicados.append(ticket.radicado)
        state = interaction.state
        topic = names.get(interaction.protocol or "", interaction.protocol)
        if ticket is not None:
            what = f"{ticket.radicado} — {escape(topic or '')}; vence el {ticket.due_date:%Y-%m-%d}"
        elif state == InteractionState.ANSWERED:
            what = f"— {escape(topic or '')}"
        else:
            what = f"[dim]— {escape(interaction.decision or '')}[/]"
        say(
            console,
            f"• {display_name(interaction.network)}, {escape(interaction.author_name)}: "
            f"«{escape(short(interaction.text))}»",
        )
        say(console, f"→ {ACTIONS.get(state.value, state.value)} {what}", indent=5)
