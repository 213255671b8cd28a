"""How an Instagram post will look, for the month's preview: each picture framed the way the
feed and the profile grid show it, a Reel at 9:16 with what the feed and the grid keep
marked, and the caption cut where the feed cuts it. CSS only: the thumbnail the preview
already embeds is framed with `aspect-ratio` and `object-fit`, nothing is re-cut.

What Instagram shows (2025-2026):
- Feed: an image at its own shape, between 4:5 (vertical) and 1.91:1 (the shapes it accepts);
  a carousel's images all at the first one's shape (Content Publishing guide: "Carousel
  images are all cropped based on the first image in the carousel").
- Profile grid: every post cut to a 3:4 vertical tile, centred, since January 2025 (Instagram
  replaced its square grid then; 1:1 is the old grid).
- Reel: full screen at 9:16; in the feed it is shown cut to 4:5, and in the grid to 3:4.
- Caption: the feed shows about the first 125 characters (about two lines on a phone), or
  less if the text breaks its line before, then «… más».
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from fractions import Fraction

from channels.instagram_rules import ratio_text
from channels.media import MediaFile
from channels.specs import INSTAGRAM

FEED_CAPTION = 125
"""Characters of a caption the feed shows before «… más» (the figure Instagram's own tips
and every scheduling tool give: about two lines on a phone)."""
FEED_CAPTION_LINES = 2
GRID = Fraction(3, 4)
"""The profile grid's tile since January 2025 (it was 1:1 before)."""
REEL = Fraction(9, 16)
REEL_IN_FEED = Fraction(4, 5)
NAMED = {
    Fraction(4, 5): "4:5",
    Fraction(1, 1): "1:1",
    Fraction(3, 4): "3:4",
    Fraction(9, 16): "9:16",
    Fraction(16, 9): "16:9",
    Fraction(191, 100): "1,91:1",
}


@dataclass(frozen=True)
class Shown:
    """One media file of the post as the preview has it: its header, its thumbnail."""

    name: str
    media: MediaFile | None
    uri: str | None
    """A data: URI of the image's thumbnail; None for a video or a file not shown."""


def ratio_name(ratio: Fraction) -> str:
    """«4:5», «1,91:1», or the ratio as «0,75:1» when it has no common name."""
    return NAMED.get(ratio) or ratio_text(ratio)


def feed_ratio(media: MediaFile | None) -> Fraction:
    """The shape the feed gives an image: its own, kept within 4:5 and 1.91:1; a square when
    its size is unknown."""
    low, high = INSTAGRAM.media.image_ratio  # type: ignore[union-attr]
    if media is None or not (media.width and media.height):
        return Fraction(1, 1)
    return min(max(Fraction(media.width, media.height), low), high)


def feed_caption(text: str, limit: int = FEED_CAPTION) -> tuple[str, str]:
    """The caption as the feed shows it before «… más», and the rest ("" if nothing is cut)."""
    end = len(text)
    breaks = [i for i, character in enumerate(text[: limit + 1]) if character == "\n"]
    if len(breaks) >= FEED_CAPTION_LINES:
        end = breaks[FEED_CAPTION_LINES - 1]
    if end > limit:
        space = text.rfind(" ", 0, limit)
        end = space if space > limit * 3 // 5 else limit  # cut between words when it can
    if end >= len(text):
        return text, ""
    return text[:end].rstrip(), text[end:].lstrip()


def caption_html(text: str) -> str:
    """The caption cut like the feed's, with the whole text a click away."""
    shown, rest = feed_caption(text)
    if not rest:
        return f"<p class='ig-caption'>{_e(shown)}</p>"
    return (
        f"<p class='ig-caption' data-cut='{FEED_CAPTION}'>{_e(shown)}"
        "<span class='ig-more'>… más</span></p>"
        f"<details class='ig-full'><summary>texto completo</summary><p>{_e(text)}</p></details>"
    )


def frames_html(items: list[Shown]) -> str:
    """The post's pictures as Instagram frames them: a Reel, a single image, or a carousel."""
    if not items:
        return ""
    if len(items) == 1 and items[0].media is not None and items[0].media.kind == "video":
        return _reel(items[0])
    ratio = feed_ratio(items[0].media)
    parts = ["<div class='ig'>"]
    carousel = len(items) > 1
    for number, item in enumerate(items, start=1):
        where = f"carrusel {number}/{len(items)} · " if carousel else ""
        parts.append(_frame(item, ratio, "ig-feed", f"{where}feed {ratio_name(ratio)}"))
    first = items[0]
    parts.append(_frame(first, GRID, "ig-grid", f"cuadrícula del perfil {ratio_name(GRID)}"))
    parts.append("</div>")
    return "".join(parts)


