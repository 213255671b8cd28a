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


ONE = 1 << 16
"""1.0 in 16.16 fixed point."""
MATRICES = {
    0: (ONE, 0, 0, 0, ONE, 0, 0, 0, 1 << 30),
    90: (0, ONE, 0, -ONE, 0, 0, 0, 0, 1 << 30),
    180: (-ONE, 0, 0, 0, -ONE, 0, 0, 0, 1 << 30),
    270: (0, -ONE, 0, ONE, 0, 0, 0, 0, 1 << 30),
}
"""The tkhd matrix (a, b, u, c, d, v, x, y, w) of each rotation a phone records."""


def _box(kind: bytes, body: bytes) -> bytes:
    import struct

    return struct.pack(">I4s", 8 + len(body), kind) + body


def mp4_video(
    seconds: float, width: int, height: int, rotation: int = 0, codec: str | None = "avc1"
) -> bytes:
    """The headers of a MP4 (ftyp, then moov with mvhd and a video track: its tkhd, and
    mdia/hdlr + minf/stbl/stsd naming `codec`) that last `seconds` and store `width` x
    `height` pixels turned by `rotation` degrees (a phone's upright clip: 1920 x 1080 turned
    90); `codec=None` leaves the sample descriptions out. Pad it with `media_file(size=...)`."""
    import struct

    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"mp42", 0, b"mp42", b"isom")
    mvhd_body = struct.pack(">B3sIIII", 0, b"\0\0\0", 0, 0, 1000, int(seconds * 1000)) + b"\0" * 80
    mvhd = struct.pack(">I4s", 8 + len(mvhd_body), b"mvhd") + mvhd_body
    # version 0: times, track id, reserved, duration (20 bytes); reserved, layer, group,
    # volume, reserved (16) and the matrix (36); then the 16.16 width and height.
    tkhd_body = (
        struct.pack(">B3s", 0, b"\0\0\x03")
        + b"\0" * 20
        + b"\0" * 16
        + struct.pack(">9i", *MATRICES[rotation])
        + struct.pack(">II", width << 16, height << 16)
    )
    tkhd = struct.pack(">I4s", 8 + len(tkhd_body), b"tkhd") + tkhd_body
    track = tkhd
    if codec is not None:
        hdlr = _box(b"hdlr", b"\0" * 8 + b"vide" + b"\0" * 12 + b"video\0")
        # A visual sample entry: its size, the codec's four letters, then 78 bytes of fields.
        entry = _box(codec.encode("latin-1"), b"\0" * 78)
        stsd = _box(b"stsd", struct.pack(">II", 0, 1) + entry)
        track += _box(b"mdia", hdlr + _box(b"minf", _box(b"stbl", stsd)))
    trak = _box(b"trak", track)
    moov = struct.pack(">I4s", 8 + len(mvhd) + len(trak), b"moov") + mvhd + trak
    return ftyp + moov


def jpeg_image(width: int, height: int, orientation: int | None = None) -> bytes:
    """The headers of a baseline JPEG (SOI, JFIF, a SOF0 frame of `width` x `height`, EOI)
    whose picture size a reader finds where a camera's file has it; pad it with
    `media_file(size=...)` (padding goes after EOI, where readers ignore it). With
    `orientation`, an EXIF segment says it (6: a phone's upright photo, stored sideways)."""
    import struct

    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    exif = b""
    if orientation is not None:
        # Big-endian TIFF header, IFD0 at offset 8 with one entry: Orientation, SHORT, 1.
        tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1)
        tiff += struct.pack(">HHIH2s", 0x0112, 3, 1, orientation, b"\0\0") + b"\0" * 4
        body = b"Exif\0\0" + tiff
        exif = b"\xff\xe1" + struct.pack(">H", 2 + len(body)) + body
    components = b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + components
    return b"\xff\xd8" + app0 + exif + sof0 + b"\xff\xd9"


def png_image(width: int, height: int) -> bytes:
    """The signature and IHDR chunk of a PNG of `width` x `height` (8-bit RGB); pad it
    with `media_file(size=...)`."""
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )
