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


def all_ok(lines: Iterable[CheckLine]) -> bool:
    """Whether every line the enabled jobs need passed (warnings do not fail)."""
    return not any(line.fails for line in lines)


def mark(line: CheckLine) -> str:
    if line.ok:
        return "✔"
    return "!" if line.warning else "✘"


def render(lines: list[CheckLine], width: int = WIDTH) -> str:
    """The checklist, network by network, each line within `width` columns."""
    out: list[str] = []
    network = None
    for line in lines:
        if line.network != network:
            network = line.network
            out.append(f"{display_name(network)}:")
        out += textwrap.wrap(
            f"{mark(line)} {line.what}",
            width,
            initial_indent="  ",
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        if line.fix and not line.ok:
            out += textwrap.wrap(
                ("Qué hacer: " if line.fails else "Aviso: ") + line.fix,
                width,
                initial_indent="    ",
                subsequent_indent="    ",
                break_long_words=False,
                break_on_hyphens=False,
            )
    return "\n".join(out)