def _frame(item: Shown, ratio: Fraction, kind: str, label: str) -> str:
    style = f"aspect-ratio: {ratio.numerator} / {ratio.denominator}"
    if item.uri is not None:
        inside = f"<img alt='{_e(item.name)}' src='{item.uri}'>"
    else:
        inside = f"<span class='ig-none'>{'▶' if _is_video(item) else ''} {_e(item.name)}</span>"
    return (
        f"<figure class='ig-frame {kind}' data-ratio='{ratio_name(ratio)}'>"
        f"<div class='ig-box' style='{style}'>{inside}</div>"
        f"<figcaption>{_e(label)}</figcaption></figure>"
    )


def _reel(item: Shown) -> str:
    media = item.media
    assert media is not None
    own = Fraction(media.width, media.height) if media.width and media.height else REEL
    seconds = (
        f" · {int(media.seconds // 60)}:{int(media.seconds % 60):02d}" if media.seconds else ""
    )
    video = (
        f"<div class='ig-video' style='aspect-ratio: {own.numerator} / {own.denominator}'>"
        f"▶ Reel{seconds}</div>"
    )
    marks = "".join(
        f"<div class='ig-crop {kind}' data-ratio='{ratio_name(ratio)}' "
        f"style='aspect-ratio: {ratio.numerator} / {ratio.denominator}'>"
        f"<span>{_e(label)} {ratio_name(ratio)}</span></div>"
        for kind, ratio, label in (
            ("feed", REEL_IN_FEED, "feed"),
            ("grid", GRID, "cuadrícula"),
        )
    )
    return (
        "<div class='ig'>"
        f"<figure class='ig-frame ig-reel' data-ratio='{ratio_name(REEL)}'>"
        f"<div class='ig-box' style='aspect-ratio: {REEL.numerator} / {REEL.denominator}'>"
        f"{video}{marks}</div>"
        f"<figcaption>Reel {ratio_name(REEL)} ({_e(item.name)}"
        + (f", {ratio_name(own)}" if own != REEL else "")
        + "): lo marcado es lo que se ve en el feed y en la cuadrícula</figcaption></figure></div>"
    )


def _is_video(item: Shown) -> bool:
    return item.media is not None and item.media.kind == "video"


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


STYLE = """
.badge.instagram { background: #c13584; }
.ig { display: flex; gap: 12px; flex-wrap: wrap; align-items: flex-start; margin-top: 8px; }
.ig-frame { width: 180px; }
.ig-frame.ig-grid { width: 120px; }
.ig-box { position: relative; width: 100%; overflow: hidden; background: #1b2a3a;
          border-radius: 4px; display: flex; align-items: center; justify-content: center; }
.ig-box img { width: 100%; height: 100%; max-width: none; max-height: none; object-fit: cover;
              border-radius: 0; }
.ig-none { color: #cfe3ef; font-size: 11px; padding: 6px; text-align: center;
           overflow-wrap: anywhere; }
.ig-video { width: 100%; max-height: 100%; background: #023e8a; color: #fff; display: flex;
            align-items: center; justify-content: center; font-size: 13px; }
.ig-crop { position: absolute; left: 0; right: 0; top: 50%; transform: translateY(-50%);
           width: 100%; box-sizing: border-box; }
.ig-crop span { position: absolute; left: 4px; font-size: 10px; color: #fff;
                background: rgba(0, 0, 0, .55); padding: 0 3px; border-radius: 2px; }
.ig-crop.feed { border: 2px dashed #ffd166; box-shadow: 0 0 0 400px rgba(0, 0, 0, .35); }
.ig-crop.feed span { top: 2px; }
.ig-crop.grid { border: 2px dotted #90e0ef; }
.ig-crop.grid span { bottom: 2px; }
.ig-caption { white-space: pre-wrap; }
.ig-more { color: #6b7b8b; }
details.ig-full { font-size: 12px; color: #4a5a6a; }
details.ig-full p { white-space: pre-wrap; margin: 4px 0 0; }
"""
