"""What `conectados channels check` asks (the command is office/channels_check.py).

The channels are opened as the daemon opens them (channels.registry.open_channels, same
settings and credentials), and each enabled network is asked, with its adapter's own client,
what its token may do. A network whose credentials are missing is reported, not opened.

In sandbox mode without `[sandbox] url`, the simulator asked is the daemon's (the one at
channels.registry.SANDBOX_URL, where `conectados sandbox permisos` takes permissions away)
when it answers; otherwise a fresh one is started, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from channels import registry
from channels.checks import SIMULATED, WIDTH, CheckLine, wrap
from channels.specs import display_name
from conectados.clock import Clock
from conectados.credentials import Credentials
from conectados.settings import ChannelMode, Settings

PROBE_TIMEOUT = 0.5
"""Seconds to wait for the daemon's simulator to answer before starting one of our own."""


@dataclass
class CheckReport:
    """What the check found, and what the person must know about where it asked."""

    wanted: list[str]
    """The enabled networks, in the settings' order."""
    header: str = ""
    notes: list[str] = field(default_factory=list)
    lines: list[CheckLine] = field(default_factory=list)
    simulated: set[str] = field(default_factory=set)
    """Networks in sandbox mode: their lines are the simulator's answers."""
    conclusive: set[str] = field(default_factory=set)
    """Networks asked where the daemon asks (the real network, or the daemon's simulator):
    only their results say anything about a pause the daemon set."""

    def passed(self, network: str) -> bool:
        """Whether every line of `network` passed (warnings do not fail)."""
        mine = [line for line in self.lines if line.network == network]
        return bool(mine) and not any(line.fails for line in mine)


def running_sandbox(url: str, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether a Conectados simulator answers at `url` (its control API, quickly)."""
    import requests

    try:
        answer = requests.get(f"{url}/_sandbox/permissions", timeout=timeout)
        state = answer.json()
    except (requests.RequestException, ValueError):
        return False
    return answer.status_code == 200 and isinstance(state, dict) and "revoked" in state


def run_check(settings: Settings, credentials: Credentials, clock: Clock | None) -> CheckReport:
    """Ask every enabled network (or the simulator) what its token may do."""
    wanted = {name: c for name, c in settings.channels.by_name().items() if c.enabled}
    report = CheckReport(list(wanted))
    if not wanted:
        return report
    report.simulated = {n for n, c in wanted.items() if c.mode == ChannelMode.SANDBOX}
    openable = {}
    for name, config in wanted.items():
        missing = _missing(name, config, settings, credentials)
        report.lines += missing
        if not missing:
            openable[name] = config
    report.conclusive = set(openable) - report.simulated
    sandbox = settings.sandbox
    if report.simulated and not sandbox.url:
        daemons = registry.SANDBOX_URL
        if running_sandbox(daemons):
            sandbox = sandbox.model_copy(update={"url": daemons})
            report.notes.append(f"Se pregunta al simulador que está en marcha en {daemons}.")
            report.conclusive |= set(openable) & report.simulated
        else:
            report.notes += wrap(
                f"No hay un simulador en marcha en {daemons} («conectados daemon» o "
                "«conectados sandbox serve»): se comprueba uno nuevo, con todos los permisos; "
                "lo que quite «conectados sandbox permisos» no se ve aquí.",
                WIDTH,
            )
    else:
        report.conclusive |= set(openable) & report.simulated
    if report.simulated == set(wanted):
        names = ", ".join(display_name(name) for name in wanted)
        report.header = f"Comprobando {names} en el simulador (modo de prueba)…"
    else:
        names = ", ".join(
            display_name(name) + (SIMULATED if name in report.simulated else "") for name in wanted
        )
        report.header = f"Comprobando {names}…"
    if openable:
        only = settings.model_copy(
            update={
                "sandbox": sandbox,
                "channels": settings.channels.model_copy(
                    update={
                        name: config.model_copy(update={"enabled": name in openable})
                        for name, config in settings.channels.by_name().items()
                    }
                ),
            }
        )
        with registry.open_channels(only, credentials, clock) as opened:
            for name, channel in opened.channels.items():
                report.lines += _check(name, channel, openable[name], settings, credentials)
    order = list(wanted)
    report.lines.sort(key=lambda line: order.index(line.network))
    return report


def _missing(network: str, config, settings, credentials) -> list[CheckLine]:
    """Real mode without the account id or a credential: said, and the network not opened."""
    from channels.checks import SECRETS_FILE

    if config.mode == ChannelMode.SANDBOX:
        return []
    lines, tokens = [], []
    key = config.missing_account_key()
    if key:
        fix = f"escriba {key} en el archivo de configuración (vea docs/instalacion.md)"
        if network == "instagram":
            fix = _linked_account_fix(config, settings, credentials)
        lines.append(CheckLine(network, f"falta {key} en [channels.{network}]", False, fix))
    for variable in config.credential_variables().values():
        if not credentials.is_present(variable):
            tokens.append(
                CheckLine(
                    network,
                    f"falta la variable de entorno {variable}",
                    False,
                    f"defina {variable} con el token o clave: una línea {variable}=valor en "
                    f"{SECRETS_FILE} (o en el entorno de quien ejecuta Conectados), o "
                    f"{variable}_FILE con la ruta de un archivo que lo contenga",
                )
            )
    # Instagram's token first: its cuenta_id is found with it (the check asks Meta)
    return tokens + lines if network == "instagram" else lines + tokens


def _linked_account_fix(config, settings, credentials) -> str:
    """Real mode with no cuenta_id: the account the Page links, for the team to copy, or
    why Meta could not be asked and where else the number is."""
    from channels.meta.graph import graph_client
    from channels.meta.instagram_check import cuenta_id_hint

    page_id = settings.channels.facebook.page_id
    token = credentials.get(config.token_env)
    missing = [] if token else [f"falta {config.token_env}"]
    missing += [] if page_id else ["falta pagina_id en [channels.facebook]"]
    if missing:
        return cuenta_id_hint(None, page_id, unasked=" y ".join(missing))
    api, _ = graph_client(token, app_secret=credentials.get(settings.webhooks.app_secret_env))
    return cuenta_id_hint(api, page_id)


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
    if name == "instagram":
        from channels.meta.instagram_check import MediaPlace, check_instagram

        real = config.mode != ChannelMode.SANDBOX
        page_id = settings.channels.facebook.page_id if real else str(channel.page_id or "")
        media = MediaPlace(settings.media_dir, config.media_url, real)
        token = _app_token(config, settings, credentials)
        return check_instagram(channel, page_id, token, config.token_env, media)
    if name == "whatsapp":
        from channels.meta.whatsapp_check import check_whatsapp

        return check_whatsapp(channel, _app_token(config, settings, credentials), config.token_env)
    from channels.x_check import check_x

    configured = config.user_id if config.mode == ChannelMode.REAL else ""
    return check_x(channel, configured, list(config.credential_variables().values()))
