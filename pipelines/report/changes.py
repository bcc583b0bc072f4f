"""What changed since the previous report in the same folder (from its summary.json `metrics`)."""

from __future__ import annotations

from .formatting import format_count_delta, format_points

MIN_POINTS = 0.0001  # 0.01 percentage points: smaller moves are rounding, not news


def _delta(old, new):
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return new - old
    return None


def compare(previous: dict, metrics: dict) -> dict:
    before = previous.get("metrics") or {}
    old_sources, new_sources = before.get("sources") or {}, metrics.get("sources") or {}
    added = sorted(set(new_sources) - set(old_sources))
    removed = sorted(set(old_sources) - set(new_sources))
    changed = []
    for source in sorted(set(old_sources) & set(new_sources)):
        old, new = old_sources[source], new_sources[source]
        deltas = {k: _delta(old.get(k), new.get(k)) for k in ("items", "photos", "unauditable_items")}
        if any(deltas.values()):
            changed.append(
                {
                    "source": source,
                    **{f"{k}_before": old.get(k) for k in deltas},
                    **{f"{k}_now": new.get(k) for k in deltas},
                    **{f"{k}_delta": v for k, v in deltas.items()},
                }
            )

    moves = []
    old_mix, new_mix = before.get("license_shares") or {}, metrics.get("license_shares") or {}
    for source in sorted(set(old_mix) & set(new_mix)):
        for license in sorted(set(old_mix[source]) | set(new_mix[source])):
            old_share, new_share = old_mix[source].get(license, 0.0), new_mix[source].get(license, 0.0)
            if abs(new_share - old_share) >= MIN_POINTS:
                moves.append(
                    {
                        "source": source,
                        "license": license,
                        "share_before": old_share,
                        "share_now": new_share,
                        "points": new_share - old_share,
                    }
                )
    moves.sort(key=lambda m: -abs(m["points"]))

    headline = {
        k: {
            "before": (before.get("headline") or {}).get(k),
            "now": v,
            "delta": _delta((before.get("headline") or {}).get(k), v),
        }
        for k, v in (metrics.get("headline") or {}).items()
    }
    old_inputs, new_inputs = before.get("inputs") or {}, metrics.get("inputs") or {}
    inputs_changed = sorted(
        name for name, fingerprint in new_inputs.items() if old_inputs.get(name) != fingerprint
    )
    flickr = _pair(before.get("flickr"), metrics.get("flickr"))
    optouts = _pair(before.get("optouts"), metrics.get("optouts"))
    result = {
        "previous_generated_at": previous.get("generated_at"),
        "previous_publish_mode": previous.get("publish_mode"),
        "headline": headline,
        "inputs_changed": inputs_changed,
        "sources_added": added,
        "sources_removed": removed,
        "sources_changed": changed,
        "license_share_moves": moves,
        "flickr": flickr,
        "optouts": optouts,
    }
    result["text"] = describe(result, metrics)
    return result


def _pair(old: dict | None, new: dict | None) -> dict | None:
    if not old and not new:
        return None
    keys = sorted(set(old or {}) | set(new or {}))
    return {
        k: {
            "before": (old or {}).get(k),
            "now": (new or {}).get(k),
            "delta": _delta((old or {}).get(k), (new or {}).get(k)),
        }
        for k in keys
    }


def describe(result: dict, metrics: dict) -> str:
    """One line for the CLI and the top of the change section."""
    parts = []
    photos = result["headline"].get("photos", {})
    if photos.get("delta"):
        parts.append(f"photos {format_count_delta(photos['delta'])}")
    if result["sources_added"]:
        parts.append(f"{len(result['sources_added'])} source(s) added")
    if result["sources_removed"]:
        parts.append(f"{len(result['sources_removed'])} removed")
    if result["sources_changed"]:
        parts.append(f"{len(result['sources_changed'])} changed")
    if result["inputs_changed"]:
        parts.append(f"{len(result['inputs_changed'])} input file(s) new or changed")
    if result["license_share_moves"]:
        top = result["license_share_moves"][0]
        parts.append(f"largest license move {top['source']} {top['license']} {format_points(top['points'])}")
    gone = (metrics.get("flickr") or {}).get("gone_since_previous")
    if gone:
        parts.append(f"{gone:,} photo(s) gone from Flickr")
    still = (result.get("optouts") or {}).get("still_distributed") or {}
    if still.get("delta"):
        parts.append(
            f"opt-out requests still distributed {format_count_delta(still['delta'])} "
            f"(now {still.get('now')})"
        )
    return "; ".join(parts) if parts else "no changes"
