"""The daily lists (replies, inbox, PQR, calendar, protocols) at the width of the window.

A list is a title, its fields and its rows of plain strings. On a window of CARDS_BELOW
columns or more it is a table whose columns are chosen by priority until they fit; below
that, or when not even the essential columns fit, it is one card per item (a heading and
`clave: valor` lines). Either way no line is wider than the window, a message preview is
cut with «…», and a link is never split across lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from conectados.spanish import MONTHS

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

# rich is imported by the functions that draw, not here: a command that finds nothing to
# list ("No hay respuestas pendientes.") answers without it.

CARDS_BELOW = 100
"""Narrower windows get cards: below 100 columns the replies and the inbox, with their
essential columns at a readable width (id, date, author, a 20-character preview, state),
leave nothing for the protocol or the reason, and a standard 80-column terminal would show
tables of wrapped fragments."""

NOT_A_TERMINAL_WIDTH = 160
"""The width when the output is a file or a pipe and COLUMNS is not set: a file has no
window; 160 columns keep one line per item (so `| grep` finds each row with its id) with the
columns that matter, and still read in a maximised laptop terminal or `less`."""

NARROWEST = 40
"""Below this (COLUMNS=10…) the cards would be only labels; the list is drawn at 40."""

Kind = Literal["word", "text", "preview", "link"]
"""word: short, never wrapped (ids, dates, states). text: wrapped on spaces (names,
reasons). preview: one line in a table, two in a card, cut with «…» (citizens' messages).
link: a URL or a path, never split."""

_COLUMN_EXTRA = 3
"""A table column takes one space of padding on each side and one border."""


@dataclass(frozen=True)
class Field:
    """One column of a table, one `label: value` line of a card."""

    label: str
    kind: Kind = "word"
    priority: int = 0
    """0: essential (without room for it the list becomes cards); higher ones go first."""
    min_width: int = 8
    """text and preview: the narrowest column worth showing."""
    max_width: int = 40
    """text and preview: the widest column, the rest is wrapped or cut."""
    card_label: str | None = None
    """The label in a card, when the column header is abbreviated ("conf." / "confianza")."""
    max_lines: int = 3
    """text: the lines it may take, the last one cut with «…» (the whole text is in `show`)."""


@dataclass
class Listing:
    title: str
    fields: Sequence[Field]
    heading: Sequence[str]
    """The labels of the fields that make a card's first line ("id 12 · pendiente")."""
    rows: list[Sequence[str]] = field(default_factory=list)
    hidden_hint: str = ""
    """Where to read what a narrow table leaves out ("conectados replies show ID")."""

    def add(self, *values: str | None) -> None:
        assert len(values) == len(self.fields), (values, self.fields)
        self.rows.append([" ".join((value or "").split()) for value in values])


def listing_console(environ: Mapping[str, str]) -> tuple[Console, int]:
    """A console for the standard output and the width to draw at.

    COLUMNS wins; then the terminal's own width, as rich detects it; a file or a pipe gets
    NOT_A_TERMINAL_WIDTH (rich would measure the terminal on stdin even when stdout is a
    file, and write 80 columns when none is there).
    """
    from rich.console import Console

    width = max(window_width(environ) or NOT_A_TERMINAL_WIDTH, NARROWEST)
    return Console(_environ=environ, highlight=False, width=width), width


def window_width(environ: Mapping[str, str]) -> int | None:
    """The window's width: COLUMNS, else the terminal's own; None for a file or a pipe."""
    from rich.console import Console

    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    console = Console(_environ=environ, highlight=False)
    return console.width if console.is_terminal else None


SCREEN_WIDEST = 100
"""One case on screen (replies show, review, pqr show) reads best as a column of text: at
most 100 columns wide, narrower when the window is."""


def screen_console(environ: Mapping[str, str]) -> Console:
    """A console for one case on screen: the window's width, at most SCREEN_WIDEST."""
    from rich.console import Console

    _, width = listing_console(environ)
    return Console(_environ=environ, highlight=False, width=min(width, SCREEN_WIDEST))


def _piped(environ: Mapping[str, str]) -> bool:
    """Output to a file or a pipe, with no COLUMNS to say how wide it should be."""
    from rich.console import Console

    columns = environ.get("COLUMNS", "")
    return (
        not (columns.isdigit() and int(columns) > 0) and not Console(_environ=environ).is_terminal
    )


def print_listing(listing: Listing, environ: Mapping[str, str]) -> None:
    console, width = listing_console(environ)
    if _piped(environ):
        # a file or a pipe: one line per item, so `| grep` finds each row with its id
        listing = replace(listing, fields=[replace(spec, max_lines=1) for spec in listing.fields])
    shown = _columns_that_fit(listing, width) if width >= CARDS_BELOW else None
    if shown is None:
        _print_cards(console, listing, width)
    else:
        _print_table(console, listing, width, shown)


def _natural(listing: Listing, index: int) -> int:
    from rich.cells import cell_len

    spec = listing.fields[index]
    longest = max([cell_len(spec.label)] + [cell_len(row[index]) for row in listing.rows])
    if spec.kind in ("text", "preview"):
        return max(min(longest, spec.max_width), 1)
    return longest


def _needed(listing: Listing, index: int) -> int:
    from rich.cells import cell_len

    spec = listing.fields[index]
    natural = _natural(listing, index)
    if spec.kind in ("text", "preview"):
        return min(natural, max(spec.min_width, cell_len(spec.label)))
    return natural


def _columns_that_fit(listing: Listing, width: int) -> dict[int, int] | None:
    """Column index → width, dropping the least important columns until the table fits."""
    shown = list(range(len(listing.fields)))
    by_importance = sorted(shown, key=lambda i: (listing.fields[i].priority, i))

    def room(columns: list[int]) -> int:
        return width - 1 - sum(_needed(listing, i) + _COLUMN_EXTRA for i in columns)

    while room(shown) < 0:
        droppable = [i for i in reversed(by_importance) if i in shown]
        if not droppable or listing.fields[droppable[0]].priority == 0:
            return None
        shown.remove(droppable[0])
    widths = {i: _needed(listing, i) for i in shown}
    wants = {i: _natural(listing, i) - widths[i] for i in shown}
    spare, wanted = room(shown), sum(wants.values())
    for i in shown:  # the flexible columns share the spare room by what each lacks
        grow = wants[i] if wanted <= spare else spare * wants[i] // wanted
        widths[i] += grow
        wants[i] -= grow
    spare -= sum(widths.values()) - sum(_needed(listing, i) for i in shown)
    for i in shown:  # what the rounding left, in order
        grow = min(spare, wants[i])
        widths[i] += grow
        spare -= grow
    return widths


_URL = re.compile(r"(?:https?://|www\.)\S+")


def shorten_links(text: str, room: int) -> str:
    """Each URL longer than `room` cut to fit, with «…», so wrapping never splits it."""
    from rich.cells import cell_len

    def cut(match: re.Match[str]) -> str:
        url = match.group()
        return url if cell_len(url) <= room else url[: max(room - 1, 1)] + "…"

    return _URL.sub(cut, text)


def _print_table(console: Console, listing: Listing, width: int, widths: dict[int, int]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=listing.title, expand=False)
    for index, column_width in widths.items():
        spec = listing.fields[index]
        table.add_column(
            spec.label,
            width=column_width,
            no_wrap=spec.kind != "text",
            overflow="ellipsis",
        )
    for row in listing.rows:
        cells = []
        for index, column_width in widths.items():
            spec = listing.fields[index]
            if spec.kind == "text":
                cells.append(Text("\n").join(_wrapped(console, spec, row[index], column_width)))
            else:  # Text: citizens' words are never markup
                cells.append(Text(shorten_links(row[index], column_width)))
        table.add_row(*cells)
    console.print(table)
    hidden = [spec.label for i, spec in enumerate(listing.fields) if i not in widths]
    if hidden:
        note = f"No caben en esta ventana: {', '.join(hidden)}"
        note += f"; véalos con «{listing.hidden_hint}»." if listing.hidden_hint else "."
        for line in Text(note).wrap(console, width):
            console.print(line, soft_wrap=True)


def _print_cards(console: Console, listing: Listing, width: int) -> None:
    from rich.cells import cell_len

    console.print(_cut(listing.title, width, style="bold"), soft_wrap=True)
    labels = [f"{spec.card_label or spec.label}: " for spec in listing.fields]
    top = [i for i, spec in enumerate(listing.fields) if spec.label in listing.heading]
    body = [i for i in range(len(listing.fields)) if i not in top]
    indent = 2 + max((cell_len(labels[i]) for i in body), default=0)
    for row in listing.rows:
        console.print()
        lead = listing.fields[top[0]]  # "id 12", "radicado 2026-000001"; a name goes alone
        heading = " · ".join(
            [f"{lead.label} {row[top[0]]}" if lead.kind == "word" else row[top[0]]]
            + [row[i] for i in top[1:]]
        )
        console.print(_cut(heading, width, style="bold"), soft_wrap=True)
        for i in body:
            if row[i]:
                for line in _card_lines(
                    console, listing.fields[i], labels[i], row[i], width, indent
                ):
                    console.print(line, soft_wrap=True)


def _card_lines(
    console: Console, spec: Field, label: str, value: str, width: int, indent: int
) -> list[Text]:
    from rich.cells import cell_len
    from rich.text import Text

    room = width - indent
    first = Text("  " + label.ljust(indent - 2), style="dim")
    if spec.kind == "link":
        if cell_len(value) <= room:
            return [first + Text(value)]
        # on a line of its own, whole: a terminal that wraps it still keeps it one link
        lead = "  " if cell_len(value) <= width - 2 else ""
        return [Text("  " + label.rstrip(), style="dim"), Text(lead + value)]
    lines = _wrapped(console, spec, value, room)
    pad = Text(" " * indent)
    return [(first if n == 0 else pad) + line for n, line in enumerate(lines)]


_GLUE = "\ue000"
"""Stands for a space wrapping must not break at: a private-use character, one cell wide and
not whitespace to rich (which breaks at a non-breaking space too)."""
KEEP_TOGETHER = (" %", " a. m.", " p. m.")
"""What a line is never broken before or inside: «39 %», «2:00 p. m.»."""


def wrap_text(console: Console, text: str, width: int, style: str = "") -> list[Text]:
    """`text` wrapped on spaces in `width` cells, «39 %» and «2:00 p. m.» never split."""
    from rich.text import Text

    for together in KEEP_TOGETHER:
        text = text.replace(together, together.replace(" ", _GLUE))
    lines = list(Text(text, style=style).wrap(console, width))
    for line in lines:
        line.rstrip()
        line.plain = line.plain.replace(_GLUE, " ")  # as long as before: the styles stay
    return lines


def _wrapped(console: Console, spec: Field, value: str, room: int) -> list[Text]:
    """The value wrapped on spaces in `room` cells, at most its lines (a preview: two)."""
    most = 2 if spec.kind == "preview" else spec.max_lines
    lines = wrap_text(console, shorten_links(value, room), room)
    if len(lines) > most:
        lines = [*lines[: most - 1], _cut(lines[most - 1].plain + " …", room)]
    return lines


def _cut(text: str, room: int, style: str = "") -> Text:
    """One line of at most `room` cells, ending in «…» when something was cut."""
    from rich.text import Text

    line = Text(text, style=style)
    line.truncate(room, overflow="ellipsis")
    return line


def short_moment(moment: datetime, today: date) -> str:
    """ "10 mar 15:30"; with the year ("10 mar 2025 15:30") when it is not this year's."""
    return f"{short_date(moment.date(), today)} {moment:%H:%M}"


def short_date(day: date, today: date) -> str:
    """ "10 mar"; "10 mar 2025" when the year is not `today`'s."""
    text = f"{day.day} {MONTHS[day.month - 1][:3]}"
    return text if day.year == today.year else f"{text} {day.year}"
