"""Media files: what each network accepts, and what a file really is (by its bytes).

What each network accepts (its `MediaRules`) is in its spec, `channels/specs.py`.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal

from channels.base import Rejected
from channels.image_headers import image_size
from conectados.spanish import number
from conectados.userfiles import MB, UserFileError, open_user_file, path_inside

MediaKind = Literal["image", "video"]

MEDIA_FOLDER = "la carpeta de medios"
MAX_BOXES = 10_000
"""How many MP4 boxes are walked looking for the duration, picture size and codec (a real
file has a few dozen)."""


# Reels for Pages (channels/meta/facebook_video.py sends them; the calendar check warns about
# a Facebook video that will not go as one).
REEL_SECONDS = (3.0, 90.0)
"""Reels for Pages: "Duration: 3 to 90 seconds" (error 1363128 outside it)."""
REEL_MIN_SIZE = (540, 960)
"""Reels: "Minimum is 540 x 960 pixels" (error 1363127); a smaller vertical video goes as a
Page video instead of being refused."""


def is_reel(media: MediaFile) -> bool:
    """A Facebook Reel: vertical (taller than wide), 3 to 90 seconds, at least 540 x 960."""
    if not (media.width and media.height and media.seconds):
        return False
    low, high = REEL_SECONDS
    return (
        media.height > media.width
        and low <= media.seconds <= high
        and media.width >= REEL_MIN_SIZE[0]
        and media.height >= REEL_MIN_SIZE[1]
    )


def kind_of(mime_type: str) -> MediaKind | None:
    if mime_type.startswith("image/"):
        return "image"
    if mime_type.startswith("video/"):
        return "video"
    return None


def sniff(head: bytes) -> str | None:
    """The media type a file's first bytes say it is, whatever its name says."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"BM"):
        return "image/bmp"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide"):
        return "video/quicktime"
    return None


def mp4_duration(handle: BinaryIO, size: int) -> float | None:
    """Seconds a MP4/MOV file lasts, from its movie header (moov/mvhd); None if not found."""
    return mp4_header(handle, size).seconds


@dataclass(frozen=True)
class Mp4Header:
    """What a MP4/MOV file's headers say: how long it lasts, its picture's size, and how the
    picture is encoded."""

    seconds: float | None = None
    width: int | None = None
    height: int | None = None
    codec: str | None = None
    """The video track's sample entry (its stsd box): avc1 or avc3 (H.264), hvc1 or hev1
    (HEVC), vp09, av01..."""
    moov_first: bool | None = None
    """The movie's index (moov) comes before its data (mdat): what Meta asks of a Reel
    ("moov atom at the front of the file"), and what exports call «fast start»."""


_CONTAINERS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")
"""The boxes looked inside: the movie, each of its tracks, and down a track to its sample
descriptions (trak/mdia/minf/stbl/stsd), where the codec is named."""
AUDIO_ENTRIES = frozenset({"mp4a", "ac-3", "ec-3", "Opus", "fLaC", "alac", "samr", "sowt", "twos"})
"""Sample entries of sound, not picture: a track without a handler box is judged by these."""


def mp4_header(handle: BinaryIO, size: int) -> Mp4Header:
    """Duration (moov/mvhd), picture size (the first trak/tkhd with a size) and video codec
    (the first stsd entry of a video track) of a MP4/MOV.

    Walks at most MAX_BOXES boxes, each read by its header and skipped by its declared size
    (never trusted beyond the file's end); a truncated or odd file gives what was found.
    """
    found: dict[str, float | int | str | None] = {
        "seconds": None,
        "width": None,
        "height": None,
        "codec": None,
        "moov_first": None,
    }
    # A truncated or odd file: what was found before it.
    with contextlib.suppress(struct.error, IndexError, OSError, ZeroDivisionError):
        _walk(handle, size, found)
    return Mp4Header(**found)  # type: ignore[arg-type]


