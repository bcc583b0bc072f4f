"""datapackage.json: a Frictionless Data Package descriptor for every CSV of the report.

Decided once for every file: shares are fractions from 0 to 1 in CSV and JSON (0.318, shown as 31.8%
in HTML and Markdown) in columns named `share`, `*_share` or `share_*`; columns named `pct_*`/`*_pct`
hold percentages (31.8). Each field says its type, unit and meaning.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from ..db import ccaudit_schema
from .formatting import column_label, is_percent_column, is_share_column
from .queries import TableResult

PROFILE = "tabular-data-package"
SHARE_NOTE = "fraction from 0 to 1 (0.318 = 31.8%)"

# Report columns that are database columns: their meaning is the database's COMMENT (sql/schema),
# read from ccaudit's own schema, so it is written once, beside its SQL.
DATABASE_COLUMNS = {
    "dataset": "datasets.dataset",
    "version": "datasets.version",
    "format": "datasets.format",
    "auditable": "datasets.auditable",
    "collected_on": "datasets.collected_on",
    "collected_on_source": "datasets.collected_on_source",
    "manifest_items_with_coordinates": "datasets.items_with_coordinates",
    "manifest_items_with_place_name": "datasets.items_with_place_name",
    "owner": "dataset_photos.owner",
    "in_yfcc": "dataset_photos.in_yfcc",
    "owner_nsid": "yfcc_photos.owner_nsid",
    "owner_nickname": "yfcc_photos.owner_nickname",
    "photo_id": "yfcc_photos.photo_id",
    "license_code": "licenses.code",
    "seed": "flickr_sample_photos.seed",
    "population": "flickr_recheck_scopes.population",
    "checked": "flickr_recheck_scopes.checked",
    "sample_seed": "flickr_recheck_scopes.sample_seed",
    "basis": "flickr_recheck_scopes.basis",
    "kind": "optouts.kind",
    "requested_at": "optouts.requested_at",
    "changes_since_collection": "dataset_license_timeline.changes_since_collection",
}
# Meanings of the figures the report computes (no database column holds them); other columns get
# the database's COMMENT of a column of the same name when there is exactly one, else their label.
MEANINGS = {
    "source": "The pool (YFCC100M) or a derived dataset and version.",
    "items": "Items (rows) counted: manifest entries for a dataset (several faces of one photo are several items), photos and videos for YFCC100M.",
    "photos": "Distinct Flickr photo ids.",
    "license": "License name (Flickr license table; renamed licenses folded to one id).",
    "forbid_commercial_share": "Share of photos whose license forbids commercial use (every NonCommercial license and All Rights Reserved), over the photos whose license says whether commercial use is allowed.",
    "photos_forbid_commercial": "Photos whose license forbids commercial use.",
    "photos_commercial_use_known": "Photos whose license says whether commercial use is allowed (the denominator of the forbids-commercial-use share).",
    "yfcc_forbid_commercial_share": "Share of photos whose YFCC100M license forbids commercial use, over those whose YFCC100M license says.",
    "declared_forbid_commercial_share": "Share of photos whose manifest-declared license forbids commercial use, over those whose declared license says.",
    "photos_noderivs": "Photos under a Creative Commons NoDerivs (ND) license.",
    "photographer_credit": "Whether the manifest ships a photographer credit: every item, some items, or none.",
    "photos_declared_more_rights": "Photos whose manifest declares a license allowing commercial use where YFCC100M records one that forbids it.",
    "photos_sharealike_dropped": "Photos YFCC100M records as ShareAlike whose manifest declares a license without ShareAlike.",
    "share_of_smaller": "Photos in common as a share of the smaller dataset's photos.",
    # re-check figures with uncertainty (enrichment_sample_estimates)
    "figure": "What is counted among the checked photos.",
    "share_low": "Lower end of the 95% Wilson score interval (continuity-corrected) for the share of the whole dataset; equals the share for a census; empty when the checked photos are not a random sample.",
    "share_high": "Upper end of the 95% Wilson score interval (continuity-corrected) for the share of the whole dataset; equals the share for a census; empty when the checked photos are not a random sample.",
    # n and intervals on the other re-check tables (enrichment_unavailable, enrichment_drift_summary, enrichment_license_drift)
    "photos_available": "Re-checked photos of the snapshot still available on Flickr: the n of the drift shares.",
    "pct_unavailable_low": "Lower end of the 95% Wilson interval (continuity-corrected) for pct_unavailable of the whole dataset, rounded down to 0.01 points; equals pct_unavailable for a census; empty when the checked photos are not a random sample.",
    "pct_unavailable_high": "Upper end of the 95% Wilson interval (continuity-corrected) for pct_unavailable of the whole dataset, rounded up to 0.01 points; equals pct_unavailable for a census; empty when the checked photos are not a random sample.",
    "pct_changed_low": "Lower end of the 95% Wilson interval (continuity-corrected) for pct_changed, rounded down to 0.01 points; equals pct_changed for a census; empty when the checked photos are not a random sample.",
    "pct_changed_high": "Upper end of the 95% Wilson interval (continuity-corrected) for pct_changed, rounded up to 0.01 points; equals pct_changed for a census; empty when the checked photos are not a random sample.",
    # license at collection time (enrichment_license_at_collection)
    "license_yfcc": "License in the YFCC100M snapshot (2014).",
    "license_at_collection": "License the photo carried on the collection date, read from its Flickr license history.",
    "license_now": "License the photo carries on Flickr now (latest answered re-check).",
    "direction": "Change from collection time to now: unchanged, more restrictive (commercial use or derivatives withdrawn, or now All Rights Reserved), more open, or changed.",
    # privacy exposure (datasets_privacy_exposure)
    "face_dataset": "TRUE when the dataset catalogue says the dataset distributes faces; NULL when the dataset is not in the catalogue.",
    "photos_geotagged": "Distinct photos YFCC100M gives coordinates for.",
    "street_level": "Geotagged photos with Flickr accuracy 14-16 (nearest named level: street, 16).",
    "city_level": "Geotagged photos with Flickr accuracy 9-13 (nearest named level: city, 11).",
    "region_or_coarser": "Geotagged photos with Flickr accuracy 1-8 (region ~6, country ~3, world 1).",
    "accuracy_unknown": "Geotagged photos whose accuracy is missing or outside 1-16.",
    "geotagged_share": "Share of the dataset's photos in YFCC100M that YFCC100M geotags.",
    "manifest_items": "Items of the dataset's manifest (latest version); several faces of one photo are several items.",
    "changed_before_collection": "TRUE when the license had already changed between the YFCC100M snapshot and the collection date.",
}


@cache
def database_comments() -> tuple[dict[str, str], dict[str, str]]:
    """(table.column -> COMMENT, column -> COMMENT where every table and view that has the column
    says the same or only one has it), from ccaudit's own schema."""
    con = ccaudit_schema()
    try:
        rows = con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE NOT internal AND comment IS NOT NULL"
        ).fetchall()
    finally:
        con.close()
    by_name: dict[str, set[str]] = {}
    for _, column, text in rows:
        by_name.setdefault(column, set()).add(text)
    return (
        {f"{t}.{c}": text for t, c, text in rows},
        {c: next(iter(texts)) for c, texts in by_name.items() if len(texts) == 1},
    )


