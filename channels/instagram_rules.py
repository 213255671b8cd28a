"""What Instagram accepts in one post: an image, a carousel or a Reel, judged file by file
and as a whole, with the numbers of Meta's media specifications (the INSTAGRAM spec in
`channels/specs.py` gives them; /work/research/ig_publishing.md §6 quotes them).

Unlike Facebook and X, a post's role decides a file's rules: one video alone is a Reel,
two to ten files are a carousel (images and videos mixed), one image is a feed image.
Where Meta adapts a file instead of refusing it (a narrow image is scaled up), or where a
header could not be read, the check says so as a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from channels.media import MediaFile, MediaNote, MediaRules
from conectados.spanish import number, short_number
from conectados.userfiles import MB

CODEC_NAMES = {
    "avc1": "H.264",
    "avc3": "H.264",
    "hvc1": "HEVC",
    "hev1": "HEVC",
    "vp08": "VP8",
    "vp09": "VP9",
    "av01": "AV1",
    "mp4v": "MPEG-4 Parte 2",
    "apch": "ProRes",
    "apcn": "ProRes",
    "apcs": "ProRes",
    "apco": "ProRes",
    "ap4h": "ProRes",
}
"""How the team knows each MP4 sample entry's codec."""


def ratio_text(ratio: Fraction | float) -> str:
    """A width:height ratio as people read it here: «0,8:1», «1,91:1»."""
    return f"{short_number(float(ratio), 2)}:1"


@dataclass(frozen=True)
class InstagramRules(MediaRules):
    """Instagram's rules: MediaRules' types and sizes, plus pictures' shapes and widths,
    Reels' durations, widths and codecs, and carousels of 2 to 10 mixed items."""

    image_ratio: tuple[Fraction, Fraction] = (Fraction(4, 5), Fraction(191, 100))
    """Feed and carousel images: width/height from 4:5 to 1.91:1, both included."""
    image_width: tuple[int, int] = (320, 1440)
    """Meta scales a narrower image up, a wider one down: a warning below the minimum only
    (a phone's 4,032 px photo is scaled down without anything lost in the feed)."""
    reel_seconds: tuple[float, float] = (3.0, 15 * 60.0)
    video_max_width: int = 1920
    """"Maximum columns (horizontal pixels): 1920", for Reels and carousel videos."""
    video_ratio: tuple[Fraction, Fraction] = (Fraction(1, 100), Fraction(10, 1))
    video_codecs: frozenset[str] = frozenset({"avc1", "avc3", "hvc1", "hev1"})
    carousel_items: tuple[int, int] = (2, 10)
    carousel_video_seconds: float = 60.0
    """Not in Meta's reference (third-party guides say 60 s): a longer carousel video is
    warned about, not refused."""

    def review(self, files: list[MediaFile], complete: bool = True) -> list[MediaNote]:
        # Missing files (not complete) mean the post had more than these: a carousel.
        in_carousel = len(files) > 1 or not complete
        notes = [note for media in files for note in self._file_notes(media, in_carousel)]
        if complete:
            notes += [MediaNote(problem) for problem in self.set_problems(files)]
            notes += self._carousel_crop(files)
        return notes

    def file_problems(self, media: MediaFile) -> list[str]:
        return [note.message for note in self._file_notes(media, False) if not note.warning]

    def set_problems(self, files: list[MediaFile]) -> list[str]:
        """Instagram mixes images and videos in a carousel: only the count matters."""
        if not files:
            return super().set_problems(files)  # with needs_media: Instagram has no text posts
        low, high = self.carousel_items
        if len(files) > high:
            return [
                f"un carrusel lleva de {low} a {high} imágenes o videos y esta "
                f"publicación tiene {len(files)}; quite {len(files) - high} o divídala en dos"
            ]
        return []

    def _file_notes(self, media: MediaFile, in_carousel: bool) -> list[MediaNote]:
        name = media.path.name
        if media.mime_type is None:
            return [MediaNote(f"«{name}» no es una imagen ni un video reconocible")]
        if media.kind == "image":
            return self._image_notes(media, name)
        if media.mime_type not in self.video_types:
            return [MediaNote(f"«{name}»: tipo {media.mime_type} no admitido (use MP4 o MOV)")]
        return self._video_notes(media, name, in_carousel)

    def _image_notes(self, media: MediaFile, name: str) -> list[MediaNote]:
        notes = []
        if media.mime_type not in self.image_types:
            kind = media.mime_type.split("/")[-1].upper()  # type: ignore[union-attr]
            notes.append(
                MediaNote(
                    f"«{name}» es una imagen {kind} e Instagram solo publica JPEG: "
                    "conviértala a JPEG (ábrala y guárdela como .jpg)"
                )
            )
        if media.size > self.max_image_bytes:
            notes.append(MediaNote(_too_heavy(name, media.size, self.max_image_bytes)))
        if not (media.width and media.height):
            notes.append(
                MediaNote(
                    f"no se pudo leer el tamaño de «{name}» (ancho y alto); revise que la "
                    "imagen se abra bien",
                    warning=True,
                )
            )
            return notes
        ratio, (low, high) = Fraction(media.width, media.height), self.image_ratio
        if not low <= ratio <= high:
            shape = "alta" if ratio < low else "ancha"
            notes.append(
                MediaNote(
                    f"«{name}» mide {_size(media)} (proporción {ratio_text(ratio)}), demasiado "
                    f"{shape}: Instagram acepta de {ratio_text(low)} (4:5, vertical) a "
                    f"{ratio_text(high)} (horizontal); {_crop_hint(media.width, media.height, low, high)}"
                )
            )
        narrowest = self.image_width[0]
        if media.width < narrowest:
            notes.append(
                MediaNote(
                    f"«{name}» mide {number(media.width)} px de ancho; Instagram la amplía a "
                    f"{number(narrowest)} px y se verá borrosa (use una de 1.080 px de ancho)",
                    warning=True,
                )
            )
        return notes

    def _video_notes(self, media: MediaFile, name: str, in_carousel: bool) -> list[MediaNote]:
        notes = []
        what = "un video de carrusel" if in_carousel else "un Reel"
        if media.size > self.max_video_bytes:
            notes.append(MediaNote(_too_heavy(name, media.size, self.max_video_bytes)))
        low, high = self.reel_seconds
        if media.seconds is not None and not low <= media.seconds <= high:
            notes.append(
                MediaNote(
                    f"«{name}» dura {_clock(media.seconds)} y en Instagram {what} dura de "
                    f"{_clock(low)} a {_clock(high)}"
                )
            )
        elif in_carousel and (media.seconds or 0) > self.carousel_video_seconds:
            notes.append(
                MediaNote(
                    f"«{name}» dura {_clock(media.seconds or 0)}: Meta no dice cuánto puede "
                    f"durar un video de carrusel y las guías hablan de "
                    f"{_clock(self.carousel_video_seconds)}; si Instagram lo rechaza, "
                    "publíquelo solo, como Reel",
                    warning=True,
                )
            )
        if media.width and media.width > self.video_max_width:
            notes.append(
                MediaNote(
                    f"«{name}» mide {_size(media)} y Instagram acepta videos de hasta "
                    f"{number(self.video_max_width)} px de ancho: expórtelo a 1080 × 1920 "
                    "(vertical) o a 1920 × 1080"
                )
            )
        if media.width and media.height:
            ratio, (narrow, wide) = Fraction(media.width, media.height), self.video_ratio
            if not narrow <= ratio <= wide:
                notes.append(
                    MediaNote(
                        f"«{name}» mide {_size(media)} (proporción {ratio_text(ratio)}) e "
                        f"Instagram acepta videos de {ratio_text(narrow)} a {ratio_text(wide)}; "
                        "lo mejor es 9:16 (1080 × 1920)"
                    )
                )
        if media.moov_first is False:
            notes.append(
                MediaNote(
                    f"«{name}» guarda su índice (moov) al final y Meta lo pide al principio: "
                    "si Instagram lo rechaza, expórtelo con «inicio rápido» (fast start, "
                    "«optimizado para web»)",
                    warning=True,
                )
            )
        accepted = " o ".join(dict.fromkeys(CODEC_NAMES[c] for c in sorted(self.video_codecs)))
        if media.codec is None:
            notes.append(
                MediaNote(
                    f"no se pudo leer el códec de video de «{name}»; Instagram solo acepta "
                    f"{accepted}: revise que el video se abra bien",
                    warning=True,
                )
            )
        elif media.codec not in self.video_codecs:
            codec = CODEC_NAMES.get(media.codec, media.codec)
            notes.append(
                MediaNote(
                    f"«{name}» está codificado en {codec} e Instagram solo acepta {accepted}: "
                    "expórtelo de nuevo como MP4 en H.264"
                )
            )
        return notes

    def _carousel_crop(self, files: list[MediaFile]) -> list[MediaNote]:
        """Meta: "Carousel images are all cropped based on the first image in the carousel"."""
        images = [m for m in files if m.kind == "image" and m.width and m.height]
        if len(files) < 2 or not images or files[0] is not images[0]:
            return []
        first = Fraction(images[0].width, images[0].height)  # type: ignore[arg-type]
        other = [
            m.path.name
            for m in images[1:]
            if abs(Fraction(m.width, m.height) - first) > Fraction(1, 100)  # type: ignore[arg-type]
        ]
        if not other:
            return []
        names = ", ".join(f"«{name}»" for name in other)
        seen = "se verá recortada" if len(other) == 1 else "se verán recortadas"
        return [
            MediaNote(
                f"el carrusel toma la proporción de su primera imagen («{images[0].path.name}», "
                f"{ratio_text(first)}): {names} {seen}",
                warning=True,
            )
        ]


