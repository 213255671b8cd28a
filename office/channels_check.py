"""`conectados channels check`: before the first post, do the company's tokens do the job?

The asking is channels.check_run's; this command prints the checklist and, for each network
whose lines all pass, lifts the pause a refused token left in the database (the daemon uses
the network again on its next round).
"""

from __future__ import annotations

import click

from channels.check_run import CheckReport, run_check
from channels.checks import WIDTH, all_ok, render, wrap
from channels.specs import display_name
from conectados.app import App
from conectados.errors import ExitStatus
from conectados.terminal import Group


@click.group(cls=Group)
def channels() -> None:
    """Redes sociales: comprobar que los tokens de la empresa sirven para cada tarea."""


@channels.command()
@click.pass_obj
def check(app: App) -> int:
    """Comprueba los tokens de las redes activas y los permisos que necesita cada tarea.

    Pregunta a Facebook, X y WhatsApp (o al simulador, en modo de prueba) si el token es
    válido y si permite publicar, leer comentarios, ocultarlos, responder mensajes y leer las
    cifras. Muestra ✔ o ✘ por cada cosa y, para cada ✘, qué cambiar y dónde. Termina con
    código 0 solo si está todo lo que necesitan las tareas activas; si no, con 1. Si una red
    estaba EN PAUSA y todo lo suyo pasa, le quita la pausa.
    """
    report = run_check(app.settings, app.credentials, app.clock)
    if not report.wanted:
        click.echo(
            "No hay redes activas: active alguna en [channels] del archivo de configuración."
        )
        return ExitStatus.FAILURE
    click.echo(report.header)
    for note in report.notes:
        click.echo(note)
    click.echo(render(report.lines, simulated=report.simulated))
    for line in _lift_pauses(app, report):
        click.echo(line)
    if all_ok(report.lines):
        click.echo("\nTodo en orden: las redes activas tienen lo que necesitan sus tareas.")
        return ExitStatus.OK
    failures = sum(line.fails for line in report.lines)
    many = failures > 1
    summary = (
        f"Falta{'n' if many else ''} {failures} cosa{'s' if many else ''} (arriba, con qué "
        f"hacer). Corríja{'las' if many else 'la'} y vuelva a ejecutar «conectados channels check»."
    )
    click.echo("\n" + "\n".join(wrap(summary, WIDTH)))
    return ExitStatus.FAILURE


def _lift_pauses(app: App, report: CheckReport) -> list[str]:
    """End the pause of each network whose lines all passed where the daemon asks; say so.
    No database yet (or an old one): there is no pause to lift."""
    lifted = [name for name in report.wanted if name in report.conclusive and report.passed(name)]
    if not lifted:
        return []
    database = app.database
    if not database.exists() or not database.schema_state().is_current:
        return []
    from scheduler.paused import paused_channels
    from scheduler.pauses import clear_pause

    now = app.clock.now()
    said = []
    with database.transaction(write=True) as connection:
        paused = paused_channels(connection, now)
        for name in lifted:
            if name in paused:
                clear_pause(connection, name, now)
                said += wrap(
                    f"Se quitó la pausa de {display_name(name)}: la comprobación pasó y el "
                    "servicio vuelve a usar la red en su próxima ronda.",
                    WIDTH,
                )
    return ["", *said] if said else []
