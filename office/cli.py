"""The `conectados` command: root group, Spanish help, and where errors become exit codes.

People type these commands all day, so this module imports nothing heavy: each command's
module is imported only when that command runs (pip's approach), and `--help` lists them
from COMMANDS without importing any.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import click

from conectados.app import App
from conectados.errors import BadInput, ConectadosError, ExitStatus, ManyBadInputs
from conectados.logs import configure_logging, redactor, use_log_settings
from conectados.terminal import SPANISH_COMMANDS, Group, folded

if TYPE_CHECKING:
    from conectados.settings import Settings

log = logging.getLogger("conectados")

COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "office.commands:init",
        "Prepara la base de datos y el archivo de configuración.",
    ),
    "status": (
        "office.commands:status",
        "Muestra cómo está todo y qué está pendiente.",
    ),
    "demo": (
        "office.demo:demo",
        "La oficina completa con una empresa de ejemplo y el simulador de redes, en un minuto.",
    ),
    "calendar": (
        "content_calendar.commands:calendar",
        "Calendario de contenidos: revisar, importar y consultar lo que se publicará.",
    ),
    "daemon": (
        "office.daemon:daemon",
        "El servicio: publica a su hora, lee a los ciudadanos y envía las respuestas aprobadas.",
    ),
    "protocols": (
        "responders.commands:protocols",
        "Protocolos de respuesta: ver, probar con un texto y evaluar con mensajes etiquetados.",
    ),
    "replies": (
        "responders.review_commands:replies",
        "Respuestas a los ciudadanos: revisar, aprobar, corregir o rechazar.",
    ),
    "inbox": (
        "responders.commands:inbox",
        "Lo que escribieron los ciudadanos y qué se hizo con cada mensaje.",
    ),
    "pqr": (
        "responders.pqr_commands:pqr",
        "Oficina de PQR: radicados, plazos legales, respuestas y el reporte para la SSPD.",
    ),
    "avisos": (
        "responders.notices:avisos",
        "Avisos de servicio (cortes programados, daños): la respuesta sobre falta de agua los "
        "cita, y con --notificar (o «avisos notificar») se envían por WhatsApp a los "
        "suscriptores.",
    ),
    "suscriptores": (
        "notices.subscriber_commands:suscriptores",
        "Suscriptores de avisos por WhatsApp: quiénes, a qué sectores, su consentimiento y su "
        "borrado.",
    ),
    "sectores": (
        "notices.subscriber_commands:sectores",
        "Sectores de la empresa (barrios y veredas) para los avisos por WhatsApp.",
    ),
    "report": (
        "reports.commands:report",
        "Informe de alcance y atención: publicaciones, interacción, solicitudes, respuestas, PQR.",
    ),
    "sandbox": (
        "channels.commands:sandbox",
        "Simulador local de Facebook, Instagram, X y WhatsApp, para pruebas y demostraciones.",
    ),
    "channels": (
        "office.channels_check:channels",
        "Redes sociales: comprobar que los tokens de la empresa sirven para cada tarea.",
    ),
    "webhooks": (
        "office.receiver:webhooks",
        "Recibe lo que Meta envía: mensajes de WhatsApp, comentarios y mensajes de Facebook e Instagram.",
    ),
    "servicio": (
        "office.service:servicio",
        "Instala Conectados como servicio del sistema (systemd).",
    ),
    "web": (
        "office.web_office:web",
        "La oficina web: revisar, radicar, planear y ver el informe desde el navegador.",
    ),
    "usuarios": (
        "office.web_office:usuarios",
        "Cuentas de la oficina web: crear, listar y desactivar.",
    ),
    "respaldo": (
        "office.backup:respaldo",
        "Respaldos de la base de datos: crear y restaurar.",
    ),
}
"""Each command's name -> "module:attribute" of its click command, and its one-line help
(the first paragraph of the command's docstring; a test keeps the two equal)."""


class LazyGroup(Group):
    """A group whose commands are imported when they run, not when the program starts."""

    def __init__(self, *args, lazy: Mapping[str, tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for name in (cmd_name, *SPANISH_COMMANDS.get(folded(cmd_name), ())):
            if name in self.lazy and name not in self.commands:
                self.add_command(load_command(name), name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's command list, with the short help of a command not yet imported taken
        from the mapping instead of importing it."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is None:
                rows.append(
                    (name, click.Command(name, help=self.lazy[name][1]).get_short_help_str(limit))
                )
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def load_command(name: str) -> click.Command:
    """Import the module of the command `name` (a key of COMMANDS) and return the command."""
    module, attribute = COMMANDS[name][0].split(":")
    return getattr(importlib.import_module(module), attribute)


def installed_version() -> str:
    """The version pip installed (its metadata), not a number copied into the code."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("conectados")
    except PackageNotFoundError:
        return "desconocida (no está instalado; instálelo con «make» o «pip install .»)"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"conectados {installed_version()}")
    ctx.exit()


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "config_path",
    metavar="ARCHIVO",
    help="Archivo de configuración (si no: CONECTADOS_CONFIG, luego ./conectados.toml).",
)
@click.option(
    "--db",
    "database",
    metavar="RUTA|URL",
    help="Base de datos: ruta de un archivo SQLite o URL postgresql://… (reemplaza base_datos).",
)
@click.option(
    "-v", "--verbose", count=True, help="Muestra más detalle (-vv: también el de las librerías)."
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Muestra la versión instalada y termina.",
)
@click.pass_obj
def main(app: App, config_path: str | None, database: str | None, verbose: int) -> None:
    """Conectados: la oficina de servicio digital de la empresa.

    Publica el calendario de contenidos en las redes sociales, lee lo que escriben los
    ciudadanos, responde las preguntas frecuentes con los protocolos aprobados, radica las
    PQR con su plazo legal y deja cada caso dudoso para revisión de una persona.

    Para empezar: «conectados init» y luego «conectados status». Los comandos también se
    pueden escribir en español: calendario, respuestas, bandeja, informe, protocolos…, y lista,
    ver, aprobar, rechazar, revisar, importar, responder, cerrar, exportar.
    """
    app.config_path = config_path
    app.database_override = database
    app.verbose = verbose
    configure_logging(verbose)
    app.settings_loaded = _log_as_the_settings_say


def _log_as_the_settings_say(settings: Settings) -> None:
    use_log_settings(settings.zone, settings.log_file)


_NEGATIVE_NUMBER = re.compile(r"-[0-9][0-9.,]*")
_EXTRA_ARGUMENTS = re.compile(r"Got unexpected extra arguments? \((.*)\)")


def _usage_message(exc: click.UsageError) -> str:
    """Click's usage errors, said in Spanish."""
    hint = ""
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        hint = exc.param.get_error_hint(exc.ctx) if exc.ctx else exc.param.name or ""
        hint = hint.replace("'", "")
    if isinstance(exc, click.NoSuchOption) and _NEGATIVE_NUMBER.fullmatch(exc.option_name):
        message = f"{exc.option_name}: aquí no se admiten números negativos"
    elif isinstance(exc, click.NoSuchOption):
        message = f"la opción {exc.option_name} no existe"
        if exc.possibilities:
            message += f"; ¿quiso decir {', '.join(exc.possibilities)}?"
    elif isinstance(exc, click.exceptions.NoSuchCommand):
        message = f"el comando «{exc.command_name}» no existe"
        if exc.possibilities:
            message += f"; ¿quiso decir {', '.join(exc.possibilities)}?"
    elif isinstance(exc, click.MissingParameter):
        kind = (
            "el argumento"
            if exc.param_type == "argument"
            or (exc.param is not None and exc.param.param_type_name == "argument")
            else "la opción"
        )
        message = f"falta {kind} {hint}".rstrip()
    elif isinstance(exc, click.BadParameter):
        kind = exc.param.type if exc.param is not None else None
        if isinstance(kind, click.Choice):
            reason = "use uno de: " + ", ".join(str(choice) for choice in kind.choices)
        elif isinstance(kind, click.types.IntParamType):
            reason = "debe ser un número entero" + (
                f" entre {kind.min} y {kind.max}" if isinstance(kind, click.IntRange) else ""
            )
        else:
            reason = exc.message
        message = f"valor no válido para {hint}: {reason}" if hint else reason
    elif isinstance(exc, click.BadOptionUsage) and "requires an argument" in exc.message:
        message = f"la opción {exc.option_name} necesita un valor"
    elif exc.message == "Missing command.":
        message = "falta el comando"
    elif extra := _EXTRA_ARGUMENTS.match(exc.message):
        message = f"sobra lo siguiente, que el comando no espera: {extra.group(1)}"
    else:
        message = exc.format_message()
    command_path = exc.ctx.command_path if exc.ctx else "conectados"
    return (
        f"{message.rstrip('.')}{'' if message.endswith('?') else '.'} Vea «{command_path} --help»."
    )


def _print_error(message: str) -> None:
    for line in redactor.redact(message).splitlines():
        click.echo(f"Error: {line}", err=True)


def run(argv: Sequence[str] | None = None, app: App | None = None) -> int:
    """Run the command line and return its exit code; never raises."""
    app = app if app is not None else App()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        for number, arg in enumerate(args, start=1):
            if "\x00" in arg:  # no shell can pass one; a path with it breaks every OS call
                shown = arg[:40].replace("\x00", "\\0")
                raise BadInput(
                    f"el argumento {number} («{shown}») contiene un carácter nulo (\\0), "
                    "que ningún valor admite; quítelo"
                )
            if any("\udc80" <= char <= "\udcff" for char in arg):
                # bytes that are not UTF-8 (a Latin-1 terminal): Python keeps them as
                # surrogates, which no file, database or network accepts
                shown = arg[:40].encode("utf-8", "replace").decode("utf-8")
                raise BadInput(
                    f"el argumento {number} («{shown}») no está escrito en UTF-8; configure la "
                    "terminal en UTF-8 (por ejemplo LANG=es_CO.UTF-8) y vuelva a escribirlo"
                )
        result = main.main(args=args, prog_name="conectados", standalone_mode=False, obj=app)
        return int(result) if isinstance(result, int) else ExitStatus.OK
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else main.get_help(click.Context(main)))
        return ExitStatus.OK
    except click.UsageError as exc:
        _print_error(_usage_message(exc))
        return ExitStatus.BAD_INPUT
    except ConectadosError as exc:
        # Never a traceback: the sentence is the whole story, and under systemd a traceback
        # would fill the journal on every restart.
        if isinstance(exc, ManyBadInputs) and len(exc.problems) > 1:
            click.echo(f"Error: se encontraron {len(exc.problems)} problemas:", err=True)
        _print_error(exc.message)
        return exc.exit_status
    except (click.Abort, KeyboardInterrupt):
        click.echo("Interrumpido.", err=True)
        return 130
    except click.ClickException as exc:
        _print_error(exc.format_message())
        return exc.exit_code
    except Exception as exc:
        if _is_channel_error(exc):  # a network call made by a command (demo, daemon --once)
            _print_error(f"la red no respondió como se esperaba: {exc}")
            return ExitStatus.FAILURE
        if app.verbose >= 2:
            log.critical("error inesperado; el detalle, para el equipo técnico:", exc_info=True)
        _print_error(
            f"error inesperado ({type(exc).__name__}). Ejecute el mismo comando con -vv para "
            "ver el detalle y envíelo al equipo técnico."
        )
        return ExitStatus.FAILURE
    finally:
        app.close()


def _is_channel_error(exc: Exception) -> bool:
    # Only a command that imported the channels can raise their error: asked without
    # importing them, so that starting the program stays cheap.
    base = sys.modules.get("channels.base")
    return base is not None and isinstance(exc, base.ChannelError)


def entry() -> None:
    """Console script entry point."""
    sys.exit(run())
