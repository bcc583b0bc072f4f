"""The dataset catalogue: a data file every entry of which parses, with names that link."""

from __future__ import annotations

from pipelines.catalog import NO_REMOVAL_ROUTE, entry_for, load_catalog


def test_every_entry_has_key_title_and_unique_names():
    catalog = load_catalog()
    assert {"ffhq", "megaface", "dif", "clip-yfcc15m", "fairface"} <= set(catalog)
    seen: set[str] = set()
    for entry in catalog.values():
        assert entry.title and entry.key
        for name in (entry.key, *entry.aliases):
            folded = name.casefold().replace("_", "-")
            assert folded not in seen, f"{name} names two catalogue entries"
            seen.add(folded)


def test_names_link_case_and_separator_insensitively():
    assert entry_for("FFHQ").key == "ffhq"
    assert entry_for("clip_yfcc15m").key == "clip-yfcc15m"
    assert entry_for("MegaFace MF2").key == "megaface"
    assert entry_for("no-such-dataset") is None
    assert entry_for("") is None


def test_removal_route_is_stated_or_said_to_be_missing():
    assert "no_cv" in entry_for("ffhq").removal
    assert entry_for("pipa").removal == NO_REMOVAL_ROUTE
    assert entry_for("ffhq").as_dict()["dataset_allows_commercial"] is False
