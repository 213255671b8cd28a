"""What `conectados channels check` reports: one line per thing a network must allow.

Each network's check (channels/meta/facebook_check.py, channels/meta/whatsapp_check.py,
channels/x_check.py) asks the network itself, with the adapter's own client, and answers a list
of CheckLine. This module only holds that shape and how a list of them is printed and judged.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from channels.specs import display_name

WIDTH = 80

SECRETS_FILE = "/etc/conectados/conectados.env"
"""Where the installation guide keeps the tokens (docs/instalacion.md section 5)."""

NO_BREAK = "\u00a0"


def in_variable(variable: str) -> str:
    """Where a token goes, said as the guide says it: the secrets file, or the environment."""
    return f"la variable {variable} (en {SECRETS_FILE}, o en el entorno)"


def no_answer_reason(exc: BaseException) -> str:
    """Why a network did not answer, in plain Spanish (never the exception's English name)."""
    import requests

    if isinstance(exc, requests.Timeout | TimeoutError):
        return "se agotó el tiempo de espera"
    if isinstance(exc, requests.ConnectionError | ConnectionError):
        return "no hubo conexión"
    if isinstance(exc, requests.RequestException | OSError):
        return "falló la conexión"
    return "respondió algo que no se entiende"


def wrap(text: str, width: int = WIDTH, **options) -> list[str]:
    """textwrap.wrap, but a command or name inside «…» is never split across two lines."""
    kept = []
    rest = text
    while "«" in rest:
        before, _, after = rest.partition("«")
        inside, closed, after = after.partition("»")
        if not closed:
            kept.append(before + "«" + inside)
            rest = ""
            break
        kept.append(before + "«" + inside.replace(" ", NO_BREAK) + "»")
        rest = after
    kept.append(rest)
    options = {"break_long_words": False, "break_on_hyphens": False, **options}
    return [line.replace(NO_BREAK, " ") for line in textwrap.wrap("".join(kept), width, **options)]


@dataclass(frozen=True)
class CheckLine:
    """One thing checked on one network: what, whether it is there, and what to do if not."""

    network: str
    what: str
    """In plain Spanish: «el token es válido», «permiso pages_messaging (responder por Messenger)»."""
    ok: bool
    fix: str = ""
    """What to change, and where, when `ok` is false (or the warning's advice)."""
    warning: bool = False
    """Worth saying but not a failure (no template configured: replies wait for a person)."""

    @property
    def fails(self) -> bool:
        return not self.ok and not self.warning


SIMULATED = " (simulador)"


def all_ok(lines: Iterable[CheckLine]) -> bool:
    """Whether every line the enabled jobs need passed (warnings do not fail)."""
    return not any(line.fails for line in lines)


def mark(line: CheckLine) -> str:
    if line.ok:
        return "✔"
    return "!" if line.warning else "✘"


def render(lines: list[CheckLine], width: int = WIDTH, simulated: Iterable[str] = ()) -> str:
    """The checklist, network by network, each line within `width` columns; a network in
    `simulated` is headed «(simulador)»: its answers are the simulator's, not the network's."""
    simulated = set(simulated)
    out: list[str] = []
    network = None
    for line in lines:
        if line.network != network:
            network = line.network
            out.append(f"{display_name(network)}{SIMULATED if network in simulated else ''}:")
        out += wrap(
            f"{mark(line)} {line.what}",
            width,
            initial_indent="  ",
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        if line.fix and not line.ok:
            out += wrap(
                ("Qué hacer: " if line.fails else "Aviso: ") + line.fix,
                width,
                initial_indent="    ",
                subsequent_indent="    ",
                break_long_words=False,
                break_on_hyphens=False,
            )
    return "\n".join(out)
