"""Inline SVG charts for the report: no JavaScript, no fonts or files to fetch, readable on a phone.

Each chart is drawn from one report table as its `-- chart:` header asks:

    bar|hbar label=COL value=COL            one bar per row (bar turns into hbar beyond 8 rows)
    stacked  label=COL series=COL value=COL  one 100% bar per label, split by series (long table)
    stacked  label=COL value=COL1,COL2,...   the same from a wide table
    line     label=COL value=COL [series=COL] x (log scale when it spans decades) against y
    heatmap  x=COL y=COL value=COL           a grid shaded by value (e.g. dataset overlap)

Aliases: x = label, y = value, group = series. Every text that reaches the SVG is escaped here,
so a title from Flickr cannot become markup. The table with the same numbers sits beside it.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from markupsafe import Markup, escape

from .formatting import format_value, is_numeric_column
from .queries import ChartSpec, TableResult

WIDTH = 520
FONT = 15
MAX_BARS = 30

LICENSE_COLOURS = {
    "by": "#2a9d8f", "by-sa": "#52b788", "by-nd": "#95d5b2",
    "by-nc": "#f4a261", "by-nc-sa": "#e76f51", "by-nc-nd": "#c1121f",
    "cc0": "#4361ee", "pdm": "#4895ef", "usgov": "#90e0ef", "nkcr": "#adb5bd", "arr": "#343a40",
}
SEMANTIC_COLOURS = {
    "allowed": "#2a9d8f", "forbidden": "#c1121f", "unknown": "#adb5bd",
    "honoured": "#2a9d8f", "still distributed": "#c1121f", "still_distributed": "#c1121f",
    "not yet checked": "#adb5bd", "not_yet_checked": "#adb5bd",
    "ok": "#2a9d8f", "available": "#2a9d8f", "unchanged": "#2a9d8f", "changed": "#f4a261",
    "not_found": "#c1121f", "not found": "#c1121f", "unavailable": "#c1121f",
    "user_deleted": "#7b2cbf", "user deleted": "#7b2cbf", "error": "#adb5bd", "errors": "#adb5bd",
    "photo": "#3a86ff", "video": "#8338ec", "plausible": "#2a9d8f", "missing": "#adb5bd",
}
ACCENT = "#3a86ff"
PALETTE = ["#3a86ff", "#fb5607", "#8338ec", "#2a9d8f", "#ffbe0b", "#ff006e", "#6c757d", "#06d6a0",
           "#118ab2", "#ef476f", "#073b4c", "#bc6c25"]


class Colours:
    """Stable colours: license names by what the license allows, known words by meaning, else a palette."""

    def __init__(self, license_codes: dict[str, str] | None = None):
        self.license_codes = {k.lower(): v for k, v in (license_codes or {}).items()}
        self._assigned: dict[str, str] = {}

    def known(self, label: object) -> str | None:
        """The colour a license or a known word always has, else None."""
        key = str(label).lower()
        code = self.license_codes.get(key, key)
        return LICENSE_COLOURS.get(code) or SEMANTIC_COLOURS.get(key)

    def bar(self, label: object) -> str:
        """Bars of one measure share one colour unless the label itself has a meaning."""
        return self.known(label) or ACCENT

    def __call__(self, label: object) -> str:
        key = str(label).lower()
        if self.known(label):
            return self.known(label)
        if key not in self._assigned:
            self._assigned[key] = PALETTE[len(self._assigned) % len(PALETTE)]
        return self._assigned[key]


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = FONT, cls: str = "",
          weight: str = "normal") -> str:
    attrs = f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}"{attrs}>{escape(text)}</text>')


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(height: float, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def _column_index(table: TableResult, name: str | None, want_numeric: bool) -> int | None:
    """The named column, else the first text (label) or numeric (value) column."""
    if name:
        lowered = [c.lower() for c in table.columns]
        return lowered.index(name.lower()) if name.lower() in lowered else None
    for index in range(len(table.columns)):
        if is_numeric_column(table.rows, index) == want_numeric:
            return index
    return None


CHAR_WIDTH = FONT * 0.58  # average glyph width of the system sans-serif at FONT px


def _label_width(labels: list[str], limit: int) -> float:
    """Room for the longest label, up to `limit` characters and at most 42% of the chart."""
    longest = min(max((len(label) for label in labels), default=4), limit)
    return min(longest * CHAR_WIDTH + 10, WIDTH * 0.42)


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def hbar(table: TableResult, label_col: int, value_col: int, colours: Colours, title: str) -> Markup:
    rows = [r for r in table.rows if r[value_col] is not None][:MAX_BARS]
    value_name = table.columns[value_col]
    peak = max((_number(r[value_col]) for r in rows), default=0) or 1
    labels = [format_value(r[label_col], table.columns[label_col]) for r in rows]
    label_w = _label_width(labels, 30)
    bar_x, row_h = label_w + 10, 28
    bar_max = WIDTH - bar_x - 80
    body = []
    for i, row in enumerate(rows):
        y = 8 + i * row_h
        label = format_value(row[label_col], table.columns[label_col])
        width = max(_number(row[value_col]) / peak * bar_max, 1.5 if _number(row[value_col]) else 0)
        body.append(_text(label_w, y + 18, _short(label, int(label_w / CHAR_WIDTH)), "end"))
        body.append(f'<rect x="{bar_x}" y="{y + 4}" width="{width:.1f}" height="{row_h - 8}" rx="3" '
                    f'fill="{colours.bar(row[label_col])}"><title>{escape(label)}: '
                    f'{escape(format_value(row[value_col], value_name))}</title></rect>')
        body.append(_text(bar_x + width + 6, y + 18, format_value(row[value_col], value_name), cls="num"))
    return _svg(16 + len(rows) * row_h, body, title)


def vbar(table: TableResult, label_col: int, value_col: int, colours: Colours, title: str) -> Markup:
    rows = [r for r in table.rows if r[value_col] is not None]
    value_name = table.columns[value_col]
    peak = max((_number(r[value_col]) for r in rows), default=0) or 1
    height, base, top = 260, 215, 28
    slot = (WIDTH - 40) / max(len(rows), 1)
    bar_w = min(slot * 0.62, 90)
    body = [f'<line x1="20" y1="{base}" x2="{WIDTH - 20}" y2="{base}" class="axis"/>']
    for i, row in enumerate(rows):
        cx = 20 + slot * (i + 0.5)
        h = _number(row[value_col]) / peak * (base - top)
        label = format_value(row[label_col], table.columns[label_col])
        body.append(f'<rect x="{cx - bar_w / 2:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'rx="3" fill="{colours.bar(row[label_col])}"><title>{escape(label)}: '
                    f'{escape(format_value(row[value_col], value_name))}</title></rect>')
        body.append(_text(cx, base - h - 7, format_value(row[value_col], value_name), "middle", cls="num",
                          weight="bold"))
        body.append(_text(cx, base + 20, _short(label, max(int(slot / 7.5), 6)), "middle"))
    return _svg(height, body, title)


def stacked(table: TableResult, spec: ChartSpec, colours: Colours, title: str) -> Markup | None:
    label_col = _column_index(table, spec.column("label", "x", "y"), want_numeric=False)
    if label_col is None:
        return None
    bars: OrderedDict[str, OrderedDict[str, float]] = OrderedDict()
    series_name = spec.column("series", "group")
    value_names = [v for v in (spec.column("value") or "").split(",") if v]
    if series_name:  # long table: label, series, value
        series_col = _column_index(table, series_name, want_numeric=False)
        value_col = _column_index(table, value_names[0] if value_names else None, want_numeric=True)
        if series_col is None or value_col is None:
            return None
        for row in table.rows:
            segs = bars.setdefault(str(row[label_col]), OrderedDict())
            key = format_value(row[series_col], table.columns[series_col])
            segs[key] = segs.get(key, 0.0) + _number(row[value_col])
    else:  # wide table: one column per series
        indexes = [_column_index(table, name, True) for name in value_names]
        if not indexes or None in indexes:
            return None
        for row in table.rows:
            bars[str(row[label_col])] = OrderedDict(
                (table.columns[i].replace("_", " "), _number(row[i])) for i in indexes)
    bars = OrderedDict(list(bars.items())[:MAX_BARS])
    legend = list(OrderedDict.fromkeys(k for segs in bars.values() for k in segs))
    label_w = _label_width(list(bars), 28)
    bar_x, row_h = label_w + 10, 34
    bar_max = WIDTH - bar_x - 12
    body = []
    for i, (label, segs) in enumerate(bars.items()):
        y = 8 + i * row_h
        total = sum(segs.values()) or 1
        body.append(_text(label_w, y + 22, _short(label, int(label_w / CHAR_WIDTH)), "end"))
        x = float(bar_x)
        for key, value in segs.items():
            width = value / total * bar_max
            if width <= 0:
                continue
            body.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{width:.2f}" height="{row_h - 8}" '
                        f'fill="{colours(key)}"><title>{escape(label)} · {escape(key)}: {value:,.0f} '
                        f'({value / total:.1%})</title></rect>')
            if width > 38:
                body.append(_text(x + width / 2, y + 22, f"{value / total:.0%}", "middle", 12, "seg"))
            x += width
    y = 16 + len(bars) * row_h
    x = 12.0
    for key in legend:  # legend wraps onto new lines as needed
        item_w = 26 + 7.6 * min(len(key), 34)
        if x + item_w > WIDTH:
            x, y = 12.0, y + 20
        body.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="12" height="12" rx="2" fill="{colours(key)}"/>')
        body.append(_text(x + 17, y + 11, _short(key, 34), size=13))
        x += item_w
    return _svg(y + 24, body, title)


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        return [low]
    step = 10 ** math.floor(math.log10((high - low) / count))
    for factor in (1, 2, 5, 10):
        if (high - low) / (step * factor) <= count:
            step *= factor
            break
    start = math.floor(low / step) * step
    return [start + i * step for i in range(int((high - start) / step) + 2) if start + i * step <= high + 1e-12]


def line(table: TableResult, spec: ChartSpec, colours: Colours, title: str) -> Markup | None:
    x_col = _column_index(table, spec.column("label", "x"), want_numeric=True)
    y_col = _column_index(table, spec.column("value", "y"), want_numeric=True)
    if x_col is None or y_col is None or x_col == y_col:
        return None
    series_name = spec.column("series", "group")
    series_col = _column_index(table, series_name, False) if series_name else None
    groups: OrderedDict[str, list[tuple[float, float]]] = OrderedDict()
    for row in table.rows:
        if row[x_col] is None or row[y_col] is None:
            continue
        key = str(row[series_col]) if series_col is not None else table.columns[y_col]
        groups.setdefault(key, []).append((_number(row[x_col]), _number(row[y_col])))
    points = [p for pts in groups.values() for p in pts]
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    log_x = min(xs) > 0 and max(xs) / min(xs) >= 100
    fx = (lambda v: math.log10(v)) if log_x else (lambda v: v)
    x_low, x_high = fx(min(xs)), fx(max(xs))
    y_low, y_high = min(0.0, min(ys)), max(ys) or 1.0
    left, right, top, bottom, height = 64, WIDTH - 20, 16, 236, 290

    def px(v: float) -> float:
        return left + (fx(v) - x_low) / ((x_high - x_low) or 1) * (right - left)

    def py(v: float) -> float:
        return bottom - (v - y_low) / ((y_high - y_low) or 1) * (bottom - top)

    y_name, x_name = table.columns[y_col], table.columns[x_col]
    body = [f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" class="axis"/>']
    for tick in _nice_ticks(y_low, y_high):
        body.append(f'<line x1="{left}" y1="{py(tick):.1f}" x2="{right}" y2="{py(tick):.1f}" class="grid"/>')
        body.append(_text(left - 6, py(tick) + 4, format_value(tick, y_name), "end", 11, "num"))
    x_ticks = ([10 ** e for e in range(math.floor(x_low), math.ceil(x_high) + 1) if x_low <= e <= x_high]
               if log_x else _nice_ticks(fx(min(xs)), fx(max(xs))))
    for tick in x_ticks:
        body.append(_text(px(tick), bottom + 18, format_value(tick, x_name), "middle", 11, "num"))
    body.append(_text((left + right) / 2, height - 6,
                      x_name.replace("_", " ") + (" (log scale)" if log_x else ""), "middle", 12))
    for key, pts in groups.items():
        colour = colours(key)
        path = " ".join(f"{'M' if i == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for i, (x, y) in enumerate(pts))
        body.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for x, y in pts:
            body.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}"><title>'
                        f'{escape(format_value(x, x_name))}: {escape(format_value(y, y_name))}</title></circle>')
    if len(groups) > 1:
        for i, key in enumerate(groups):
            body.append(f'<rect x="{left + 10}" y="{top + 4 + i * 18}" width="12" height="12" fill="{colours(key)}"/>')
            body.append(_text(left + 28, top + 15 + i * 18, _short(key, 40), size=12))
    return _svg(height, body, title)


def heatmap(table: TableResult, spec: ChartSpec, title: str) -> Markup | None:
    x_col = _column_index(table, spec.column("x", "label"), want_numeric=False)
    y_col = _column_index(table, spec.column("y", "series"), want_numeric=False)
    v_col = _column_index(table, spec.column("value"), want_numeric=True)
    if None in (x_col, y_col, v_col):
        return None
    xs = list(OrderedDict.fromkeys(str(r[x_col]) for r in table.rows))[:MAX_BARS]
    ys = list(OrderedDict.fromkeys(str(r[y_col]) for r in table.rows))[:MAX_BARS]
    values = {(str(r[x_col]), str(r[y_col])): _number(r[v_col]) for r in table.rows}
    peak = max(values.values(), default=0) or 1
    label_w = 150
    cell = max(min((WIDTH - label_w - 10) / max(len(xs), 1), 64), 14)
    top = 110
    v_name = table.columns[v_col]
    body = []
    for i, x in enumerate(xs):
        cx = label_w + cell * (i + 0.5)
        body.append(f'<g transform="translate({cx:.1f},{top - 8}) rotate(-40)">'
                    f'{_text(0, 0, _short(x, 18), size=12)}</g>')
    for j, y in enumerate(ys):
        cy = top + cell * j
        body.append(_text(label_w - 8, cy + cell / 2 + 4, _short(y, 22), "end", 12))
        for i, x in enumerate(xs):
            value = values.get((x, y))
            share = (value or 0) / peak
            fill = f"rgba(58,134,255,{0.08 + 0.92 * share:.3f})" if value is not None else "#f1f3f5"
            shown = format_value(value, v_name) if value is not None else "—"
            body.append(f'<rect x="{label_w + cell * i:.1f}" y="{cy:.1f}" width="{cell - 2:.1f}" '
                        f'height="{cell - 2:.1f}" rx="3" fill="{fill}"><title>{escape(x)} × {escape(y)}: '
                        f'{escape(shown)}</title></rect>')
            if cell >= 40 and value is not None:
                colour = "#fff" if share > 0.55 else "#212529"
                body.append(f'<text x="{label_w + cell * (i + 0.5) - 1:.1f}" y="{cy + cell / 2 + 4:.1f}" '
                            f'font-size="11" text-anchor="middle" fill="{colour}">'
                            f'{escape(_short(shown, 7))}</text>')
    return _svg(top + cell * len(ys) + 10, body, title)


def chart_for(table: TableResult, colours: Colours) -> Markup | None:
    """The SVG for a table's `-- chart:` header, or None when the table cannot be drawn that way."""
    spec = table.query.chart
    if spec is None or table.status != "ok" or not table.rows:
        return None
    title = table.query.title
    if spec.kind in ("bar", "hbar"):
        label_col = _column_index(table, spec.column("label", "x"), want_numeric=False)
        value_col = _column_index(table, (spec.column("value", "y") or "").split(",")[0] or None,
                                  want_numeric=True)
        if label_col is None or value_col is None:
            return None
        if spec.kind == "bar" and len(table.rows) <= 8:
            return vbar(table, label_col, value_col, colours, title)
        return hbar(table, label_col, value_col, colours, title)
    if spec.kind == "stacked":
        return stacked(table, spec, colours, title)
    if spec.kind == "line":
        return line(table, spec, colours, title)
    if spec.kind == "heatmap":
        return heatmap(table, spec, title)
    return None
