"""Bar charts drawn as inline SVG (no script, no external resource)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
HEIGHT = 300
MARGIN_LEFT = 70
MARGIN_RIGHT = 16
MARGIN_TOP = 36
MARGIN_BOTTOM = 56


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    colour: str
    bar_colours: Sequence[str] | None = None  # one colour per category, else `colour`

    def colour_of(self, index: int) -> str:
        return self.bar_colours[index] if self.bar_colours else self.colour


def nice_ticks(value: float, count: int = 4) -> list[float]:
    """Axis ticks from 0 to at least `value`, about `count` steps, each step 1, 2 or 5 times a
    power of ten (so 0 / 50 / 100 / 150, never 0 / 47.7 / 95.4)."""
    if value <= 0:
        return [0.0, 1.0]
    rough = value / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    steps = math.ceil(value / step - 1e-9)
    return [round(i * step, 12) for i in range(steps + 1)]


def binary_unit(largest: float) -> tuple[str, float]:
    """The unit a byte count is shown in (B, KiB, MiB, GiB) and its size in bytes."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if largest >= size:
            return unit, float(size)
    return "B", 1.0


def compact_number(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}" if value != int(value) else str(int(value))


def text(x: float, y: float, content: str, anchor: str = "middle", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}">'
        f"{escape(content)}</text>"
    )


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    value_label: Callable[[float], str] = compact_number,
    stacked: bool = False,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """One SVG bar chart: a group (or a stack) of bars per category, a legend, value labels."""
    totals = [
        sum(s.values[i] for s in series) if stacked else max(s.values[i] for s in series)
        for i in range(len(categories))
    ]
    ticks = nice_ticks(max(totals, default=0))
    top = ticks[-1]
    plot_w = width - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = height - MARGIN_TOP - MARGIN_BOTTOM
    base_y = MARGIN_TOP + plot_h
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        text(width / 2, 18, title, size=13),
    ]
    for value in ticks:
        y = base_y - plot_h * value / top
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{width - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
        )
        parts.append(text(MARGIN_LEFT - 6, y + 4, value_label(value), anchor="end", size=10))
    slot = plot_w / max(len(categories), 1)
    bars_per_slot = 1 if stacked else len(series)
    bar_w = min(slot * 0.8 / bars_per_slot, 60)
    for i, category in enumerate(categories):
        group_x = MARGIN_LEFT + slot * i + (slot - bar_w * bars_per_slot) / 2
        stacked_h = 0.0
        for j, s in enumerate(series):
            value = s.values[i]
            h = plot_h * value / top
            x = group_x + (0 if stacked else j * bar_w)
            y = base_y - h - stacked_h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{s.colour_of(i)}"><title>'
                f"{escape(f'{category} / {s.name}: {value_label(value)}')}</title></rect>"
            )
            if not stacked and value > 0:
                parts.append(text(x + bar_w / 2, y - 3, value_label(value), size=9))
            if stacked:
                stacked_h += h
        if stacked and totals[i] > 0:
            parts.append(
                text(group_x + bar_w / 2, base_y - stacked_h - 3, value_label(totals[i]), size=9)
            )
        parts.append(text(MARGIN_LEFT + slot * (i + 0.5), base_y + 16, category))
    parts.append(
        f'<line x1="{MARGIN_LEFT}" x2="{width - MARGIN_RIGHT}" y1="{base_y}" y2="{base_y}" '
        'stroke="#57606a" stroke-width="1"/>'
    )
    legend_x = MARGIN_LEFT
    for s in series if len(series) > 1 else []:
        parts.append(
            f'<rect x="{legend_x}" y="{height - 18}" width="12" height="12" fill="{s.colour}"/>'
        )
        parts.append(text(legend_x + 16, height - 8, s.name, anchor="start"))
        legend_x += 24 + 7 * len(s.name)
    parts.append("</svg>")
    return "\n".join(parts)
