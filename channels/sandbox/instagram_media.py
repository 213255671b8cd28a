"""What the simulated Meta checks in a media file before it takes it: where it may fetch it
from (a `file://` address from disk, http(s) only from this machine: 127.0.0.1, localhost or
::1, never another host, with a size limit), and an image's format, weight and aspect ratio,
and a caption's length, hashtags and mentions, with the codes of Meta's "Error Codes"
reference for the Instagram Graph API."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from channels.media import sniff
from channels.sandbox.graph_fields import graph_error
from channels.text_rules import count_tags
from conectados.userfiles import open_user_file

MiB = 1024 * 1024
IMAGE_MAX_BYTES = 8 * MiB
VIDEO_MAX_BYTES = 300 * MiB
ASPECT_RATIO = (4 / 5, 1.91)
VIDEO_SECONDS = (3.0, 15 * 60.0)
CAPTION_MAX = 2200
HEAD_BYTES = 1 * MiB
"""The part of a video kept to read its MP4 header (Meta asks for the moov atom in front)."""
READ_BYTES = 1 * MiB
LOOPBACK = ("127.0.0.1", "localhost", "::1")
FETCH_TIMEOUT = 5.0


class FetchFailed(Exception):
    """The media at an address could not be read."""


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a JPEG's frame header (SOFn); None when there is none."""
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            at += 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            width = int.from_bytes(data[at + 7 : at + 9], "big")
            return (width, height) if width and height else None
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return None


def fetch(url: str, most: int) -> tuple[bytes, int]:
    """Up to `most` bytes of the media at `url`, and its whole size: a file:// address from
    disk; http(s) only from this machine (the simulator never reaches another host)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(unquote(parts.path))
        try:  # a regular file only: a FIFO or a device would hold the simulator's lock
            with open_user_file(path, None, "una imagen o un video") as (handle, size):
                return handle.read(most), size
        except (OSError, ValueError):  # UserFileError is one of them
            raise FetchFailed(url) from None
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK:
        raise FetchFailed(url)
    try:
        with requests.get(url, stream=True, timeout=FETCH_TIMEOUT, allow_redirects=False) as got:
            if got.status_code != 200:
                raise FetchFailed(url)
            data = b""
            for piece in got.iter_content(READ_BYTES):
                data += piece[: most - len(data)]
                if len(data) >= most:
                    break
            declared = got.headers.get("Content-Length", "")
            return data, int(declared) if declared.isdigit() else len(data)
    except requests.RequestException:
        raise FetchFailed(url) from None


def check_image(data: bytes, size: int) -> None:
    """Meta's refusals of an image: over 8 MiB, no JPEG, outside 4:5 to 1.91:1."""
    if size > IMAGE_MAX_BYTES:
        raise graph_error(
            36000, "The image is too large to download. It should be less than 8 MiB.", 2207004
        )
    found = sniff(data[:16])
    picture = jpeg_size(data) if found == "image/jpeg" else None
    if picture is None:
        raise graph_error(
            36001,
            f"The image format {found or 'unknown'} is not supported. Supported formats are: JPEG.",
            2207005,
        )
    ratio = picture[0] / picture[1]
    if not ASPECT_RATIO[0] - 0.005 <= ratio <= ASPECT_RATIO[1] + 0.005:
        raise graph_error(
            36003,
            f"The submitted image with aspect ratio {picture[0]}:{picture[1]} cannot be "
            "published. Please submit an image with a valid aspect ratio.",
            2207009,
        )


def check_caption(caption: str) -> None:
    hashtags, mentions = count_tags(caption)  # what Meta counts: real tags, not «C#» or e-mails
    if len(caption) > CAPTION_MAX or hashtags > 30:
        raise graph_error(
            36004,
            f"The submitted image's caption was {len(caption)} characters long. The maximum "
            f"number of characters permitted for a caption is {CAPTION_MAX}, and at most 30 "
            "hashtags.",
            2207010,
        )
    if mentions > 20:
        raise graph_error(100, "Cannot use more than 20 tags per created media.", 2207040)
