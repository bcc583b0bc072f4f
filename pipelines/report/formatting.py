"""How report values read: one formatter for HTML, Markdown and chart labels alike.

Convention for report queries: a column named `share`, `*_share` or `share_*` holds a fraction
(0.318) and is shown as a percentage (31.8%); `pct`, `*_pct`, `pct_*` already holds a percentage
(31.8); counts get thousands separators; booleans read yes/no.
"""

from __future__ import annotations

import math
from datetime import date, datetime


def is_share_column(column: str) -> bool:
    name = column.lower()
    return name == "share" or name.endswith("_share") or name.startswith("share_")


def is_percent_column(column: str) -> bool:
    """`pct`, `*_pct`, `pct_*`: already a percentage (12.5 means 12.5%)."""
    name = column.lower()
    return name == "pct" or name.endswith("_pct") or name.startswith("pct_")


def format_share(value: float) -> str:
    percent = value * 100
    if percent == 0:
        return "0%"
    if abs(percent) < 0.1:
        return "<0.1%" if percent > 0 else "-<0.1%"
    if abs(percent) < 1:
        return f"{percent:.2f}%"
    return f"{percent:.1f}%"


def format_value(value, column: str = "") -> str:
    """A cell as a person reads it; '—' for missing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and math.isnan(value):
        return "—"
    if isinstance(value, (int, float)) and is_share_column(column):
        return format_share(float(value))
    if isinstance(value, (int, float)) and is_percent_column(column):
        return format_share(float(value) / 100)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value)
    return str(value)


def is_numeric_column(rows: list[list], index: int) -> bool:
    values = [row[index] for row in rows if row[index] is not None]
    return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


_WORDS = {
    "yfcc": "YFCC",
    "nsid": "NSID",
    "nsids": "NSIDs",
    "1pct": "1%",
    "pct": "%",
    "id": "id",
    "url": "URL",
}


# Measures whose name must read the same everywhere: "forbids commercial use", never "commercial share".
LABELS = {
    "forbid_commercial_share": "Forbids commercial use",
    "photos_forbid_commercial": "Photos that forbid commercial use",
    "photos_commercial_use_known": "Photos whose license says (commercial use)",
    "yfcc_forbid_commercial_share": "Forbids commercial use (YFCC100M license)",
    "yfcc_forbid_commercial": "Photos that forbid commercial use (YFCC100M license)",
    "yfcc_commercial_use_known": "Photos whose YFCC100M license says",
    "declared_forbid_commercial_share": "Forbids commercial use (declared license)",
    "declared_forbid_commercial": "Photos that forbid commercial use (declared license)",
    "declared_commercial_use_known": "Photos whose declared license says",
    "derived_forbid_commercial_share": "Derived datasets: forbids commercial use",
    "both_share": "Credit and license shipped",
    "share_of_smaller": "Share of the smaller dataset",
    "photos_noderivs": "NoDerivs photos",
    "noderivs_share": "NoDerivs (of CC-licensed photos)",
    "photos_in_yfcc": "Photos in the pool (YFCC100M)",
    "photos_in_pool": "Photos in the pool (YFCC100M)",
}


def column_label(column: str) -> str:
    if column.lower() in LABELS:
        return LABELS[column.lower()]
    words = [_WORDS.get(word.lower(), word) for word in column.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def format_points(delta: float) -> str:
    """A change of a share in percentage points, signed."""
    return f"{delta * 100:+.2f} pp"


def format_count_delta(delta: float) -> str:
    return f"{delta:+,}" if isinstance(delta, int) else f"{delta:+,.2f}"
