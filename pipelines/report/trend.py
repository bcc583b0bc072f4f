"""Editions over time: every report folder keeps its summary.json; a new report reads all earlier
ones in the same output folder and draws the trend of a few measures across them."""

from __future__ import annotations

from pathlib import Path

from .findings import POOL, table
from .queries import TableResult

TREND_MEASURES = {  # key -> (what it measures, unit, colour by meaning)
    "derived_forbid_commercial_share": (
        "Share of the derived datasets' traceable photos that forbid commercial use",
        "share",
        "warm",
    ),
    "derived_items": ("Items in the derived datasets (latest versions)", "count", "neutral"),
    "optouts_honoured": ("Opt-out requests honoured", "count", "cool"),
    "optouts_still_distributed": ("Opt-out requests still distributed", "count", "warm"),
}


def edition_metrics(tables: list[TableResult], metrics: dict) -> dict:
    """The few numbers each edition keeps for the trend (counts and shares only, never names)."""
    headline = metrics.get("headline") or {}
    profile = table(tables, "datasets_profile")
    optouts = metrics.get("optouts") or {}
    return {
        "derived_forbid_commercial_share": headline.get("derived_forbid_commercial_share"),
        "derived_items": sum(profile.column("items")) if profile else 0,
        "derived_datasets": len(profile.rows) if profile else 0,
        "optouts_requests": optouts.get("requests"),
        "optouts_honoured": optouts.get("honoured"),
        "optouts_still_distributed": optouts.get("still_distributed"),
    }


def _from_older(metrics: dict) -> dict:
    """What an edition written before `edition` existed can still tell."""
    sources = metrics.get("sources") or {}
    optouts = metrics.get("optouts") or {}
    return {
        "derived_forbid_commercial_share": (metrics.get("headline") or {}).get(
            "derived_forbid_commercial_share"
        ),
        "derived_items": sum((v.get("items") or 0) for k, v in sources.items() if k != POOL) or None,
        "derived_datasets": len({k.rsplit(" ", 1)[0] for k in sources if k != POOL}) or None,
        "optouts_requests": optouts.get("requests"),
        "optouts_honoured": optouts.get("honoured"),
        "optouts_still_distributed": optouts.get("still_distributed"),
    }


def editions(earlier: list[tuple[Path, dict]], current: dict) -> list[dict]:
    """Every earlier edition (`earlier_summaries` of the output folder), oldest first, then this one."""
    found = []
    for folder, data in earlier:
        metrics = data.get("metrics") or {}
        values = metrics.get("edition") or _from_older(metrics)
        found.append({"generated_at": str(data.get("generated_at", "")), "folder": folder.name, **values})
    found.sort(key=lambda e: (e["generated_at"], e["folder"]))
    found.append(
        {"generated_at": current["generated_at"], "folder": "this edition", **current["metrics"]["edition"]}
    )
    return found