def meaning_of(name: str) -> str:
    qualified, unique = database_comments()
    key = name.lower()
    if key in DATABASE_COLUMNS and DATABASE_COLUMNS[key] in qualified:
        return qualified[DATABASE_COLUMNS[key]]
    return MEANINGS.get(key) or unique.get(key) or column_label(name) + "."


def field_type(values: list) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "string"
    if all(isinstance(v, bool) for v in present):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "integer"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "number"
    if all(isinstance(v, datetime) for v in present):
        return "datetime"
    if all(isinstance(v, date) and not isinstance(v, datetime) for v in present):
        return "date"
    return "string"


def field_for(table: TableResult, index: int) -> dict:
    name = table.columns[index]
    kind = field_type([row[index] for row in table.rows])
    field: dict[str, Any] = {"name": name, "title": column_label(name), "type": kind}
    meaning = meaning_of(name)
    if name.lower() in table.query.sensitive:
        meaning += " In a pseudonymous report: a keyed hash (the same value always gives the same token)."
    if is_share_column(name) and kind in ("number", "integer"):
        field["unit"] = "fraction"
        meaning += f" Unit: {SHARE_NOTE}."
        field["constraints"] = {"minimum": 0, "maximum": 1}
    elif is_percent_column(name) and kind in ("number", "integer"):
        field["unit"] = "percent"
        meaning += " Unit: percent from 0 to 100."
    elif kind == "integer":
        field["unit"] = "count"
    elif kind == "datetime":
        field["format"] = "any"
        meaning += " UTC."
    if kind == "string" and any(isinstance(row[index], (list, tuple)) for row in table.rows):
        meaning += " A JSON array."
    field["description"] = meaning
    return field


def datapackage(context: dict) -> dict:
    provenance = context["provenance"]
    resources = []
    for table in context["tables"]:
        if table.status != "ok":
            continue
        resources.append(
            {
                "name": table.name.replace("_", "-"),
                "path": f"tables/{table.name}.csv",
                "title": table.query.title,
                "description": table.query.description,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "sources": [{"title": "SQL query", "path": f"sql/reports/{table.name}.sql"}],
                "schema": {"fields": [field_for(table, i) for i in range(len(table.columns))]},
            }
        )
    return {
        "profile": PROFILE,
        "name": "ccaudit-report-" + provenance["generated_at"][:10],
        "title": "Creative Commons dataset audit (ccaudit)",
        "description": (
            "Tables behind the ccaudit report. Shares are fractions from 0 to 1; `pct` columns are "
            "percentages. YFCC100M is the pool the derived datasets were drawn from. "
            "This data describes licenses; it is not legal advice."
        ),
        "created": provenance["generated_at"].replace(" ", "T") + "Z",
        "resources": resources,
    }
