"""Charts for the report as HTML and CSS: no JavaScript, no fonts or files to fetch, readable on a phone.

Why HTML rather than SVG (hand-drawn or Vega-Lite rendered by vl-convert): a static SVG scales as a
picture, so a chart drawn 520-580 px wide shows its 10-15 px labels at 7-10 px on a 390 px phone.
HTML bars reflow instead: labels stay real text at the page's size, wrap above their bar on a phone,
are read by screen readers in order, and their colours can be checked for contrast in the browser.
Only the plotting area of a line chart is SVG (stretched, with non-scaling strokes); its labels are HTML.

Each chart is drawn from one report table as its `-- chart:` header asks; the kinds are the functions
registered with `@chart_kind` below (`CHART_KINDS`, the one list the header parser checks against):

    hbar|bar label=COL value=COL [count=COL of=COL] [tone=warm|cool]   one bar per row, sorted by value
    stacked  label=COL series=COL value=COL    one 100% bar per label, split by series (long table)
    stacked  label=COL value=COL1,COL2,...     the same from a wide table
    line     label=COL value=COL [series=COL]  y against x (log scale when x spans decades)
    heatmap  x=COL y=COL value=COL              a grid shaded by value (e.g. overlap between datasets)

Aliases: x = label, y = value, group = series. `count`/`of` name the numerator and denominator that
a share was computed from, so every bar reads "68.9% · 11,506 of 16,697". Every text is escaped here.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from markupsafe import Markup, escape

from ..errors import CcauditError
from .chart_base import (
    CHART_KINDS,
    GREY,
    LICENSE_COLOURS,
    MAX_BARS,
    NEUTRAL,
    SMALL_GROUP,
    TONES,
    WARM,
    Chart,
    ChartContext,
    ChartSpec,
    ChartTable,
    Colours,
    _axis,
    _axis_title,
    _column_index,
    _nice_ticks,
    _number,
    _scale,
    chart_kind,
    text_on,
    tick_text,
)
from .formatting import column_label, format_value


def _value_text(
    row: list, table: ChartTable, value_col: int, count_col: int | None, of_col: int | None
) -> str:
    value_name = table.columns[value_col]
    text = format_value(row[value_col], value_name)
    if count_col is not None and of_col is not None and row[of_col] is not None:
        text += f" · {format_value(row[count_col])} of {format_value(row[of_col])}"
    elif of_col is not None and row[of_col] is not None:
        text += f" of {format_value(row[of_col])}"
    return text


@chart_kind("bar", "hbar")
def hbar(table: ChartTable, spec: ChartSpec, context: ChartContext) -> Chart | None:
    label_col = _column_index(table, spec.column("label", "x"), want_numeric=False)
    value_col = _column_index(
        table, (spec.column("value", "y") or "").split(",")[0] or None, want_numeric=True
    )
    if label_col is None or value_col is None:
        return None
    count_col = _column_index(table, spec.options.get("count"), True) if spec.options.get("count") else None
    of_col = _column_index(table, spec.options.get("of"), True) if spec.options.get("of") else None
    value_name, label_name = table.columns[value_col], table.columns[label_col]
    drawn = [r for r in table.rows if r[value_col] is not None]
    drawn.sort(key=lambda r: -_number(r[value_col]))  # by value, largest first
    drawn = drawn[:MAX_BARS]
    top, ticks = _scale(value_name, [_number(r[value_col]) for r in drawn])
    tone = TONES.get(spec.options.get("tone", ""))
    rows_html, described = [], []
    for row in drawn:
        label = pool_label(format_value(row[label_col], label_name))
        value_text = _value_text(row, table, value_col, count_col, of_col)
        width = max(_number(row[value_col]) / top * 100, 0.4 if _number(row[value_col]) else 0)
        colour = tone or context.colours.known(row[label_col]) or NEUTRAL
        few = of_col is not None and isinstance(row[of_col], (int, float)) and 0 < row[of_col] < SMALL_GROUP
        if few:  # a share of a handful: drawn outlined, and said
            value_text += " (too few for a share)"
        fill_style = (
            f"width:{width:.3f}%;background:repeating-linear-gradient(135deg,{colour} 0 4px,#fff 4px 7px)"
            if few
            else f"width:{width:.3f}%;background:{colour}"
        )
        rows_html.append(
            f'<div class="bar-row"><div class="bar-label">{escape(label)}</div>'
            f'<div class="bar-track"><div class="bar-fill" style="{fill_style}"></div></div>'
            f'<div class="bar-value">{escape(value_text)}</div></div>'
        )
        described.append(f"{label}: {value_text}")
    missing = _unauditable_rows(label_name, context, {str(r[label_col]) for r in drawn})
    rows_html += [html for html, _ in missing]
    described += [text for _, text in missing]
    if not drawn:
        return None
    axis = _axis(ticks, top, value_name, _axis_title(spec, value_name))
    caption = _bar_caption(table, spec, drawn, label_col, value_col, count_col, of_col)
    description = (
        f"Bar chart, sorted by {column_label(value_name).lower()}, scale 0 to "
        f"{format_value(top, value_name)}. " + "; ".join(described) + "."
    )
    html = Markup(f'<div class="bars">{"".join(rows_html)}</div>{axis}')
    return Chart(html, caption, description)


def pool_label(label: str) -> str:
    """YFCC100M is the pool the datasets were drawn from; a chart row says so."""
    return "YFCC100M (the pool)" if label == "YFCC100M" else label


def _unauditable_rows(label_name: str, context: ChartContext, drawn: set[str]) -> list[tuple[str, str]]:
    """Datasets without any Flickr pointer: a row saying so, never a silent gap."""
    if label_name.lower() not in ("dataset", "source") or not context.unauditable:
        return []
    found = []
    for name, items in sorted(context.unauditable.items()):
        if any(label == name or label.startswith(name + " ") for label in drawn):
            continue
        text = f"not auditable: {items:,} items, no pointer back to Flickr"
        html = (
            f'<div class="bar-row unauditable"><div class="bar-label">{escape(name)}</div>'
            f'<div class="bar-track none"></div><div class="bar-value">{escape(text)}</div></div>'
        )
        found.append((html, f"{name}: {text}"))
    return found


def _bar_caption(table, spec, drawn, label_col, value_col, count_col, of_col) -> str:
    measure = (
        spec.options.get("measure", "").replace("_", " ") or column_label(table.columns[value_col]).lower()
    )
    label_name = table.columns[label_col]
    first, last = drawn[0], drawn[-1]
    head = (
        f"Highest: {pool_label(format_value(first[label_col], label_name))} "
        f"({_value_text(first, table, value_col, count_col, of_col)})"
    )
    if len(drawn) == 1:
        return f"{measure[:1].upper()}{measure[1:]}: {head[9:]}."
    return (
        f"{measure[:1].upper()}{measure[1:]}. {head}; lowest: {pool_label(format_value(last[label_col], label_name))} "
        f"({_value_text(last, table, value_col, count_col, of_col)})."
    )


@chart_kind("stacked")
def stacked(table: ChartTable, spec: ChartSpec, context: ChartContext) -> Chart | None:
    colours = context.colours
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
            key = str(row[series_col])
            segs[key] = segs.get(key, 0.0) + _number(row[value_col])
        unit = column_label(table.columns[value_col]).lower()
    else:  # wide table: one numeric column per series
        found = [_column_index(table, name, want_numeric=True) for name in value_names]
        cols = [c for c in found if c is not None]
        if not cols or len(cols) < len(found):
            return None
        for row in table.rows:
            bars[str(row[label_col])] = OrderedDict(
                (column_label(table.columns[c]), _number(row[c])) for c in cols
            )
        unit = "rows"
    legend = sorted(
        OrderedDict.fromkeys(k for segs in bars.values() for k in segs),
        key=lambda k: (colours.order(k), -next(iter(bars.values())).get(k, 0)),
    )
    warm = {
        k
        for k in legend
        if colours(k)
        in (
            LICENSE_COLOURS["arr"],
            LICENSE_COLOURS["by-nc-nd"],
            LICENSE_COLOURS["by-nc-sa"],
            LICENSE_COLOURS["by-nc"],
            WARM,
        )
    }

    grey = {k for k in legend if colours(k) in (LICENSE_COLOURS["unknown"], LICENSE_COLOURS["nkcr"], GREY)}

    def known_total(segs: dict) -> float:
        return sum(v for k, v in segs.items() if k not in grey)

    def warm_share(segs: dict) -> float:
        # over the photos whose license says, as everywhere else in the report
        return sum(v for k, v in segs.items() if k in warm) / (known_total(segs) or 1)

    order = sorted(bars, key=lambda b: -warm_share(bars[b]) if warm else 0)
    biggest = max((sum(s.values()) for s in bars.values()), default=0) or 1
    rows_html, described = [], []
    for name in order[:MAX_BARS]:
        segs = bars[name]
        total = sum(segs.values())
        if not total:
            continue
        small = total < SMALL_GROUP
        # A small group is drawn at its size against the largest, so 3 photos never look like 300,000.
        bar_width = max(total / biggest * 100, 1.0) if small else 100.0
        parts, said = [], []
        for key in legend:
            value = segs.get(key, 0)
            if not value:
                continue
            share = value / total
            fill = colours(key)
            # a label only where it fits: from 12% of the bar on a wide screen, from 25% on a phone
            inner = (
                f'<span class="{"big" if share >= 0.25 else "mid"}" style="color:{text_on(fill)}">'
                f"{share:.0%}</span>"
                if share >= 0.12 and not small
                else ""
            )
            parts.append(
                f'<div class="seg" style="width:{share * 100:.3f}%;background:{fill}" '
                f'title="{escape(key)}: {value:,.0f} ({share:.1%})">{inner}</div>'
            )
            said.append(f"{key} {share:.1%} ({value:,.0f})")
        total_text = f"{total:,.0f} {unit}"
        if warm:
            total_text = f"{warm_share(segs):.1%} of {known_total(segs):,.0f} forbid"
        if small:
            total_text = f"only {total:,.0f} {unit}: drawn at its size, too few for shares"
        rows_html.append(
            f'<div class="bar-row"><div class="bar-label">{escape(pool_label(name))}</div>'
            f'<div class="bar-track stack"><div class="stack-inner" style="width:{bar_width:.3f}%">'
            f'{"".join(parts)}</div></div><div class="bar-value">{escape(total_text)}</div></div>'
        )
        described.append(f"{name} ({total:,.0f} {unit}): " + ", ".join(said))
    missing = _unauditable_rows(
        table.columns[label_col], context, {name for name, segs in bars.items() if sum(segs.values())}
    )
    rows_html += [html for html, _ in missing]
    described += [text for _, text in missing]
    if not rows_html:
        return None
    legend_html = "".join(
        f'<li><span class="swatch" style="background:{colours(k)}"></span>{escape(k)}</li>' for k in legend
    )
    html = Markup(
        f'<div class="bars">{"".join(rows_html)}</div>'
        f'<ul class="legend" aria-label="Legend">{legend_html}</ul>'
    )
    if warm:
        top = order[0]
        caption = (
            f"Largest share forbidding commercial use: {pool_label(top)}, {warm_share(bars[top]):.1%} "
            f"of {known_total(bars[top]):,.0f} photos whose license says. Warm colours forbid commercial "
            "use, cool colours allow it, grey says nothing."
        )
    else:
        caption = "Each bar is 100% of its row; segments in the order of the legend."
    return Chart(html, caption, "Stacked 100% bars. " + "; ".join(described) + ".")


@chart_kind("line")
def line(table: ChartTable, spec: ChartSpec, context: ChartContext) -> Chart | None:
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
        key = (
            str(row[series_col])
            if series_col is not None
            else (spec.options.get("measure") or "").replace("_", " ").capitalize()
            or column_label(table.columns[y_col])
        )
        groups.setdefault(key, []).append((_number(row[x_col]), _number(row[y_col])))
    return line_chart(
        groups,
        table.columns[x_col],
        table.columns[y_col],
        context.colours,
        y_title=_axis_title(spec, table.columns[y_col]),
    )


def line_chart(
    groups: dict[str, list[tuple[float, float]]],
    x_name: str,
    y_name: str,
    colours: Colours,
    *,
    y_title: str,
    x_labels: dict[float, str] | None = None,
    tone: str | None = None,
    compact: bool = False,
) -> Chart | None:
    """Lines over a shared x; the plot is a stretched SVG, every label is HTML at the page's size."""
    points = [p for pts in groups.values() for p in pts]
    if not points:
        return None
    xs = [p[0] for p in points]
    log_x = min(xs) > 0 and max(xs) / min(xs) >= 100
    fx = math.log10 if log_x else (lambda v: v)
    x_low, x_high = fx(min(xs)), fx(max(xs))
    y_top, y_ticks = _scale(y_name, [p[1] for p in points])

    def px(v: float) -> float:
        return (fx(v) - x_low) / ((x_high - x_low) or 1) * 100

    def py(v: float) -> float:
        return 100 - v / y_top * 100

    if tone:
        colours = _Fixed(TONES.get(tone, tone))
    paths, described = [], []
    for key, pts in groups.items():
        colour = colours(key)
        d = " ".join(f"{'M' if i == 0 else 'L'}{px(x):.2f},{py(y):.2f}" for i, (x, y) in enumerate(pts))
        if len(pts) == 1:
            d += f" L{px(pts[0][0]) + 0.01:.2f},{py(pts[0][1]):.2f}"
        paths.append(
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="3" '
            f'vector-effect="non-scaling-stroke" stroke-linecap="round" stroke-linejoin="round"/>'
        )
        described.append(
            f"{key}: "
            + ", ".join(
                f"{(x_labels or {}).get(x) or format_value(x, x_name)} {format_value(y, y_name)}"
                for x, y in pts
            )
        )
    dots = []
    for key, pts in groups.items():
        for x, y in pts:
            dots.append(
                f'<span class="dot" style="left:{px(x):.3f}%;top:{py(y):.3f}%;'
                f'background:{colours(key)}" title="{escape(key)}: {escape(format_value(y, y_name))}">'
                f"</span>"
            )
    y_labels = "".join(
        f'<span class="ytick" style="top:{py(t):.3f}%">{escape(tick_text(t, y_name))}</span>' for t in y_ticks
    )
    grid = "".join(
        f'<path d="M0,{py(t):.2f} L100,{py(t):.2f}" class="grid" vector-effect="non-scaling-stroke"/>'
        for t in y_ticks
    )
    if log_x:
        x_ticks = [10**e for e in range(math.floor(x_low), math.ceil(x_high) + 1) if x_low <= e <= x_high]
    elif x_labels:
        x_ticks = sorted(x_labels)
    else:
        x_ticks = _nice_ticks(min(xs), max(xs))
        x_ticks = [t for t in x_ticks if min(xs) <= t <= max(xs)]
    x_spans = "".join(
        f'<span class="tick {"first" if i == 0 else ("last" if i == len(x_ticks) - 1 else "mid")}" '
        f'style="left:{px(t):.3f}%">{escape((x_labels or {}).get(t) or format_value(t, x_name))}</span>'
        for i, t in enumerate(x_ticks)
    )
    legend = ""
    if len(groups) > 1:
        legend = (
            '<ul class="legend" aria-label="Legend">'
            + "".join(
                f'<li><span class="swatch" style="background:{colours(k)}"></span>{escape(k)}</li>'
                for k in groups
            )
            + "</ul>"
        )
    x_title = column_label(x_name) + (" (log scale)" if log_x else "")
    html = Markup(
        f'<div class="linechart{" compact" if compact else ""}"><div class="y-title">{escape(y_title)}</div>'
        f'<div class="plot-wrap"><div class="yticks" aria-hidden="true">{y_labels}</div>'
        f'<div class="plot"><svg viewBox="0 0 100 100" preserveAspectRatio="none" aria-hidden="true" '
        f'focusable="false">{grid}{"".join(paths)}</svg>{"".join(dots)}</div></div>'
        f'<div class="axis x" aria-hidden="true"><div class="ticks">{x_spans}</div>'
        f'<div class="axis-title">{escape(x_title)}</div></div>{legend}</div>'
    )

    def at(x: float) -> str:
        return (x_labels or {}).get(x) or f"{format_value(x, x_name)} {column_label(x_name).lower()}"

    caption = "; ".join(
        f"{k}: from {format_value(pts[0][1], y_name)} at {at(pts[0][0])} to "
        f"{format_value(pts[-1][1], y_name)} at {at(pts[-1][0])}"
        for k, pts in list(groups.items())[:4]
    )
    return Chart(
        html, f"{caption}.", f"Line chart of {y_title} against {x_title}. " + "; ".join(described) + "."
    )


