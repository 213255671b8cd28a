"""A problem found in a calendar file: where it is, what it is, and whether it blocks."""

from __future__ import annotations

from dataclasses import dataclass


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
