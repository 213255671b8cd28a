"""Poll cursors: where each stream of a channel left off, so every item comes back once.

APIs filter by time with an inclusive bound, and index new items with some delay: a
comment written at 10:00:03 may first be visible after one written at 10:00:05 was
already read. So each poll asks again from a little before the newest item seen (the
overlap) and skips the ids it already handed on within that overlap. The cursor is an
opaque JSON string to everyone above `channels/`.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=10)


class StreamCursor:
    """One stream (comments, messages): the newest time seen and the ids seen near it."""

    def __init__(self, newest: datetime, seen: dict[str, datetime], overlap: timedelta) -> None:
        self.newest = newest
        self.overlap = overlap
        self._seen = dict(seen)

    @property
    def since(self) -> datetime:
        """Ask the API for items from this moment on."""
        return self.newest - self.overlap

    def is_new(self, remote_id: str, written: datetime) -> bool:
        """Whether to hand this item on; remembers it so it is never handed on twice."""
        if written < self.since or remote_id in self._seen:
            return False
        self._seen[remote_id] = written
        self.newest = max(self.newest, written)
        return True

    def dump(self) -> dict[str, Any]:
        keep_from = self.since
        seen = {key: when.isoformat() for key, when in self._seen.items() if when >= keep_from}
        return {"newest": self.newest.isoformat(), "seen": seen}


class PollCursor:
    """All the streams of one channel, plus any value an API keeps (X's since_id)."""

    def __init__(self, data: dict[str, Any], start: datetime, overlap: timedelta = OVERLAP) -> None:
        self._data = data
        self.start = start
        self.overlap = overlap
        self._streams: dict[str, StreamCursor] = {}

    @classmethod
    def load(cls, cursor: str | None, start: datetime) -> PollCursor:
        """Read a cursor; None (first poll) or an unreadable one starts at `start`."""
        try:
            data = json.loads(cursor) if cursor else {}
        except ValueError:
            log.warning("cursor de sondeo ilegible; se empieza de nuevo desde %s", start)
            data = {}
        return cls(data if isinstance(data, dict) else {}, start)

    def stream(self, name: str) -> StreamCursor:
        if name not in self._streams:
            saved = self._data.get(name) or {}
            try:
                newest = datetime.fromisoformat(saved["newest"])
                seen = {key: datetime.fromisoformat(when) for key, when in saved["seen"].items()}
            except (KeyError, TypeError, ValueError, AttributeError):
                # First poll: nothing seen yet, so no overlap to look back over.
                newest, seen = self.start + self.overlap, {}
            self._streams[name] = StreamCursor(newest, seen, self.overlap)
        return self._streams[name]

    def value(self, name: str) -> Any:
        return self._data.get(name)

    def set_value(self, name: str, value: Any) -> None:
        self._data[name] = value

    def dump(self) -> str:
        data = dict(self._data)
        for name, stream in self._streams.items():
            data[name] = stream.dump()
        return json.dumps(data, sort_keys=True)