class _Fixed(Colours):
    """One colour for every series (a single measure whose meaning sets its colour)."""

    def __init__(self, colour: str):
        super().__init__()
        self.colour = colour

    def __call__(self, label: object) -> str:
        return self.colour


@chart_kind("heatmap")
def heatmap(table: ChartTable, spec: ChartSpec, context: ChartContext) -> Chart | None:
    x_col = _column_index(table, spec.column("x", "label"), want_numeric=False)
    y_col = _column_index(table, spec.column("y", "series"), want_numeric=False)
    v_col = _column_index(table, spec.column("value"), want_numeric=True)
    if x_col is None or y_col is None or v_col is None:
        return None
    xs = list(OrderedDict.fromkeys(str(r[x_col]) for r in table.rows))[:MAX_BARS]
    ys = list(OrderedDict.fromkeys(str(r[y_col]) for r in table.rows))[:MAX_BARS]
    values = {(str(r[x_col]), str(r[y_col])): r[v_col] for r in table.rows}
    v_name = table.columns[v_col]
    top, _ = _scale(v_name, [_number(v) for v in values.values()])
    head = "".join(f'<th scope="col">{escape(x)}</th>' for x in xs)
    body, described = [], []
    for y in ys:
        cells = []
        for x in xs:
            value = values.get((x, y))
            if value is None:
                cells.append('<td class="n">—</td>')
                continue
            if x == y:  # a dataset with itself says nothing about overlap
                cells.append('<td class="n diag">itself</td>')
                continue
            fill = _sequential(_number(value) / top)
            shown = format_value(value, v_name)
            cells.append(
                f'<td class="n" style="background:{fill};color:{text_on(fill)}">{escape(shown)}</td>'
            )
            if x != y:
                described.append(f"{y} and {x}: {shown}")
        body.append(f'<tr><th scope="row">{escape(y)}</th>{"".join(cells)}</tr>')
    pairs = [
        (x, y, _number(values.get((x, y))))
        for x in xs
        for y in ys
        if x < y and values.get((x, y)) is not None
    ]
    caption = "Read across: the share of the smaller dataset's photos that the other dataset also holds."
    if pairs:
        x, y, v = max(pairs, key=lambda p: p[2])
        caption = f"Largest overlap: {x} and {y} share {format_value(v, v_name)} of the smaller one's photos."
    html = Markup(
        f'<div class="scroll heat" tabindex="0" role="region" aria-label="Overlap grid">'
        f'<table class="heatmap"><caption>Rows and columns: datasets; cells: '
        f"{escape(column_label(v_name).lower())}</caption><thead><tr><td></td>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    return Chart(html, caption, "Grid, darker is more. " + "; ".join(described[:60]) + ".")


def _sequential(fraction: float) -> str:
    """A light-to-dark blue for 0..1 (overlap is not a license meaning, so no warm colours)."""
    fraction = min(max(fraction, 0.0), 1.0)
    low, high = (0xEE, 0xF3, 0xFA), (0x08, 0x30, 0x6B)
    rgb = [round(a + (b - a) * fraction) for a, b in zip(low, high, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def chart_for(table: ChartTable, colours: Colours | ChartContext) -> Chart | None:
    """The chart for a table's `-- chart:` header, or None when the table cannot be drawn that way."""
    context = colours if isinstance(colours, ChartContext) else ChartContext(colours)
    spec = table.query.chart
    if spec is None or table.status != "ok" or not table.rows:
        return None
    draw = CHART_KINDS.get(spec.kind)
    return draw(table, spec, context) if draw else None


def parse_chart(text: str, where: str) -> ChartSpec | None:
    """Read a `-- chart:` header value; an unknown kind or a word that is not key=value is the author's error."""
    words = text.split()
    if not words:
        return None
    kind = words[0].lower()
    if kind not in CHART_KINDS:
        raise CcauditError(f"{where}: chart kind {kind!r} is not one of {', '.join(CHART_KINDS)}")
    options = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep:
            raise CcauditError(f"{where}: chart option {word!r} is not key=value")
        options[key.strip().lower()] = value.strip()
    return ChartSpec(kind, options)
