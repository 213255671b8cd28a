"""A problem found in a calendar file: where it is, what it is, and whether it blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    entry_id: str | None
    message: str
    warning: bool = False
    field: str | None = None
    """The field (column, in a CSV) it is about, as the team writes it: in a spreadsheet the
    line is the row, and the field says which cell."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: "
        who = f"{self.entry_id}: " if self.entry_id else ""
        kind = "advertencia: " if self.warning else ""
        cell = f" (campo {self.field})" if self.field else ""
        return f"{where}{who}{kind}{self.message}{cell}"


WHOLE = re.compile(r"(?<=\d) (?=×|%|(?:MB|s|min|px)\b)|(?<=×) (?=\d)")
"""The spaces a wrapped line never breaks at: «1.080 × 1.350», «8 MB», «15 min» stay whole."""


def problem_text(problem: Problem, file: str, width: int | None) -> str:
    """The problem as `calendar check` prints it, naming `file` as the user wrote it.

    `width` None (a file or a pipe): one line per problem, for grep and scripts. In a window:
    wrapped to it, the continuation indented under the message when the head is short (the
    head alone otherwise), a «…» quote, a size or a path never split.
    """
    from channels.checks import NO_BREAK, wrap

    shown = replace(problem, file=file)
    if width is None:
        return str(shown)
    head = str(replace(shown, message="", field=None))
    text = str(replace(shown, file=file.replace(" ", NO_BREAK)))
    text = WHOLE.sub(NO_BREAK, text)
    if problem.field:
        cell = f"(campo {problem.field})"
        text = text.replace(cell, cell.replace(" ", NO_BREAK))
    indent = len(head) if len(head) <= width * 2 // 5 else 4  # 32 columns at 80
    return "\n".join(wrap(text, width, subsequent_indent=" " * indent))
