"""What every chart kind shares: the table a chart reads (a protocol), the `-- chart:` spec, the
registry of kinds, colours by meaning (licenses, known words, a palette) with their contrast, and the
axis helpers. The kinds themselves, and the header parser that checks against them, are in `charts`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from markupsafe import Markup, escape

from .formatting import column_label, format_value, is_numeric_column, is_percent_column, is_share_column


class ChartTable(Protocol):
    """What a chart reads of a queries.TableResult (a protocol: queries imports this module)."""

    columns: list[str]
    rows: list[list]
    status: str
    query: Any  # a ReportQuery: its .chart (a ChartSpec) and .title


@dataclass(frozen=True)
class ChartSpec:
    """A table's `-- chart:` header: the kind and its key=value options."""

    kind: str
    options: dict[str, str]

    def column(self, *names: str) -> str | None:
        """The first option among `names` (aliases such as label/x, value/y)."""
        for name in names:
            if self.options.get(name):
                return self.options[name]
        return None


ChartDrawer = Callable[["ChartTable", ChartSpec, "ChartContext"], "Chart | None"]
CHART_KINDS: dict[str, ChartDrawer] = {}  # kind name -> the function that draws it, in registration order


def chart_kind(*names: str) -> Callable[[ChartDrawer], ChartDrawer]:
    """Register a drawer under one or more kind names; a new kind is one decorated function."""

    def register(draw: ChartDrawer) -> ChartDrawer:
        for name in names:
            if name in CHART_KINDS:
                raise ValueError(f"chart kind {name!r} is registered twice")
            CHART_KINDS[name] = draw
        return draw

    return register


MAX_BARS = 30
SMALL_GROUP = 20  # a 100% bar over fewer photos than this would claim more than it knows

# License colours by what the license allows: forbids commercial use = warm (red/orange, ARR darkest),
# allows it = cool (blues and teals), says nothing = grey. Used in every chart and the legend alike.
LICENSE_COLOURS = {
    "arr": "#67000d",
    "by-nc-nd": "#a50f15",
    "by-nc-sa": "#d9480f",
    "by-nc": "#f08c00",
    "by": "#0b4f9c",
    "by-sa": "#2f7fc1",
    "by-nd": "#74b3e0",
    "cc0": "#0b6e6e",
    "pdm": "#36a3a3",
    "usgov": "#8fd0d0",
    "nkcr": "#8a8f98",
    "unknown": "#c9ccd1",
}
WARM, COOL, GREY, NEUTRAL = "#b2182b", "#2166ac", "#9aa0a6", "#4a5568"
SEMANTIC_COLOURS = {
    "forbids commercial use": WARM,
    "forbidden": WARM,
    "allows commercial use": COOL,
    "allowed": COOL,
    "unknown": GREY,
    "says nothing about commercial use": GREY,
    "honoured": COOL,
    "still distributed": WARM,
    "still_distributed": WARM,
    "not yet checked": GREY,
    "not_yet_checked": GREY,
    "never held": GREY,
    "never_held": GREY,
    "ok": COOL,
    "available": COOL,
    "unchanged": COOL,
    "changed": "#f08c00",
    "not_found": WARM,
    "not found": WARM,
    "unavailable": WARM,
    "user_deleted": "#67000d",
    "user deleted": "#67000d",
    "error": GREY,
    "errors": GREY,
    "photo": NEUTRAL,
    "video": "#7b5ea7",
    "plausible": COOL,
    "missing": GREY,
    "implausible": WARM,
}
TONES = {"warm": WARM, "cool": COOL, "neutral": NEUTRAL}
PALETTE = ["#4a5568", "#7b5ea7", "#0b6e6e", "#8c510a", "#1b7837", "#5e3c99", "#b35806", "#01665e"]
# Family order inside a stacked bar: what forbids commercial use first, so it reads as one block.
FAMILY_ORDER = {
    "arr": 0,
    "by-nc-nd": 1,
    "by-nc-sa": 2,
    "by-nc": 3,
    "by": 4,
    "by-sa": 5,
    "by-nd": 6,
    "cc0": 7,
    "pdm": 8,
    "usgov": 9,
    "nkcr": 10,
    "unknown": 11,
}


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(fill: str) -> str:
    """Black or white, whichever reads better on `fill` (always at least 4.5:1 for an opaque fill)."""
    return "#000000" if contrast(fill, "#000000") >= contrast(fill, "#ffffff") else "#ffffff"