def _walk(handle: BinaryIO, size: int, found: dict) -> None:
    start, end = 0, size
    ends: list[int] = []  # where each container being walked ends (moov, a trak, ...)
    handler: str | None = None  # the current track's kind (hdlr): "vide", "soun"...
    for _ in range(MAX_BOXES):
        while start + 8 > end and ends:
            start, end = end, ends.pop()  # the container is done: on with its parent
        if start + 8 > end:
            return
        handle.seek(start)
        header = handle.read(8)
        if len(header) < 8:
            return
        box_size, box_type = struct.unpack(">I4s", header)
        offset = 8
        if box_size == 1:
            box_size = struct.unpack(">Q", handle.read(8))[0]
            offset = 16
        elif box_size == 0:
            box_size = end - start
        if box_size < offset or start + box_size > end:
            return
        if not ends and box_type in (b"moov", b"mdat") and found["moov_first"] is None:
            found["moov_first"] = box_type == b"moov"
        if box_type in _CONTAINERS:
            if box_type == b"trak":
                handler = None
            ends.append(end)
            start, end = start + offset, start + box_size  # look inside
            continue
        if box_type == b"mvhd" and found["seconds"] is None:
            version = handle.read(4)[0]  # and 3 bytes of flags
            if version == 1:
                _, _, timescale, duration = struct.unpack(">QQIQ", handle.read(28))
            else:
                _, _, timescale, duration = struct.unpack(">IIII", handle.read(16))
            found["seconds"] = duration / timescale if timescale else None
        elif box_type == b"tkhd" and found["width"] is None:
            version = handle.read(4)[0]
            # Times, track id and duration (32 bytes in version 1, 20 in 0), then reserved,
            # layer, group, volume and reserved (16 bytes), the matrix (36) and the 16.16 size.
            handle.seek((32 if version == 1 else 20) + 16, 1)
            a, b, _, c, d = struct.unpack(">iiiii", handle.read(20))
            handle.seek(16, 1)
            width, height = struct.unpack(">II", handle.read(8))
            if width >> 16 and height >> 16:  # an audio track has no picture: 0 x 0
                width, height = width >> 16, height >> 16
                if _quarter_turn(a, b, c, d):
                    width, height = height, width  # a phone's upright clip: shown turned
                found["width"], found["height"] = width, height
        elif box_type == b"hdlr":
            handle.seek(8, 1)  # version, flags, pre_defined
            handler = handle.read(4).decode("latin-1")
        elif box_type == b"stsd" and found["codec"] is None and handler in ("vide", None):
            handle.seek(8 + 4, 1)  # version, flags, entry count; the first entry's size
            entry = handle.read(4).decode("latin-1")
            if len(entry) == 4 and (handler == "vide" or entry not in AUDIO_ENTRIES):
                found["codec"] = entry
        if all(found[key] is not None for key in ("seconds", "width", "codec")):
            return
        start += box_size


def _quarter_turn(a: int, b: int, c: int, d: int) -> bool:
    """The tkhd matrix (its a, b, c, d in 16.16) turns the picture 90° or 270°: phones store
    an upright clip as 1920 x 1080 with such a turn, and players show it 1080 x 1920."""
    return a == 0 and d == 0 and b != 0 and c != 0 and abs(b) == abs(c)


@dataclass(frozen=True)
class MediaFile:
    """A media file as found on disk."""

    path: Path
    mime_type: str | None
    """By content; None when the bytes are no image or video we know."""
    size: int
    seconds: float | None = None
    """How long a video lasts, when its header says."""
    width: int | None = None
    height: int | None = None
    """The picture's size in pixels as shown, when the file's header says (JPEG, PNG, MP4)."""
    codec: str | None = None
    """A video's codec, as its MP4 sample entry names it (avc1, hvc1...), when found."""
    moov_first: bool | None = None
    """A video's index comes before its data (Mp4Header.moov_first), when found."""

    @property
    def kind(self) -> MediaKind | None:
        return kind_of(self.mime_type) if self.mime_type else None

    @classmethod
    def inspect(cls, path: Path) -> MediaFile:
        """What the file at `path` is; UserFileError (an OSError) unless it is a regular file.

        No size limit here: only a few header bytes are read, and each network's rules
        judge the size in their own terms.
        """
        with open_user_file(path, None, "una imagen o un video") as (handle, size):
            mime_type = sniff(handle.read(16))
            is_video = kind_of(mime_type or "") == "video"
            header = mp4_header(handle, size) if is_video else Mp4Header()
            picture = image_size(handle, mime_type) if not is_video else None
        width, height = picture or (header.width, header.height)
        return cls(
            path=path,
            mime_type=mime_type,
            size=size,
            seconds=header.seconds,
            width=width,
            height=height,
            codec=header.codec,
            moov_first=header.moov_first,
        )


