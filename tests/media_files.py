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


def mp4_lasting(seconds: int) -> bytes:
    """The smallest MP4 whose movie header says it lasts `seconds` (for duration checks)."""
    import struct

    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"mp42", 0, b"mp42", b"isom")
    mvhd_body = struct.pack(">B3sIIII", 0, b"\0\0\0", 0, 0, 1000, seconds * 1000) + b"\0" * 80
    mvhd = struct.pack(">I4s", 8 + len(mvhd_body), b"mvhd") + mvhd_body
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    return ftyp + moov