class Colours:
    """Stable colours: license names by what the license allows, known words by meaning, else a palette."""

    def __init__(self, license_codes: dict[str, str] | None = None):
        self.license_codes = {k.lower(): v for k, v in (license_codes or {}).items()}
        self._assigned: dict[str, str] = {}

    def code(self, label: object) -> str | None:
        key = str(label).lower()
        code = self.license_codes.get(key, key)
        return code if code in LICENSE_COLOURS else None

    def known(self, label: object) -> str | None:
        """The colour a license or a known word always has, else None."""
        code = self.code(label)
        return LICENSE_COLOURS[code] if code else SEMANTIC_COLOURS.get(str(label).lower())

    def __call__(self, label: object) -> str:
        key = str(label).lower()
        if known := self.known(label):
            return known
        if key not in self._assigned:
            self._assigned[key] = PALETTE[len(self._assigned) % len(PALETTE)]
        return self._assigned[key]

    def order(self, label: object) -> int:
        code = self.code(label)
        return FAMILY_ORDER.get(code, 50) if code else 50


@dataclass
class ChartContext:
    """What a chart needs besides its table: colours, and the datasets that cannot be drawn at all."""

    colours: Colours = field(default_factory=Colours)
    unauditable: dict[str, int] = field(default_factory=dict)  # dataset name -> items


@dataclass
class Chart:
    html: Markup
    caption: str  # the finding, in one sentence
    description: str  # what is drawn, with the data, for readers who cannot see it

    def __html__(self) -> str:
        return str(self.html)

    def __str__(self) -> str:
        return str(self.html)


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _column_index(table: ChartTable, name: str | None, want_numeric: bool) -> int | None:
    """The named column, else the first text (label) or numeric (value) column."""
    if name:
        lowered = [c.lower() for c in table.columns]
        return lowered.index(name.lower()) if name.lower() in lowered else None
    for index in range(len(table.columns)):
        if is_numeric_column(table.rows, index) == want_numeric:
            return index
    return None


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        return [low]
    step = 10 ** math.floor(math.log10((high - low) / count))
    for factor in (1, 2, 2.5, 5, 10):
        if (high - low) / (step * factor) <= count:
            step *= factor
            break
    first = math.floor(low / step) * step
    ticks: list[float] = []
    tick = first
    while not ticks or ticks[-1] < high - step * 1e-9:  # the last tick covers the largest value
        ticks.append(round(tick, 12))
        tick += step
    return ticks


def _scale(value_name: str, values: list[float]) -> tuple[float, list[float]]:
    """Axis maximum and ticks: shares always on 0-100%, counts on nice round numbers."""
    if is_share_column(value_name):
        return 1.0, [0, 0.25, 0.5, 0.75, 1.0]
    if is_percent_column(value_name):
        return 100.0, [0, 25, 50, 75, 100]
    peak = max(values, default=0) or 1
    ticks = [float(t) for t in range(math.ceil(peak) + 1)] if peak <= 4 else _nice_ticks(0, peak)
    return ticks[-1] or 1.0, ticks


def tick_text(tick: float, value_name: str) -> str:
    """Round numbers on an axis: 25%, not 25.0%."""
    if is_share_column(value_name):
        return f"{tick * 100:g}%"
    if is_percent_column(value_name):
        return f"{tick:g}%"
    return format_value(int(tick) if float(tick).is_integer() else tick, value_name)


def _axis(ticks: list[float], top: float, value_name: str, title: str) -> str:
    spans = []
    for i, tick in enumerate(ticks):
        where = "first" if i == 0 else ("last" if i == len(ticks) - 1 else "mid")
        spans.append(
            f'<span class="tick {where}" style="left:{tick / top * 100:.3f}%">'
            f"{escape(tick_text(tick, value_name))}</span>"
        )
    return (
        f'<div class="axis" aria-hidden="true"><div class="ticks">{"".join(spans)}</div>'
        f'<div class="axis-title">{escape(title)}</div></div>'
    )


def _axis_title(spec: ChartSpec, value_name: str) -> str:
    if spec.options.get("measure"):
        measure = spec.options["measure"].replace("_", " ")
        unit = "%" if is_share_column(value_name) or is_percent_column(value_name) else "count"
        return f"{measure[:1].upper()}{measure[1:]} ({unit})"
    label = column_label(value_name)
    if is_share_column(value_name) or is_percent_column(value_name):
        label = label.replace(" share", "").replace("Share", "Share").replace(" %", "")
        return (
            f"{label} (% of {spec.options.get('of', 'the row').replace('_', ' ')})"
            if spec.options.get("of")
            else f"{label} (%)"
        )
    return f"{label} (count)"
