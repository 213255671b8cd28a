"""The demo's WhatsApp notices: two citizens subscribe to the Centro's notices by WhatsApp, a
cut notice reaches both (added as `avisos add --notificar` adds it), one leaves with «SALIR».

The citizens' messages and WhatsApp's statuses (delivered, read) come by webhook to the
office's receiver, as in a company; the daemon's jobs run one round at a time."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import partial
from pathlib import Path

from rich.console import Console

from conectados.app import App
from conectados.files import write_atomically
from conectados.spanish import number
from notices import notice_sends
from office.build import Office, start_receiver
from office.demo_text import NoticesOutcome, say

DEMO_SECTORS = Path(__file__).parent / "demo_sectores.yaml"
SUBSCRIBERS = (("Inés Rojas", "AVISOS Centro"), ("Julián Peña", "avisos el centro"))
"""Two citizens subscribe by WhatsApp to the Centro's notices, each in their own words."""
SECTOR = "Centro"
REASON = "reparación de un tubo en la calle 5"
STATUS_WAIT = 10.0
"""Seconds the demo waits at most for WhatsApp's statuses of the notice (they come by
webhook; the simulator sends them at once)."""


def notices_part(app: App, office: Office, console: Console) -> NoticesOutcome:
    """Subscribe, notify, unsubscribe, and say what happened with `avisos estado`'s figures.
    The folder gets the company's sectores.yaml (the demo's sample)."""
    sectors = app.settings.sectors_path
    if not sectors.exists():
        write_atomically(sectors, DEMO_SECTORS.read_text(encoding="utf-8"))
    console.print("\n[bold]Avisos por WhatsApp[/]")
    sandbox = office.channels.sandbox
    assert sandbox is not None  # the demo's settings name no sandbox URL
    outcome = NoticesOutcome()
    since = app.clock.now()
    receiver = start_receiver(app, app.database, sandbox.url, port=0)
    assert receiver is not None  # WhatsApp's messages and statuses arrive by webhook
    try:
        for author, text in SUBSCRIBERS:
            _write(sandbox, author, text)
            say(console, f"{author} escribe por WhatsApp «{text}».")
        _round(office)
        outcome.subscribed = _subscribed(app)
        say(
            console,
            f"Conectados les confirma la suscripción por WhatsApp: {outcome.subscribed} "
            f"suscritos a los avisos del {SECTOR} (la lista de sectores es {sectors.name}).",
        )
        sent = add_and_notify(app, SECTOR, REASON)
        outcome.notice_id = sent.notice_id
        say(
            console,
            f"El equipo registra un corte en el {SECTOR} y lo avisa: conectados avisos add "
            f"--sector {SECTOR} … --notificar (aviso {sent.notice_id}, para "
            f"{sent.queued} suscritos).",
        )
        _round(office)
        _wait_for_statuses(app, sent.notice_id, outcome)
        say(console, f"El aviso {sent.notice_id} por WhatsApp (conectados avisos estado):")
        for line in figures_lines(outcome):
            say(console, line, indent=5)
        author = SUBSCRIBERS[1][0]
        _write(sandbox, author, "SALIR")
        _round(office)
        outcome.subscribed_after = _subscribed(app)
        outcome.left = outcome.subscribed - outcome.subscribed_after
        say(
            console,
            f"{author} escribe «SALIR»: queda registrado el retiro de su consentimiento y ya "
            f"no recibe avisos ({remaining(outcome.subscribed_after)}).",
        )
    finally:
        receiver.stop()
    outcome.messages, outcome.answered = _messages_since(app, since)
    return outcome


def add_and_notify(app: App, sector: str, reason: str) -> notice_sends.Notified:
    """A cut notice from now to four hours on, sent to the sector's subscribers: the same
    function `avisos add --notificar` calls."""
    from responders import service_notices

    now = app.clock.now()
    ends = now + timedelta(hours=4)
    return notice_sends.add_and_notify(
        app.database,
        partial(service_notices.add, sector=sector, starts=now, ends=ends, reason=reason, now=now),
        sector,
        now,
        ends,
        reason,
        app.settings.sectors_path,
        app.settings.notices,
        app.settings.zone,
        now,
        created_by="demo",
    )


def figures_lines(outcome: NoticesOutcome) -> list[str]:
    """The notice's figures as `avisos estado` counts them, plainly."""
    lines = [
        f"suscritos alcanzados: {number(outcome.reached)}; enviados: {number(outcome.sent)}; "
        f"fallidos: {number(outcome.failed)}"
    ]
    if outcome.confirmed:
        lines.append(
            f"entregados: {number(outcome.delivered)}; leídos: {number(outcome.read)} (WhatsApp "
            "lo confirma por webhook)"
        )
    else:
        lines.append("entregados y leídos: se sabrán cuando WhatsApp lo confirme")
    return lines


def remaining(count: int) -> str:
    """ "queda 1 suscrito", "quedan 2 suscritos"."""
    return "queda 1 suscrito" if count == 1 else f"quedan {number(count)} suscritos"


def _write(sandbox, author: str, text: str) -> None:
    """A citizen writes to the company's WhatsApp (the simulator pushes it by webhook)."""
    sandbox.control(
        "POST",
        "citizen",
        {"network": "whatsapp", "kind": "message", "text": text, "author": author},
    )


def _round(office: Office) -> None:
    """One round of the daemon's jobs that answer and notify (the messages came by webhook)."""
    office.responder.run_once()
    office.outbox.run_once()
    office.notifier.run_once()


def _wait_for_statuses(app: App, notice_id: int, outcome: NoticesOutcome) -> None:
    """Read the notice's figures until WhatsApp has said of every send whether it was read
    (or failed), or STATUS_WAIT has passed: statuses come by webhook, a moment later."""
    deadline = time.monotonic() + STATUS_WAIT
    while True:
        _read_figures(app, notice_id, outcome)
        outcome.confirmed = outcome.read + outcome.failed >= outcome.reached
        if outcome.confirmed or time.monotonic() > deadline:
            return
        time.sleep(0.1)


def _read_figures(app: App, notice_id: int, outcome: NoticesOutcome) -> None:
    from notices.notice_status import notice_broadcasts

    with app.database.session() as session:
        found = notice_broadcasts(session.connection(), notice_id, app.clock.now())
    for figures in found[:1]:  # the notice's own broadcast (a restoration would come next)
        outcome.reached, outcome.sent = figures.reached, figures.sent
        outcome.delivered, outcome.read = figures.delivered, figures.read
        outcome.failed = figures.failed


def _messages_since(app: App, since) -> tuple[int, int]:
    """The citizens' messages of this part, and how many of them were answered."""
    import sqlalchemy as sa

    from responders.models import Interaction, InteractionState

    with app.database.session() as session:
        rows = session.execute(
            sa.select(Interaction.state).where(Interaction.received_at >= since)
        ).scalars()
        states = [InteractionState(state) for state in rows]
    return len(states), states.count(InteractionState.ANSWERED)


def _subscribed(app: App) -> int:
    """People subscribed to the Centro's service notices now."""
    import sqlalchemy as sa

    from notices.models import Consent, Purpose

    with app.database.session() as session:
        return session.execute(
            sa.select(sa.func.count(sa.distinct(Consent.subscriber_id))).where(
                Consent.purpose == Purpose.NOTICES,
                Consent.sector == SECTOR,
                Consent.withdrawn_at.is_(None),
            )
        ).scalar_one()