def media_path(folder: Path, name: str) -> Path:
    """The real path of the calendar's media file `name`; UserFileError if it leaves `folder`."""
    return path_inside(folder, str(PurePosixPath(name.replace("\\", "/"))), MEDIA_FOLDER)


def outgoing_media(folder: Path, names: Iterable[str]) -> tuple[Path, ...]:
    """The real paths of a post's media at publish time; Rejected if one leaves `folder`.

    The calendar was checked when imported, but a file may have been replaced since by a
    link to somewhere else: nothing outside the media folder is ever uploaded.
    """
    try:
        return tuple(media_path(folder, name) for name in names)
    except UserFileError as error:
        raise Rejected(f"«{error.path}» {error.problem}") from None


NO_MEDIA = (
    "la publicación necesita una imagen o un video ({network} no publica solo texto); "
    "agréguelos en medios"
)


@dataclass(frozen=True)
class MediaNote:
    """One thing a network's rules say about a post's media: an error, or a warning when the
    network adapts the file instead of refusing it, or when a header could not be read."""

    message: str
    warning: bool = False


@dataclass(frozen=True)
class MediaRules:
    """What one network accepts in one post."""

    image_types: frozenset[str]
    video_types: frozenset[str]
    max_image_bytes: int
    max_video_bytes: int
    max_images: int
    max_gif_bytes: int | None = None
    max_video_seconds: float | None = None
    gif_alone: bool = False
    """X: "up to 4 photos, 1 animated GIF or 1 video in a Post"."""
    needs_media: bool = False
    """Instagram: every post is an image, a carousel or a Reel; there are no text posts."""
    network: str = ""
    """The network's name as the team reads it, for the sentences that say it."""

    def max_bytes(self, mime_type: str) -> int:
        if mime_type == "image/gif" and self.max_gif_bytes:
            return self.max_gif_bytes
        return self.max_image_bytes if kind_of(mime_type) == "image" else self.max_video_bytes

    def problems(self, files: list[MediaFile]) -> list[str]:
        """Why this set of files cannot go in one post (Spanish), or nothing."""
        return [note.message for note in self.review(files) if not note.warning]

    def review(self, files: list[MediaFile], complete: bool = True) -> list[MediaNote]:
        """Everything these rules say about a post's files: each file's problems, then (when
        `complete`: no file of the post is missing) those of the files together."""
        notes = [MediaNote(p) for media in files for p in self.file_problems(media)]
        return notes + ([MediaNote(p) for p in self.set_problems(files)] if complete else [])

    def file_problems(self, media: MediaFile) -> list[str]:
        """Why this one file cannot go out on this network."""
        name = media.path.name
        if media.mime_type is None:
            return [f"«{name}» no es una imagen ni un video reconocible"]
        if media.mime_type not in self.image_types | self.video_types:
            return [f"{name}: tipo {media.mime_type} no admitido"]
        if media.size > self.max_bytes(media.mime_type):
            limit, size = self.max_bytes(media.mime_type) / MB, media.size / MB
            return [f"{name}: pesa {number(size, 1)} MB y el límite es {number(limit)} MB"]
        if self.max_video_seconds and (media.seconds or 0) > self.max_video_seconds:
            return [
                f"{name}: dura {_clock(media.seconds or 0)} y el límite es "
                f"{_clock(self.max_video_seconds)}"
            ]
        return []

    def set_problems(self, files: list[MediaFile]) -> list[str]:
        """Why these files cannot go together in one post."""
        found = []
        if self.needs_media and not files:
            found.append(NO_MEDIA.format(network=self.network))
        videos = [media for media in files if media.kind == "video"]
        images = [media for media in files if media.kind == "image"]
        gifs = [media for media in images if media.mime_type == "image/gif"]
        if videos and images:
            found.append("una publicación lleva imágenes o un video, no ambos")
        if len(videos) > 1:
            found.append("una publicación lleva un solo video")
        if self.gif_alone and gifs and len(images) > 1:
            found.append("un GIF va solo: una publicación lleva un GIF o hasta 4 fotos")
        if len(images) > self.max_images:
            found.append(f"una publicación lleva hasta {self.max_images} imágenes")
        return found


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"
