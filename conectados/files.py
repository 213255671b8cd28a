"""Writing files people rely on: whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

from conectados.userfiles import UserFileError, not_regular


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so a reader sees the old file or the new one, never half of it."""
    if os.path.lexists(path) and not path.is_file():
        # Replacing it would turn a folder, a pipe or a device (/dev/null, as root) into a file.
        raise UserFileError(not_regular(os.stat(path).st_mode), path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
