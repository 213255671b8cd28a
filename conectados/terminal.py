"""Click, in Spanish: the command and group classes every package's commands use."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import click

from conectados.errors import BadInput

_SECTIONS = {
    "Options": "Opciones",
    "Commands": "Comandos",
    "Positional arguments": "Argumentos",
}


class SpanishHelpFormatter(click.HelpFormatter):
    """Click's help layout with Spanish headings."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix or "Uso: ")

    def section(self, name: str):
        return super().section(_SECTIONS.get(name, name))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        """Click's own words in option help ("[default: x]", "[0<=x<=60]", "TEXT"), in Spanish."""
        super().write_dl(
            [(_spanish(term, _METAVARS), _spanish(text, _EXTRAS)) for term, text in rows],
            col_max,
            col_spacing,
        )


_METAVARS = (
    (re.compile(r"\bINTEGER RANGE\b|\bINTEGER\b|\bFLOAT RANGE\b|\bFLOAT\b"), "N"),
    (re.compile(r"\bTEXT\b"), "TEXTO"),
    (re.compile(r"\bPATH\b|\bFILE\b"), "RUTA"),
)
_EXTRAS = (
    (re.compile(r"default: "), "por omisión: "),
    (re.compile(r"\brequired\b"), "obligatorio"),
    (re.compile(r"(\d+)<=x<=(\d+)"), r"de \1 a \2"),
    (re.compile(r"x>=(\d+)"), r"desde \1"),
    (re.compile(r"x<=(\d+)"), r"hasta \1"),
)


def _spanish(text: str, replacements) -> str:
    for pattern, replacement in replacements:
        text = pattern.sub(replacement, text)
    return text


class SpanishContext(click.Context):
    formatter_class = SpanishHelpFormatter


class _Spanish:
    context_class = SpanishContext

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "Muestra esta ayuda y termina."
        return option


class Command(_Spanish, click.Command):
    """A command whose help is in Spanish."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[OPCIONES]")
        super().__init__(*args, **kwargs)


SPANISH_COMMANDS: dict[str, tuple[str, ...]] = {
    "calendario": ("calendar",),
    "bandeja": ("inbox",),
    "protocolos": ("protocols",),
    "respuestas": ("replies",),
    "informe": ("report",),
    "estado": ("status",),
    "iniciar": ("init",),
    "demostracion": ("demo",),
    "simulador": ("sandbox",),
    "ciudadano": ("citizen",),
    "servir": ("serve",),
    "lista": ("list",),
    "listar": ("list",),
    "ver": ("show",),
    "mostrar": ("show",),
    "aprobar": ("approve",),
    "rechazar": ("reject",),
    "revisar": ("review", "check"),
    "importar": ("import",),
    "cancelar": ("cancel",),
    "vista": ("preview",),
    "responder": ("answer",),
    "cerrar": ("close",),
    "exportar": ("export",),
    "probar": ("match",),
    "evaluar": ("evaluate",),
    "agregar": ("add",),
    "anadir": ("add",),
}
"""Spanish words a person may type for the commands named in English: accepted quietly
(accents and case aside), the English names stay the documented ones."""


class Group(_Spanish, click.Group):
    """A group whose help, and its subcommands' help, is in Spanish; its commands also answer
    to their Spanish names (SPANISH_COMMANDS)."""

    command_class = Command
    group_class = type  # subgroups are of this same class

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[OPCIONES]")
        kwargs.setdefault("subcommand_metavar", "COMANDO [ARGUMENTOS]...")
        super().__init__(*args, **kwargs)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        for name in SPANISH_COMMANDS.get(folded(cmd_name), ()):
            command = super().get_command(ctx, name)
            if command is not None:
                return command
        return None

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        return (command.name if command is not None else name), command, rest


ID_MAX = 2**31 - 1
"""The largest id a table can hold: ids are INTEGER columns (32 bits on PostgreSQL)."""


class RowId(click.ParamType):
    """The id of a row, typed by a person: a number the database can hold, or "not found".

    A number no table can hold (0, negative, beyond 32 bits) is answered like any id that
    does not exist, with `missing` (exit 2), before the database is asked: SQLite would
    overflow and PostgreSQL refuse the query.
    """

    name = "id"

    def __init__(self, missing: str) -> None:
        self.missing = missing
        """The not-found sentence, with `{id}` where the number goes."""

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            digits = text[1:] if text[:1] in "+-" else text  # one sign at most: "-+5" is no number
            if not (digits.isascii() and digits.isdigit()) or len(digits) > 100:
                self.fail(
                    f"«{text[:40]}» no es un número; escriba el id tal como aparece en la lista"
                )
            number = int(text)
        if not 1 <= number <= ID_MAX:
            raise BadInput(self.missing.format(id=number), "ID")
        return number


def folded(text: str) -> str:
    """ "Mención " -> "mencion": how a typed value is compared (case and accents aside)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class SpanishChoice(click.Choice):
    """One of a few words, typed in Spanish: the help shows only the Spanish words, and a
    value the team typed before in English ("comment") is still taken, quietly.

    `words` maps each Spanish word to the value the code uses; `aliases` maps other
    spellings to it. Case and accents do not matter: "mencion" and "Mención" are one word.
    """

    def __init__(self, words: Mapping[str, str], aliases: Mapping[str, str] | None = None):
        super().__init__(list(words))
        self.words = dict(words)
        self._values = {folded(word): value for word, value in words.items()} | {
            folded(alias): value for alias, value in (aliases or {}).items()
        }

    def convert(self, value, param, ctx) -> str:
        found = self._values.get(folded(str(value)))
        if found is None:
            self.fail(
                f"«{str(value)[:40]}» no es un valor válido; use uno de: {', '.join(self.words)}",
                param,
                ctx,
            )
        return found

    def word_for(self, value: str) -> str:
        """The Spanish word of a value the code uses ("comment" -> "comentario")."""
        return next((word for word, known in self.words.items() if known == value), value)


def message_kinds() -> SpanishChoice:
    """How a citizen wrote, as the team types it (--tipo, --canal): the English names the
    code uses are kept as aliases, since the first guides printed them."""
    return SpanishChoice(
        {"comentario": "comment", "mención": "mention", "mensaje": "message"},
        {"comment": "comment", "mention": "mention", "message": "message"},
    )
