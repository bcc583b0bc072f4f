"""The catalogue of derived datasets ccaudit knows (datasets.toml beside this file).

One entry per dataset: publisher, year, home page, the dataset's own terms and the removal route a
photographer can use. `entry_for(name)` links a dataset name as given to `ingest manifest --dataset`
to its entry; unknown names get None, and callers show "no published removal route".
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

CATALOG_FILE = Path(__file__).with_name("datasets.toml")
NO_REMOVAL_ROUTE = "no published removal route"


@dataclass(frozen=True)
class CatalogEntry:
    key: str
    title: str
    aliases: tuple[str, ...] = ()
    publisher: str | None = None
    year: int | None = None
    collected_on: date | None = None
    home_page: str | None = None
    dataset_license: str | None = None
    dataset_allows_commercial: bool | None = None
    content: str | None = None
    removal_route: str | None = None
    removal_kind: str | None = None  # 'email' or 'form': how the published route is used
    removal_contact: str | None = None  # the e-mail address or form URL, only where a source publishes it
    removal_asks: str | None = None  # what the route asks the photographer to send
    removal_source: str | None = None  # where the route is published
    sources: tuple[str, ...] = field(default=())

    @property
    def removal(self) -> str:
        return self.removal_route or NO_REMOVAL_ROUTE

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "publisher": self.publisher,
            "year": self.year,
            "collected_on": self.collected_on.isoformat() if self.collected_on else None,
            "home_page": self.home_page,
            "dataset_license": self.dataset_license,
            "dataset_allows_commercial": self.dataset_allows_commercial,
            "content": self.content,
            "removal_route": self.removal,
            "removal_kind": self.removal_kind,
            "removal_contact": self.removal_contact,
            "removal_asks": self.removal_asks,
            "removal_source": self.removal_source,
            "sources": list(self.sources),
        }


def _fold(name: str) -> str:
    """Names match case-insensitively with '-', '_', ' ' and '.' alike ('MegaFace_MF2' = 'megaface-mf2')."""
    return re.sub(r"[-_\s.]+", "-", name.strip().casefold())


def _entry(raw: dict) -> CatalogEntry:
    collected = raw.get("collected_on")
    return CatalogEntry(
        key=raw["key"],
        title=raw["title"],
        aliases=tuple(raw.get("aliases", ())),
        publisher=raw.get("publisher"),
        year=raw.get("year"),
        collected_on=collected
        if isinstance(collected, date) or collected is None
        else date.fromisoformat(collected),
        home_page=raw.get("home_page"),
        dataset_license=raw.get("dataset_license"),
        dataset_allows_commercial=raw.get("dataset_allows_commercial"),
        content=raw.get("content"),
        removal_route=raw.get("removal_route"),
        removal_kind=raw.get("removal_kind"),
        removal_contact=raw.get("removal_contact"),
        removal_asks=raw.get("removal_asks"),
        removal_source=raw.get("removal_source"),
        sources=tuple(raw.get("sources", ())),
    )


@lru_cache(maxsize=1)
def load_catalog() -> dict[str, CatalogEntry]:
    """Every entry by key, read once from datasets.toml."""
    with CATALOG_FILE.open("rb") as handle:
        entries = [_entry(raw) for raw in tomllib.load(handle)["dataset"]]
    return {entry.key: entry for entry in entries}


@lru_cache(maxsize=1)
def _names() -> dict[str, CatalogEntry]:
    names: dict[str, CatalogEntry] = {}
    for entry in load_catalog().values():
        for name in (entry.key, *entry.aliases):
            names[_fold(name)] = entry
    return names


def entry_for(name: str | None) -> CatalogEntry | None:
    """The catalogue entry a dataset name (or catalogue key or alias) refers to, or None."""
    if not name:
        return None
    return _names().get(_fold(name))


def catalog_key_for(dataset: str, catalog_entry: str | None = None) -> str | None:
    """The catalogue key to store for a dataset: the given entry (which must exist), else a name match."""
    if catalog_entry is not None:
        entry = entry_for(catalog_entry)
        if entry is None:
            from ..errors import InputError

            raise InputError(
                f"unknown catalog entry {catalog_entry!r}; known: {', '.join(sorted(load_catalog()))}"
            )
        return entry.key
    entry = entry_for(dataset)
    return entry.key if entry else None
