"""Where an opt-out stands, dataset version by dataset version: the rule lookup and the page share.

For one request (made at `requested_at`) and the items of the person (or photo) each dataset
version holds:
  * a version ingested after the request that holds items still distributes them ("still
    distributed by …, N items");
  * a version ingested after the request that holds none honours it only if an earlier version of
    the same dataset (ingested before the request) held some: a dataset that never held the
    person's photos has nothing to honour and is not named;
  * a version ingested before the request that holds items could not have honoured it yet.
The report applies the same rule (sql/reports/optouts_status.sql, optouts_by_dataset.sql).
search.html's JavaScript implements it again over the index (standingOf); a browser test compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STILL, HONOURS, BEFORE = "still distributed", "honours", "before the request"


@dataclass(frozen=True)
class Standing:
    dataset: str
    version: str
    label: str
    items: int
    state: str


def standing(
    requested_at: datetime, held: dict[tuple[str, str], int], versions: list[tuple[str, str, datetime, str]]
) -> list[Standing]:
    """`versions`: (dataset, version, ingested_at, label) of every dataset version, in display order."""
    held_before = {d for d, v, at, _ in versions if held.get((d, v)) and at <= requested_at}
    out = []
    for dataset, version, ingested_at, label in versions:
        items = held.get((dataset, version), 0)
        if items:
            out.append(
                Standing(dataset, version, label, items, STILL if ingested_at > requested_at else BEFORE)
            )
        elif ingested_at > requested_at and dataset in held_before:
            out.append(Standing(dataset, version, label, 0, HONOURS))
    return out


def standing_lines(entries: list[Standing]) -> list[str]:
    """'still distributed by X, version 2: 12 items', 'X, version 3 honours it', … one line each."""
    lines = []
    for s in entries:
        if s.state == STILL:
            lines.append(f"still distributed by {s.label}: {s.items:,} item(s)")
        elif s.state == HONOURS:
            lines.append(f"{s.label} honours it (an earlier version held the photos; this one does not)")
        else:
            lines.append(f"{s.label} holds {s.items:,} item(s) but was ingested before the request")
    return lines
