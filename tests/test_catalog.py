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


def test_removal_routes_are_sourced_and_worded_for_a_request():
    from pipelines.lookup.removal import mailto_address, recipient, route_line

    for entry in load_catalog().values():
        assert entry.removal_kind in (None, "email", "form")
        if entry.removal_kind or entry.removal_contact or entry.removal_asks:
            assert entry.removal_kind and entry.removal_source, (
                f"{entry.key}: a route needs its kind and source"
            )
        line = route_line(entry.as_dict())
        assert line.endswith(".") and (entry.publisher or "the dataset's publisher") in line
    dif = entry_for("dif").as_dict()
    assert "e-mail to IBM Research" in route_line(dif) and "Source: NBC News" in route_line(dif)
    assert recipient(dif) == "(no published address)" and mailto_address(dif) is None  # none in the sources
    published = dict(dif, removal_contact="removals@example.org")
    assert recipient(published) == mailto_address(published) == "removals@example.org"
    assert route_line(entry_for("pipa").as_dict()).startswith("No removal route is published")
