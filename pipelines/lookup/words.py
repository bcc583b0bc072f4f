"""Plain words for what lookup and search.html say: what a license allows, a dataset's name.

One home for these phrases: `ccaudit lookup` uses them directly, and the search index carries them
to the page (search_index.license_terms_table, source_info), so the page never words them itself.
"""

from __future__ import annotations

from ..licenses import LICENSES

NO_DECLARED_LICENSE = "the dataset states no license"


def license_name(license_id: int | None) -> str | None:
    return LICENSES[license_id].name if license_id in LICENSES else None


def _flag_word(flag: bool | None, yes: str, no: str, unclear: str) -> str:
    return unclear if flag is None else yes if flag else no


def license_terms(license_id: int | None) -> str | None:
    """'forbids commercial use, allows changes, requires credit' — from the license's own flags."""
    lic = LICENSES.get(license_id) if license_id is not None else None
    if lic is None:
        return None
    words = [
        _flag_word(
            lic.commercial_use, "allows commercial use", "forbids commercial use", "commercial use unclear"
        ),
        _flag_word(lic.derivatives, "allows changes", "forbids changes", "changes unclear"),
    ]
    if lic.share_alike:
        words.append("changes must keep the same license")
    if lic.attribution:
        words.append("requires credit")
    if not lic.is_license:
        words.append("a statement, not a license" if lic.license_id else "no reuse without permission")
    return ", ".join(words)


def license_phrase(license_id: int | None) -> str:
    """'CC BY-NC 2.0 (forbids commercial use, allows changes, requires credit)', or 'unknown'."""
    name = license_name(license_id)
    if name is None:
        return "unknown"
    return f"{name} ({license_terms(license_id)})"


def dataset_label(dataset: str, version: str, catalog: dict | None) -> str:
    """A dataset version as a reader names it: the catalogue's title, else the name it was ingested as."""
    title = (catalog or {}).get("title")
    return f"{title}, version {version}" if title else f"{dataset} {version}"