def _crop_hint(width: int, height: int, low: Fraction, high: Fraction) -> str:
    """A crop that fits inside the picture: a too-wide one keeps its height at the widest
    shape allowed (1,91:1), a too-tall one its width at the tallest (4:5). A fixed example
    (1080 × 1350) told a 300-px-high panorama to grow to 1,350 px."""
    if Fraction(width, height) > high:
        inside = (int(height * high), height)
        usual, shape = (1080, math.ceil(1080 / high)), ratio_text(high)  # 566, not 565
    else:
        inside = (width, int(width / low))
        usual, shape = (1080, int(1080 / low)), "4:5"
    crop = f"{number(inside[0])} × {number(inside[1])}"
    example = f"{number(usual[0])} × {number(usual[1])}"
    if inside == usual:
        return f"recórtela a {shape}: {crop}"
    return f"recórtela a {shape}, por ejemplo a {crop} (o use una de {example})"


def _size(media: MediaFile) -> str:
    return f"{number(media.width)} × {number(media.height)}"


def _too_heavy(name: str, size: int, limit: int) -> str:
    weight = number(size / MB, 1)
    said = f"más de {number(limit / MB)}" if weight == number(limit / MB, 1) else weight
    return f"«{name}» pesa {said} MB y el límite es {number(limit / MB)} MB"


def _clock(seconds: float) -> str:
    """«2,5 s», «45 s», «1 min 30 s», «15 min»."""
    if seconds < 10 and seconds != int(seconds):
        return f"{number(seconds, 1)} s"
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest:02d} s" if rest else f"{minutes} min"
