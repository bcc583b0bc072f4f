"""The index behind search.html: "am I in it?" without publishing the list of people.

The page runs in the reader's browser, which cannot compute an HMAC with a secret key. So every
entry is keyed by SHA-256(salt || key) truncated to DIGEST_CHARS hex digits, with a random salt
published in the page: the browser hashes what the reader typed and looks the digest up. Nobody can
read the index as a list of names, but anyone can test an identifier they already know (photo ids
are a guessable number space; NSIDs can be enumerated) — the page says so.

Keys (the JavaScript in templates/search.html.j2 builds the same strings):
    "u:" + NSID in upper case (12345678@N00)  or  "u:" + path alias in lower case (an account that only
          a manifest names)                                      -> the account's counts per source
    "n:" + a name in lower case, NFC, single spaces (YFCC100M nickname, Flickr username, nickname or
          path alias)                                            -> the digests of every account with it
    "p:" + photo id in decimal without leading zeros           -> the photo's profile (see below)

The answers are the ones `ccaudit lookup` gives (pipelines/lookup/answer.py), computed by the same rules:
an account's items are those whose photo is the account's in YFCC100M or whose manifest names the
account (NSID, or a path alias Flickr resolved to it); photos and items are counted apart; YFCC100M,
the pool the datasets were drawn from, is source 0 and labelled as the pool; each derived dataset
carries its catalogue entry (removal route). A photo's answer is a *profile* shared by many photos:
its pool license, the items and declared licenses per dataset, the latest Flickr check and whether
an opt-out covers it; each profile stores the sorted digests of its photos.

Small reports embed everything in the page (`records`). Large ones are sharded: `shards` maps a
digest prefix of `shard_chars` hex digits to one JSON file `search-index/<prefix>.json`, fetched on
demand when the report is served over HTTP, so a query loads a few KB whatever the report's size.

The queries that build the index are sql/search/*.sql, one statement each, run in the order below.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from ..catalog import NO_REMOVAL_ROUTE, entry_for
from ..flickr.urls import NSID_RE
from ..licenses import LICENSES
from ..lookup.removal import REQUEST_TEMPLATE, mailto_address, recipient, route_line
from ..lookup.words import NO_DECLARED_LICENSE, dataset_label, license_terms
from ..resources import read_sql
from .search_cipher import CIPHER, derive_key, seal

INDEX_FORMAT = "ccaudit-search/3"
DIGEST_CHARS = 12  # 48 bits: a random query hits one of 15M entries with p < 1e-7
PHOTO_LIMIT = 2_000_000  # photos only in YFCC100M are indexed up to this many; dataset photos always are
SINGLE_FILE_LIMIT = 600_000  # entries (photos, accounts, names) beyond which the index is sharded into files
SHARD_TARGET = 400  # photo entries per shard file the prefix length aims at (a few KB per file)
MAX_SHARD_CHARS = 4  # at most 65,536 files
SHARD_DIR = "search-index"
PART_PHOTOS = 400  # photos of an account per sealed part (about 4 KB); more are fetched when asked for
POOL = "YFCC100M"


def normalise_name(name: str) -> str:
    """The form a name is keyed by: NFC, single spaces, lower case (the page's JavaScript does the same)."""
    return " ".join(unicodedata.normalize("NFC", name).split()).lower()


def user_key(value: str) -> str:
    value = value.strip()
    return "u:" + (value.upper() if NSID_RE.match(value) else value.lower())


def name_key(name: str) -> str:
    return "n:" + normalise_name(name)


def photo_key(photo_id: int | str) -> str:
    return f"p:{int(photo_id)}"


def digest(salt: str, key: str) -> str:
    return hashlib.sha256((salt + key).encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def epoch_us(moment) -> int | None:
    """A naive UTC timestamp as microseconds since 1970 (what DuckDB's epoch_us gives)."""
    return None if moment is None else (moment - datetime(1970, 1, 1)) // timedelta(microseconds=1)


def _sources(con) -> tuple[list[str], list[dict]]:
    """Source names (the pool first, then every dataset version) and what the page shows about each:
    its name as a reader knows it, when it was ingested (for opt-out standings) and its removal route
    with the ready-made route line and recipient of a removal request (lookup/removal.py)."""
    try:
        rows = con.execute(
            "SELECT dataset, version, ingested_at, catalog_entry FROM datasets ORDER BY dataset, version"
        ).fetchall()
    except Exception:  # noqa: BLE001 -- a database from before datasets.catalog_entry
        rows = [
            (*row, None)
            for row in con.execute(
                "SELECT dataset, version, ingested_at FROM datasets ORDER BY dataset, version"
            ).fetchall()
        ]
    names, info = [POOL], [{"name": POOL, "pool": True}]
    for dataset, version, ingested_at, key in rows:
        entry = entry_for(key) or entry_for(dataset)
        catalog = entry.as_dict() if entry else {}
        names.append(f"{dataset} {version}")
        info.append(
            {
                "name": f"{dataset} {version}",
                "pool": False,
                "dataset": dataset,
                "version": version,
                "label": dataset_label(dataset, version, catalog),
                "title": catalog.get("title"),
                "publisher": catalog.get("publisher"),
                "home_page": catalog.get("home_page"),
                "removal_route": catalog.get("removal_route") or NO_REMOVAL_ROUTE,
                "route": route_line(catalog),
                "to": recipient(catalog),
                "mailto": mailto_address(catalog),
                "ingested_us": epoch_us(ingested_at),
            }
        )
    return names, info


def _empty_shard(build: str | None = None) -> dict:
    """An index file's records: accounts ("u"), names ("n"), photo profiles ("p"), the further parts
    of long photo lists ("c"), and the build it belongs to ("b"), so a file left from another build
    reads as "could not check", never as an answer."""
    shard: dict[str, Any] = {"u": {}, "n": {}, "p": [], "c": {}}
    if build is not None:
        shard["b"] = build
    return shard


def _shard_chars(entries: int, single_file_limit: int) -> int:
    if entries <= single_file_limit:
        return 0
    chars = 1
    while chars < MAX_SHARD_CHARS and entries / 16**chars > SHARD_TARGET:
        chars += 1
    return chars


def _sealed_parts(salt: str, account: str, row: tuple) -> list[str]:
    """The account's sealed answer: part 0 holds its key, upload days, opt-out dates, photo count, the
    number of parts and its first PART_PHOTOS photos; each further part the next PART_PHOTOS."""
    first_day, last_day, optout_dates, photo_list = row[-4:]
    items = photo_list.split("h") if photo_list else []
    chunks = ["h".join(items[i : i + PART_PHOTOS]) for i in range(0, len(items), PART_PHOTOS)] or [""]
    head = "g".join(
        [
            account.encode("utf-8").hex(),
            first_day,
            last_day,
            optout_dates,
            format(len(items), "x"),
            format(len(chunks), "x"),
            chunks[0],
        ]
    )
    key = derive_key(salt, user_key(account))
    return [seal(key, part, text) for part, text in enumerate([head, *chunks[1:]])]


def build_search_index(
    con, salt: str, photo_limit: int = PHOTO_LIMIT, single_file_limit: int | None = None
) -> dict:
    """The index as a JSON-able dict. Sharded indexes carry their files under "shards" (see split)."""
    single_file_limit = SINGLE_FILE_LIMIT if single_file_limit is None else single_file_limit
    build = secrets.token_hex(6)
    names, info = _sources(con)
    con.execute(read_sql("search", "aliases.sql"))
    con.execute(read_sql("search", "item_owners.sql"), {"sources": names})
    yfcc_rows = con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0]
    dataset_photos = con.execute("SELECT count(DISTINCT photo_id) FROM dataset_items").fetchone()[0]
    all_yfcc = yfcc_rows + dataset_photos <= photo_limit
    con.execute(
        read_sql("search", "photos.sql"),
        {"salt": salt, "digest_chars": DIGEST_CHARS, "sources": names, "all_yfcc": all_yfcc},
    )
    con.execute(read_sql("search", "profiles.sql"))
    profiles = [row[0] for row in con.execute("SELECT profile FROM _search_profiles ORDER BY idx").fetchall()]
    profile_index = {p: i for i, p in enumerate(profiles)}
    accounts = con.execute(
        read_sql("search", "accounts.sql"), {"salt": salt, "digest_chars": DIGEST_CHARS}
    ).fetchall()
    account_digest = {account: d for account, d, *_ in accounts}
    name_accounts: dict[str, dict[str, str]] = {}  # name digest -> {account: its digest}
    name_keys: dict[str, str] = {}
    for account, name in con.execute(read_sql("search", "names.sql")).fetchall():
        if account in account_digest:
            key = name_key(name)
            name_digest = digest(salt, key)
            name_keys[name_digest] = key
            name_accounts.setdefault(name_digest, {})[account] = account_digest[account]
    photo_entries = con.execute("SELECT count(*) FROM _search_photos").fetchone()[0]
    chars = _shard_chars(photo_entries + len(accounts) + len(name_accounts), single_file_limit)

    shards: dict[str, dict] = {}

    def shard(key_digest: str) -> dict:
        return shards.setdefault(key_digest[:chars], _empty_shard(build if chars else None))

    for account, key_digest, *row in accounts:
        pool_photos, photos, per_source, opted_out = row[0], row[1], row[2], row[3]
        parts = _sealed_parts(salt, account, tuple(row))
        record = {
            "s": ([[0, pool_photos, pool_photos]] if pool_photos else []) + [list(s) for s in per_source],
            "p": photos,
            "o": int(opted_out),
            "x": parts[0],
        }
        shard(key_digest)["u"][key_digest[chars:]] = record
        for number, sealed in enumerate(parts[1:], 1):
            part_digest = digest(salt, f"c:{account}#{number}")
            shard(part_digest)["c"][part_digest[chars:]] = sealed
    for name_digest, members in name_accounts.items():
        # lookup's order: accounts with an NSID by NSID, then a path alias no NSID resolves
        ordered = sorted(members, key=lambda a: (not NSID_RE.match(a), a))
        name_key_bytes = derive_key(salt, name_keys[name_digest])
        shard(name_digest)["n"][name_digest[chars:]] = [
            [members[a], seal(name_key_bytes, i, derive_key(salt, user_key(a)).hex())]
            for i, a in enumerate(ordered)
        ]
    for prefix, profile, digests in con.execute(
        read_sql("search", "shards.sql"), {"chars": chars}
    ).fetchall():
        shard(prefix + "0" * (DIGEST_CHARS - chars))["p"].append([profile_index[profile], digests])
    con.execute(
        "DROP TABLE _search_photos; DROP TABLE _search_item_owners; DROP TABLE _search_aliases; "
        "DROP TABLE _search_profiles"
    )
    if chars:  # every prefix gets its file, so a missing file means "could not check", never "not in it"
        for number in range(16**chars):
            shard(format(number, f"0{chars}x") + "0" * (DIGEST_CHARS - chars))

    nsid_accounts = sum(1 for account, *_ in accounts if NSID_RE.match(account))
    index = {
        "format": INDEX_FORMAT,
        "salt": salt,
        "build": build,
        "digest_chars": DIGEST_CHARS,
        "cipher": CIPHER,
        "sources": names,
        "source_info": info,
        "licenses": {str(i): lic.name for i, lic in LICENSES.items()},
        "license_terms": {str(i): license_terms(i) for i in LICENSES},
        "no_declared_license": NO_DECLARED_LICENSE,
        "removal_template": REQUEST_TEMPLATE,
        "profiles": profiles,
        "accounts": len(accounts),
        "photographers": nsid_accounts,
        "unresolved_aliases": len(accounts) - nsid_accounts,
        "names": len(name_accounts),
        "photo_entries": photo_entries,
        "yfcc_photos_indexed": all_yfcc,
        "photos_truncated": False,  # dataset photos are never left out (large indexes are sharded)
        "part_photos": PART_PHOTOS,
        "shard_chars": chars,
        "shard_dir": SHARD_DIR if chars else None,
        "shard_files": 16**chars if chars else 0,
    }
    if chars:
        index["shards"] = shards
    else:
        index["records"] = shards.get("", _empty_shard())
    return index


def split_search_index(index: dict) -> tuple[dict, dict[str, str]]:
    """(what the page embeds, {file name: JSON text} of the shard files to publish beside it)."""
    if "shards" not in index:
        return index, {}
    page = {k: v for k, v in index.items() if k != "shards"}
    files = {
        f"{SHARD_DIR}/{prefix}.json": json.dumps(shard, separators=(",", ":"))
        for prefix, shard in sorted(index["shards"].items())
    }
    return page, files


# --- reading the index (what the page's JavaScript does; used by tests and the benchmark) ---------


def _record_shard(index: dict, key_digest: str) -> dict:
    if "records" in index:
        return index["records"]
    return index["shards"].get(key_digest[: index["shard_chars"]], _empty_shard())


def find_account(index: dict, key_digest: str) -> dict | None:
    chars = index.get("shard_chars", 0)
    return _record_shard(index, key_digest)["u"].get(key_digest[chars:])


def find_user(index: dict, key_digest: str) -> dict[str, int]:
    """{source: items} for an account digest."""
    record = find_account(index, key_digest) or {"s": []}
    return {index["sources"][source]: items for source, _photos, items in record["s"]}


def find_photo_profile(index: dict, key_digest: str) -> str | None:
    chars = index.get("shard_chars", 0)
    rest, width = key_digest[chars:], index["digest_chars"] - chars
    for profile, digests in _record_shard(index, key_digest)["p"]:
        low, high = 0, len(digests) // width
        while low < high:
            mid = (low + high) // 2
            probe = digests[mid * width : (mid + 1) * width]
            if probe == rest:
                return index["profiles"][profile]
            low, high = (mid + 1, high) if probe < rest else (low, mid)
    return None


def find_photo(index: dict, key_digest: str) -> list[str]:
    """The sources that hold a photo digest, the pool first."""
    profile = find_photo_profile(index, key_digest)
    if profile is None:
        return []
    pool, sources = profile.split("|")[:2]
    held = [index["sources"][int(part.split(":")[0])] for part in sources.split(";") if part]
    return ([POOL] if pool != "-" else []) + sorted(held)
