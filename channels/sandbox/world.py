"""What every emulated network keeps: its calls, its pending faults, ids and time."""

from __future__ import annotations

import itertools
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import UTC, datetime

FAULT_STATUSES = (401, 429, 500, 503, "timeout")


@dataclass
class Fault:
    """The next `count` calls to a network fail this way."""

    status: int | str
    count: int
    retry_after: float = 60.0
    delay: float = 5.0
    """For "timeout": how long the answer takes (the call is carried out all the same)."""


class NetworkWorld:
    """The state one emulated network shares between its routes."""

    name = ""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.faults: deque[Fault] = deque()
        # Like the real networks' ids, later ids are larger, also across restarts: a cursor or
        # an id saved from an earlier run never collides with a new one.
        self._ids = itertools.count(int(time.time() * 1000) * 100)

    def next_number(self) -> int:
        return next(self._ids)

    def add_fault(self, fault: Fault) -> None:
        self.faults.append(fault)

    def take_fault(self) -> Fault | None:
        """The fault that applies to the call being made now, if any."""
        while self.faults and self.faults[0].count <= 0:
            self.faults.popleft()
        if not self.faults:
            return None
        fault = self.faults[0]
        fault.count -= 1
        return fault

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


def parse_time(value: str | int | float | None) -> datetime | None:
    """A time as the APIs accept it: epoch seconds or ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) or str(value).lstrip("-").isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]  # Graph writes +0000
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
