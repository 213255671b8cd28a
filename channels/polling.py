"""Poll cursors: where each stream of a channel left off, so every item comes back once.

APIs filter by time with an inclusive bound (`since`), at a resolution of a second or a
millisecond, so items written in the same instant as the last one seen come back on the
next poll: the cursor keeps their ids and skips them. The cursor is an opaque JSON string
to everyone above `channels/`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


class StreamCursor:
    """One stream (comments, messages, mentions): the newest time seen and the ids seen at it."""

    def __init__(self, since: datetime, seen_at_since: set[str]) -> None:
        self.since = since
        self._seen_at_since = set(seen_at_since)
        self._newest = since
        self._newest_ids = set(seen_at_since)
        self._returned: set[str] = set()

    def is_new(self, remote_id: str, written: datetime) -> bool:
        """Whether to hand this item on; remembers it so it is never handed on twice."""
        if written < self.since or remote_id in self._returned:
            return False
        if written == self.since and remote_id in self._seen_at_since:
            return False
        self._returned.add(remote_id)
        if written > self._newest:
            self._newest, self._newest_ids = written, {remote_id}
        elif written == self._newest:
            self._newest_ids.add(remote_id)
        return True

    def dump(self) -> dict[str, Any]:
        return {"since": self._newest.isoformat(), "seen": sorted(self._newest_ids)}


class PollCursor:
    """All the streams of one channel, plus any value an API keeps (X's since_id)."""

    def __init__(self, data: dict[str, Any], default_since: datetime) -> None:
        self._data = data
        self._default_since = default_since
        self._streams: dict[str, StreamCursor] = {}

    @classmethod
    def load(cls, cursor: str | None, default_since: datetime) -> PollCursor:
        """Read a cursor; None (first poll) starts at `default_since`."""
        data = json.loads(cursor) if cursor else {}
        return cls(data if isinstance(data, dict) else {}, default_since)

    def stream(self, name: str) -> StreamCursor:
        if name not in self._streams:
            saved = self._data.get(name) or {}
            since = (
                datetime.fromisoformat(saved["since"]) if "since" in saved else self._default_since
            )
            self._streams[name] = StreamCursor(since, set(saved.get("seen", [])))
        return self._streams[name]

    @property
    def default_since(self) -> datetime:
        """Where a stream never polled before starts."""
        return self._default_since

    def value(self, name: str) -> Any:
        return self._data.get(name)

    def set_value(self, name: str, value: Any) -> None:
        self._data[name] = value

    def dump(self) -> str:
        data = dict(self._data)
        for name, stream in self._streams.items():
            data[name] = stream.dump()
        return json.dumps(data, sort_keys=True)
