"""`conectados channels check`: before the first post, do the company's tokens do the job?

The channels are opened as the daemon opens them (channels.registry.open_channels, same
settings and credentials), and each enabled network is asked, with its adapter's own client,
what its token may do. A network whose credentials are missing is reported, not opened.
"""

from __future__ import annotations

import textwrap

import click

from channels.checks import WIDTH, CheckLine, all_ok, render
from channels.specs import display_name
from conectados.errors import ExitStatus
from conectados.settings import ChannelMode
from conectados.terminal import Group


@click.group(cls=Group)
def channels() -> None:
    """Redes sociales: comprobar que los tokens de la empresa sirven para cada tarea."""


@channels.command()
@click.pass_obj
def check(app) -> int:
    """Comprueba los tokens de las redes activas y los permisos que necesita cada tarea.

    Pregunta a Facebook, X y WhatsApp (o al simulador, en modo de prueba) si el token es
    válido y si permite publicar, leer comentarios, ocultarlos, responder mensajes y leer las
    cifras. Muestra ✔ o ✘ por cada cosa y, para cada ✘, qué cambiar y dónde. Termina con
    código 0 solo si está todo lo que necesitan las tareas activas; si no, con 1.
    """
    from channels.registry import open_channels

    settings, credentials = app.settings, app.credentials
    lines: list[CheckLine] = []
    wanted = {name: c for name, c in settings.channels.by_name().items() if c.enabled}
    if not wanted:
        click.echo(
            "No hay redes activas: active alguna en [channels] del archivo de configuración."
        )
        return ExitStatus.FAILURE
    openable = {}
    for name, config in wanted.items():
        missing = _missing(name, config, credentials)
        lines += missing
        if not missing:
            openable[name] = config
    modes = {str(config.mode) for config in wanted.values()}
    click.echo(
        "Comprobando "
        + ", ".join(display_name(name) for name in wanted)
        + (" en el simulador (modo de prueba)" if modes == {"sandbox"} else "")
        + "…"
    )
    if openable:
        only = settings.model_copy(
            update={
                "channels": settings.channels.model_copy(
                    update={
                        name: config.model_copy(update={"enabled": name in openable})
                        for name, config in settings.channels.by_name().items()
                    }
                )
            }
        )
        with open_channels(only, credentials, app.clock) as opened:
            for name, channel in opened.channels.items():
                lines += _check(name, channel, openable[name], settings, credentials)
    order = list(wanted)
    lines.sort(key=lambda line: order.index(line.network))
    click.echo(render(lines))
    if all_ok(lines):
        click.echo("\nTodo en orden: las redes activas tienen lo que necesitan sus tareas.")
        return ExitStatus.OK
    failures = sum(line.fails for line in lines)
    many = failures > 1
    summary = (
        f"Falta{'n' if many else ''} {failures} cosa{'s' if many else ''} (arriba, con qué "
        f"hacer). Corríja{'las' if many else 'la'} y vuelva a ejecutar «conectados channels check»."
    )
    click.echo("\n" + textwrap.fill(summary, WIDTH, break_on_hyphens=False))
    return ExitStatus.FAILURE


def _missing(network: str, config, credentials) -> list[CheckLine]:
    """Real mode without the account id or a credential: said, and the network not opened."""
    if config.mode == ChannelMode.SANDBOX:
        return []
    lines = []
    key = config.missing_account_key()
    if key:
        lines.append(
            CheckLine(
                network,
                f"falta {key} en [channels.{network}]",
                False,
                f"escriba {key} en el archivo de configuración (vea docs/instalacion.md)",
            )
        )
    for variable in config.credential_variables().values():
        if not credentials.is_present(variable):
            lines.append(
                CheckLine(
                    network,
                    f"falta la variable de entorno {variable}",
                    False,
                    f"defina {variable} con el token o clave (o {variable}_FILE con la ruta de "
                    "un archivo que lo contenga)",
                )
            )
    return lines


def _app_token(config, settings, credentials) -> str | None:
    if config.mode == ChannelMode.SANDBOX:  # the simulator's app: the same way as real mode
        from channels.sandbox.graph_checks import sandbox_app_token

        return sandbox_app_token()
    app_id = settings.channels.facebook.app_id  # one Meta app: the Page's and the number's
    secret = credentials.get(settings.webhooks.app_secret_env)
    return f"{app_id}|{secret}" if app_id and secret else None


def _check(name: str, channel, config, settings, credentials) -> list[CheckLine]:
    if name == "facebook":
        from channels.meta.facebook_check import check_facebook, facebook_jobs

        jobs = facebook_jobs(settings.pqr.hide_comments_with_data)
        token = _app_token(config, settings, credentials)
        return check_facebook(channel, jobs, token, config.token_env)
    if name == "whatsapp":
        from channels.meta.whatsapp_check import check_whatsapp

        return check_whatsapp(channel, _app_token(config, settings, credentials), config.token_env)
    from channels.x_check import check_x

    configured = config.user_id if config.mode == ChannelMode.REAL else ""
    return check_x(channel, configured, list(config.credential_variables().values()))
