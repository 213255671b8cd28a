"""Click, in Spanish: the command and group classes every package's commands use."""

from __future__ import annotations

import click

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


class Group(_Spanish, click.Group):
    """A group whose help, and its subcommands' help, is in Spanish."""

    command_class = Command
    group_class = type  # subgroups are of this same class

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[OPCIONES]")
        kwargs.setdefault("subcommand_metavar", "COMANDO [ARGUMENTOS]...")
        super().__init__(*args, **kwargs)
