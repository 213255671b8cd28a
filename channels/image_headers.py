"""A picture's size, from the first bytes of its file: a PNG's IHDR, a JPEG's frame header
(and its EXIF orientation), read without decoding the picture or reading the whole file."""

from __future__ import annotations

import contextlib
import struct
from typing import BinaryIO

MAX_JPEG_SEGMENTS = 1_000
"""How many JPEG segments are walked looking for the frame header (a camera's file has a
dozen or so before it)."""
MAX_EXIF_BYTES = 64 * 1024
"""The most read of a JPEG's EXIF segment, looking for its orientation (in its first entries)."""

_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""JPEG start-of-frame markers (SOF0-SOF15 but DHT, JPG and DAC), where the size is."""
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
"""JPEG markers with no length after them (TEM, the restart markers)."""


def image_size(handle: BinaryIO, mime_type: str | None) -> tuple[int, int] | None:
    """A JPEG's or PNG's picture size as a viewer shows it (width, height), or None.

    PNG: its IHDR chunk, always first. JPEG: its frame header (SOF), walked to segment by
    segment over at most MAX_JPEG_SEGMENTS lengths, never reading the picture itself; a
    phone's upright photo is stored sideways with an EXIF orientation that turns it, and
    the size given is the turned one.
    """
    with contextlib.suppress(struct.error, IndexError, OSError):
        if mime_type == "image/png":
            handle.seek(0)
            head = handle.read(24)
            width, height = struct.unpack(">II", head[16:24])
            return (width, height) if width and height else None
        if mime_type == "image/jpeg":
            return _jpeg_size(handle)
    return None


def _jpeg_size(handle: BinaryIO) -> tuple[int, int] | None:
    position, turned = 2, False  # after SOI
    for _ in range(MAX_JPEG_SEGMENTS):
        handle.seek(position)
        head = handle.read(4)
        if len(head) < 2 or head[0] != 0xFF:
            return None
        marker = head[1]
        if marker == 0xFF:  # a fill byte before the marker
            position += 1
            continue
        if marker in _STANDALONE:
            position += 2
            continue
        if marker in (0xD9, 0xDA) or len(head) < 4:  # the end, or the picture before a frame
            return None
        (length,) = struct.unpack(">H", head[2:4])
        if length < 2:
            return None
        if marker in _FRAMES:
            _precision, height, width = struct.unpack(">BHH", handle.read(5))
            if not (width and height):
                return None
            return (height, width) if turned else (width, height)
        if marker == 0xE1 and not turned:
            turned = _exif_turns(handle.read(min(length - 2, MAX_EXIF_BYTES)))
        position += 2 + length
    return None


def _exif_turns(data: bytes) -> bool:
    """Whether an EXIF segment's orientation (tag 0x0112 of IFD0) turns the picture by a
    quarter (values 5 to 8): a phone's upright photo, stored sideways."""
    if not data.startswith(b"Exif\0\0"):
        return False
    tiff = data[6:]
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return False
    (offset,) = struct.unpack(order + "I", tiff[4:8])
    (count,) = struct.unpack(order + "H", tiff[offset : offset + 2])
    for index in range(min(count, (len(tiff) - offset - 2) // 12)):
        entry = tiff[offset + 2 + 12 * index : offset + 14 + 12 * index]
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag == 0x0112 and kind == 3:  # SHORT
            return struct.unpack(order + "H", entry[8:10])[0] in (5, 6, 7, 8)
    return False
