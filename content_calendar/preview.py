"""The month at a glance: a standalone HTML page for the team's planning meeting.

One file, no external assets (images are embedded as small thumbnails), readable on
screen and printable on A4: a month grid first, then each day's posts in full, with the
text as each network will show it and every warning the checks found.
"""

from __future__ import annotations

import base64
import calendar
import errno
import html
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageOps

from channels.media import MediaFile, media_path
from channels.specs import SPECS, spec
from conectados.spanish import MONTHS, WEEKDAYS, number, spanish_list, spanish_moment
from conectados.userfiles import UserFileError, read_user_bytes
from content_calendar.check import CalendarEntry
from content_calendar.instagram_preview import STYLE as INSTAGRAM_STYLE
from content_calendar.instagram_preview import Shown, caption_html, frames_html
from content_calendar.problems import Problem

THUMBNAIL_PIXELS = 320
MAX_IMAGE_BYTES = max(
    limit
    for network in SPECS.values()
    if (rules := network.media) is not None
    for limit in (rules.max_image_bytes, rules.max_gif_bytes or 0)
)


@dataclass
class PreviewItem:
    entry: CalendarEntry
    problems: list[Problem] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)
    """Network -> state name, when the preview comes from the database."""


def render_month(
    items: list[PreviewItem],
    month: str,
    zone: ZoneInfo,
    company: str,
    media_dir: Path,
    generated_at: datetime | None = None,
) -> str:
    year, number = (int(part) for part in month.split("-"))
    by_day: dict[date, list[PreviewItem]] = defaultdict(list)
    for item in sorted(items, key=lambda item: item.entry.scheduled_at):
        local = item.entry.scheduled_at.astimezone(zone)
        if (local.year, local.month) == (year, number):
            by_day[local.date()].append(item)
    elsewhere = [
        item
        for item in sorted(items, key=lambda item: item.entry.scheduled_at)
        if item.problems and id(item) not in {id(i) for day in by_day.values() for i in day}
    ]
    thumbnails = _Thumbnails(media_dir)
    title = f"Calendario de publicaciones — {MONTHS[number - 1]} de {year}"
    total = sum(len(day) for day in by_day.values())
    every_problem = [problem for item in items for problem in item.problems]
    errors = sum(not problem.warning for problem in every_problem)
    warnings = len(every_problem) - errors
    counts = []
    if errors:
        counts.append(f"<span class='error'>{_count(errors, 'error', 'errores')}</span>")
    if warnings:
        counts.append(
            f"<span class='warn'>{_count(warnings, 'advertencia', 'advertencias')}</span>"
        )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="es-CO"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{STYLE}{INSTAGRAM_STYLE}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><p>{_e(company) + ' · ' if company else ''}{total} publicaciones"
        + "".join(f" · {count}" for count in counts)
        + f" · horas de {_e(zone.key)}</p></header>",
        _grid(year, number, by_day, zone),
        "<h2>Detalle por día</h2>",
    ]
    for day in sorted(by_day):
        parts.append(f"<section class='day'><h3>{_e(_day_name(day))}</h3>")
        for item in by_day[day]:
            parts.append(_card(item, zone, thumbnails))
        parts.append("</section>")
    if not by_day:
        parts.append("<p>No hay publicaciones este mes.</p>")
    if elsewhere:
        parts.append("<h2>Con problemas, en otros meses</h2><section class='day'>")
        for item in elsewhere:
            local = item.entry.scheduled_at.astimezone(zone)
            parts.append(f"<h3>{_e(_day_name(local.date()))} de {local.year}</h3>")
            parts.append(_card(item, zone, thumbnails))
        parts.append("</section>")
    generated = (generated_at or datetime.now(zone)).astimezone(zone)
    parts.append(f"<footer>Generado por Conectados el {_e(spanish_moment(generated))}.</footer>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _count(count: int, one: str, many: str) -> str:
    return f"{number(count)} {one if count == 1 else many}"


def _grid(year: int, month: int, by_day: dict[date, list[PreviewItem]], zone: ZoneInfo) -> str:
    rows = ["<table class='month'><thead><tr>"]
    rows += [f"<th>{name}</th>" for name in WEEKDAYS]
    rows.append("</tr></thead><tbody>")
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        rows.append("<tr>")
        for day in week:
            outside = " class='outside'" if day.month != month else ""
            cell = [f"<td{outside}><div class='num'>{day.day}</div>"]
            for item in by_day.get(day, []):
                local = item.entry.scheduled_at.astimezone(zone)
                marks = "".join(_badge(network) for network in item.entry.networks)
                flag = _flag(item)
                cell.append(
                    f"<div class='mini'><b>{local:%H:%M}</b> {flag}{marks}<br>"
                    f"{_e(_short(item.entry.text or next(iter(item.entry.variants.values()), '')))}</div>"
                )
            cell.append("</td>")
            rows.append("".join(cell))
        rows.append("</tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


def _card(item: PreviewItem, zone: ZoneInfo, thumbnails: _Thumbnails) -> str:
    entry = item.entry
    local = entry.scheduled_at.astimezone(zone)
    parts = [
        "<article class='post'>",
        f"<div class='meta'><b>{local:%H:%M}</b> · <code>{_e(entry.id)}</code>"
        + (f" · campaña {_e(entry.campaign)}" if entry.campaign else "")
        + "</div>",
    ]
    for network in entry.networks:
        text = entry.text_for(network)
        state = item.states.get(network)
        length = spec(network).length(text)
        # Instagram's feed cuts the caption and frames the pictures its own way: shown so.
        body = caption_html(text) if network == "instagram" else f"<p>{_e(text)}</p>"
        if network == "instagram":
            body += frames_html([thumbnails.shown(name) for name in entry.media])
        parts.append(
            f"<div class='net {network}'>{_badge(network)}"
            + (f" <span class='state'>{_e(state)}</span>" if state else "")
            + f" <span class='count'>{number(length)}/{number(spec(network).post_text_limit or 0)}</span>"
            f"{body}</div>"
        )
    if entry.media and set(entry.networks) != {"instagram"}:  # else framed above already
        parts.append("<div class='media'>")
        for name in entry.media:
            parts.append(thumbnails.figure(name))
        parts.append("</div>")
    for problem in item.problems:
        kind, mark = ("warn", "⚠ advertencia:") if problem.warning else ("error", "✖ error:")
        parts.append(f"<p class='{kind}'>{mark} {_e(problem.message)}</p>")
    parts.append("</article>")
    return "".join(parts)


class _Thumbnails:
    """Small embedded copies of the images (a few KB each), made once per file."""

    def __init__(self, media_dir: Path) -> None:
        self.media_dir = media_dir
        self._made: dict[str, tuple[str, Shown]] = {}

    def figure(self, name: str) -> str:
        """The file's figure: its thumbnail and name, or why it is not shown."""
        return self._get(name)[0]

    def shown(self, name: str) -> Shown:
        """The file's header and thumbnail, for framing it the way a network shows it."""
        return self._get(name)[1]

    def _get(self, name: str) -> tuple[str, Shown]:
        if name not in self._made:
            self._made[name] = self._make(name)
        return self._made[name]

    def _make(self, name: str) -> tuple[str, Shown]:
        media: MediaFile | None = None
        not_shown = Shown(name, None, None)
        try:
            path = media_path(self.media_dir, name)
            media = MediaFile.inspect(path)
            # Only images are decoded, and never more bytes than a network takes for one.
            data = (
                b""
                if media.kind == "video"
                else read_user_bytes(path, MAX_IMAGE_BYTES, "una imagen")
            )
        except UserFileError as error:
            if error.errno == errno.ENOENT:
                return f"<figure class='missing'>falta {_e(name)}</figure>", not_shown
            problem = _e(error.problem)
            return (
                f"<figure class='missing'>no se muestra {_e(name)}: {problem}</figure>",
                not_shown,
            )
        if media.kind == "video":
            seconds = (
                f" · {int(media.seconds // 60)}:{int(media.seconds % 60):02d}"
                if media.seconds
                else ""
            )
            figure = f"<figure class='video'>▶ video{seconds}<figcaption>{_e(name)}</figcaption></figure>"
            return figure, Shown(name, media, None)
        try:
            with Image.open(io.BytesIO(data)) as image:
                image = ImageOps.exif_transpose(image)  # a phone's upright photo, upright
                image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, "JPEG", quality=70)
        except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
            return f"<figure class='missing'>no se puede mostrar {_e(name)}</figure>", Shown(
                name, media, None
            )
        uri = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
        figure = (
            f"<figure><img alt='{_e(name)}' src='{uri}'>"
            f"<figcaption>{_e(name)}</figcaption></figure>"
        )
        return figure, Shown(name, media, uri)


def _flag(item: PreviewItem) -> str:
    """The post's mark in the month grid, before its networks' badges: after them, next to
    the last one, «✖ con errores» read as that network's alone; it names the networks whose
    own rules failed («para Instagram: …») when not every error is the whole post's."""
    errors = [problem for problem in item.problems if not problem.warning]
    if not errors:
        return "<span class='warn'>⚠</span> " if item.problems else ""
    named = [
        network
        for network in item.entry.networks
        if any(p.message.startswith(f"para {spec(network).display_name}:") for p in errors)
    ]
    whole = any(not p.message.startswith("para ") for p in errors)
    which = (
        ""
        if whole or not named
        else " en " + spanish_list(spec(network).display_name for network in named)
    )
    return f"<span class='error'>✖ con errores{_e(which)}</span> "


def _badge(network: str) -> str:
    return f"<span class='badge {network}'>{_e(spec(network).display_name)}</span>"


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day_name(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()].capitalize()} {day.day} de {MONTHS[day.month - 1]}"


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


