"""Small media files with the right first bytes, made on the fly for tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 256


def media_file(folder: Path, name: str, content: bytes = PNG, size: int | None = None) -> Path:
    """A file called `name` that starts with `content`, padded to `size` bytes if given."""
    path = folder / name
    data = content if size is None else content + b"\x00" * (size - len(content))
    path.write_bytes(data)
    return path
