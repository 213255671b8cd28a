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

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: "
        who = f"{self.entry_id}: " if self.entry_id else ""
        kind = "advertencia: " if self.warning else ""
        return f"{where}{who}{kind}{self.message}"
