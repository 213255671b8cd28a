"""Small charts as inline SVG: the report opens anywhere, offline, and prints sharp on A4."""

from __future__ import annotations

from html import escape

from conectados.spanish import number

COLORS = ("#1f5f8b", "#e07b39", "#3a9b5c", "#8e5ea2", "#c44e52", "#7f7f7f")
WIDTH, HEIGHT = 680, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 46


def _nice_top(value: float) -> float:
    if value <= 4:
        return 4  # small counts: ticks at 0, 1, 2, 3, 4
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return top
    return 10 * magnitude


def _number(value: float) -> str:
    return number(value, 0 if value >= 1000 or value == int(value) else 1)


def _frame(title: str, top: float, body: list[str], legend: list[tuple[str, str]]) -> str:
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="grafica">',
        f"<title>{escape(title)}</title>",
    ]
    inner = HEIGHT - TOP - BOTTOM
    for share in (0, 0.25, 0.5, 0.75, 1):
        y = TOP + inner * (1 - share)
        lines.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>'
        )
        lines.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="#555">'
            f"{_number(top * share)}</text>"
        )
    lines.extend(body)
    x = LEFT
    for color, name in legend:
        lines.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{color}"/>')
        lines.append(
            f'<text x="{x + 14}" y="{HEIGHT - 5}" font-size="11" fill="#333">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    lines.append("</svg>")
    return "\n".join(lines)


def bars(title: str, labels: list[str], series: dict[str, list[float]], every: int = 1) -> str:
    """Grouped vertical bars: one group per label, one bar per series."""
    top = _nice_top(max((max(values, default=0) for values in series.values()), default=0))
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    group = inner_w / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    body = []
    for index, label in enumerate(labels):
        for series_index, (_, values) in enumerate(series.items()):
            value = values[index]
            height = inner_h * value / top
            x = LEFT + index * group + group * 0.1 + series_index * bar
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + inner_h - height:.1f}" width="{max(bar - 1, 1):.1f}" '
                f'height="{height:.1f}" fill="{COLORS[series_index % len(COLORS)]}">'
                f"<title>{escape(label)}: {_number(value)}</title></rect>"
            )
        if index % every == 0:
            body.append(
                f'<text x="{LEFT + index * group + group / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" '
                f'font-size="10" text-anchor="middle" fill="#555">{escape(label)}</text>'
            )
    legend = (
        [(COLORS[n % len(COLORS)], name) for n, name in enumerate(series)]
        if len(series) > 1
        else []
    )
    return _frame(title, top, body, legend)


def lines(title: str, labels: list[str], series: dict[str, list[float]], every: int = 1) -> str:
    """One line per series over the labels (days)."""
    top = _nice_top(max((max(values, default=0) for values in series.values()), default=0))
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(labels) - 1, 1)
    body = []
    for series_index, (_, values) in enumerate(series.items()):
        points = " ".join(
            f"{LEFT + index * step:.1f},{TOP + inner_h * (1 - value / top):.1f}"
            for index, value in enumerate(values)
        )
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{COLORS[series_index % len(COLORS)]}" stroke-width="2"/>'
        )
    for index, label in enumerate(labels):
        if index % every == 0:
            body.append(
                f'<text x="{LEFT + index * step:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
                f'text-anchor="middle" fill="#555">{escape(label)}</text>'
            )
    legend = [(COLORS[n % len(COLORS)], name) for n, name in enumerate(series)]
    return _frame(title, top, body, legend)