STYLE = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif, "Segoe UI Emoji",
       "Apple Color Emoji", "Noto Color Emoji"; color: #1b2a3a;
       margin: 0 auto; max-width: 1200px; padding: 16px; line-height: 1.35; }
header h1 { margin: 0; color: #023e8a; font-size: 22px; }
header p { margin: 4px 0 14px; color: #4a5a6a; }
h2 { color: #023e8a; border-bottom: 2px solid #90e0ef; padding-bottom: 4px; margin-top: 28px;
     break-before: page; }
table.month { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.month th { background: #0077b6; color: #fff; font-weight: 600; padding: 6px; font-size: 13px;
                 text-transform: capitalize; }
table.month td { border: 1px solid #cfe3ef; vertical-align: top; height: 92px; padding: 4px;
                 font-size: 11px; break-inside: avoid; }
td.outside { background: #f3f6f9; color: #9aa8b5; }
.num { font-weight: 700; color: #023e8a; }
.mini { background: #eef8fc; border-radius: 4px; padding: 3px 4px; margin-top: 3px;
        overflow-wrap: anywhere; }
span.error { color: #b00020; font-weight: 600; }
.badge { display: inline-block; border-radius: 3px; padding: 0 5px; font-size: 10px; color: #fff;
         font-weight: 600; }
.badge.facebook { background: #1877f2; } .badge.x { background: #111; }
section.day h3 { margin: 18px 0 6px; color: #0077b6; }
article.post { border: 1px solid #cfe3ef; border-left: 5px solid #0077b6; border-radius: 6px;
               padding: 8px 12px; margin: 8px 0; break-inside: avoid; }
.meta { color: #4a5a6a; font-size: 13px; }
.net { margin-top: 6px; }
.net p { margin: 4px 0 0; white-space: pre-wrap; font-size: 14px; overflow-wrap: anywhere; }
.count { color: #6b7b8b; font-size: 11px; } .state { font-size: 11px; color: #2d6a4f; }
.media { display: flex; gap: 8px; flex-wrap: wrap; margin-top: 8px; }
figure { margin: 0; font-size: 11px; color: #4a5a6a; }
figure img { max-width: 160px; max-height: 160px; border-radius: 4px; display: block; }
figure.video { width: 160px; height: 90px; background: #023e8a; color: #fff; display: flex;
               flex-direction: column; justify-content: center; align-items: center;
               border-radius: 4px; }
figure.video figcaption { color: #cfe3ef; }
figure.missing { color: #b00020; }
.warn { color: #8a5a00; background: #fff4d6; border-radius: 3px; padding: 1px 4px; }
p.warn, p.error { margin: 6px 0 0; font-size: 13px; padding: 4px 8px; }
p.error { color: #b00020; background: #fde7ea; border-radius: 3px; }
footer { margin-top: 24px; color: #8a98a6; font-size: 11px; }
@media print { body { max-width: none; padding: 0; } }
"""
