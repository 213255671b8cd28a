"""What every emulated network keeps: its calls, its pending faults, ids and time."""

from __future__ import annotations

import hashlib
import itertools
import time
import unicodedata
from collections import Counter, deque
from dataclasses import dataclass
from datetime import UTC, datetime

from conectados.clock import Clock, SystemClock

FAULT_STATUSES = (401, 429, 500, 503, "timeout", "refusal")


@dataclass
class Fault:
    """The next `count` calls to a network fail this way."""

    status: int | str
    count: int
    retry_after: float = 60.0
    delay: float = 5.0
    """For "timeout": how long the answer takes (the call is carried out all the same)."""
    code: int | None = None
    """For "refusal": which of the network's documented error codes it answers with."""


class NetworkWorld:
    """The state one emulated network shares between its routes."""

    name = ""
    require_app_secret = False
    """Meta's "Require App Secret" setting: Graph calls without appsecret_proof are refused
    (the control API's require_app_secret sets it for the Meta networks)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.calls: Counter[str] = Counter()
        self.faults: deque[Fault] = deque()
        # Like the real networks' ids, later ids are larger, also across restarts: a cursor or
        # an id saved from an earlier run never collides with a new one.
        self._ids = itertools.count(int(time.time() * 1000) * 100)

    def next_number(self) -> int:
        return next(self._ids)

    def peek_number(self) -> int:
        """The number `next_number` gives next (to save the world; call it holding the lock)."""
        number = next(self._ids)
        self._ids = itertools.count(number)
        return number

    def continue_after(self, saved: int) -> None:
        """Go on numbering from a saved world: never below what it had given."""
        self._ids = itertools.count(max(saved, self.peek_number()))

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

    def now(self) -> datetime:
        return self.clock.now()


def same_name(name: str) -> str:
    """A name as the same person writes it each time: NFC, no outer or doubled spaces."""
    return " ".join(unicodedata.normalize("NFC", name).split())


class PersonIds:
    """Ids for people named by the control API, derived from the whole name.

    The same name always gets the same id (also across resets and restarts: a hash of the
    whole name); two different names never share one in a world (on the rare hash collision
    the next free number is taken).
    """

    def __init__(self, base: int, span: int) -> None:
        self.base = base
        self.span = span
        self._by_name: dict[str, str] = {}
        self._taken: set[str] = set()

    def id_for(self, name: str) -> str:
        key = same_name(name)
        found = self._by_name.get(key)
        if found is not None:
            return found
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
        number = int.from_bytes(digest[:16], "big") % self.span
        while str(self.base + number) in self._taken:
            number = (number + 1) % self.span
        person_id = str(self.base + number)
        self.claim(person_id)
        self._by_name[key] = person_id
        return person_id

    def claim(self, person_id: str) -> None:
        """An id in use that no name derived (a phone number given as is)."""
        self._taken.add(person_id)

    def known(self) -> tuple[dict[str, str], set[str]]:
        """The ids given by name and every id taken (to save the world)."""
        return dict(self._by_name), set(self._taken)

    def remember(self, by_name: dict[str, str], taken: set[str]) -> None:
        """Take back the ids of a saved world."""
        self._by_name.update(by_name)
        self._taken.update(taken, by_name.values())


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
