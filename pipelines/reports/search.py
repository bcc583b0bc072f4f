"""The index behind search.html: "am I in it?" without publishing the list of people.

The page runs offline in the reader's browser, which cannot compute an HMAC with a secret key.
So the index is keyed by SHA-256(salt || key) truncated to 16 hex digits, with a random salt
published in the page: the browser hashes the reader's own NSID or photo id and looks the digest
up. Nobody can read the index as a list of names, but anyone can test an identifier they already
know (photo ids are a guessable number space; NSIDs can be enumerated) — the page says so.

Keys (the JavaScript in templates/search.html.j2 builds the same strings):
    "u:" + NSID in upper case (12345678@N00)   or   "u:" + path alias in lower case
    "p:" + photo id in decimal without leading zeros
"""

from __future__ import annotations

import hashlib
import re

DIGEST_CHARS = 12  # 48 bits: a random query hits one of a million entries with p < 4e-9
PHOTO_LIMIT = 500_000  # photo entries on the page (12 bytes each); beyond it use `ccaudit lookup`
NSID_RE = re.compile(r"^\d+@N\d\d$", re.IGNORECASE)

# The digests are computed in DuckDB (sha256 over the same UTF-8 strings as `digest` below).
_USER_KEY_SQL = ("'u:' || CASE WHEN regexp_full_match(trim(owner), '[0-9]+@[Nn][0-9][0-9]') "
                 "THEN upper(trim(owner)) ELSE lower(trim(owner)) END")
# Per owner and source: items. Owners come from YFCC100M and from the manifests' own owner field.
_USER_SQL = f"""
WITH item_owner AS (
    SELECT i.dataset || ' ' || i.version AS source, i.item_key, y.owner_nsid AS owner
    FROM dataset_items AS i JOIN yfcc_photos AS y USING (photo_id)
    UNION
    SELECT dataset || ' ' || version, item_key, owner_ref FROM dataset_items WHERE owner_ref IS NOT NULL
),
counts AS (
    SELECT owner, source, count(*) AS items FROM item_owner GROUP BY ALL
    UNION ALL
    SELECT owner_nsid, 'YFCC100M', count(*) FROM yfcc_photos GROUP BY owner_nsid
)
SELECT left(sha256($salt || {_USER_KEY_SQL}), {DIGEST_CHARS}) AS digest, source, items FROM counts
"""
# Per set of sources: the sorted, concatenated digests of the photos in exactly those sources.
# YFCC100M membership is recorded for dataset photos always, for all of YFCC100M when it fits.
_PHOTO_SQL = f"""
WITH memberships AS (
    SELECT photo_id, dataset || ' ' || version AS source FROM dataset_items WHERE photo_id IS NOT NULL
    UNION
    SELECT y.photo_id, 'YFCC100M' FROM yfcc_photos AS y
    WHERE $all_yfcc OR y.photo_id IN (SELECT photo_id FROM dataset_items)
),
per_photo AS (
    SELECT photo_id, list(source ORDER BY source) AS sources FROM memberships GROUP BY photo_id
    ORDER BY photo_id LIMIT $limit
),
hashed AS (
    SELECT sources, left(sha256($salt || 'p:' || photo_id::VARCHAR), {DIGEST_CHARS}) AS digest FROM per_photo
)
SELECT sources, string_agg(digest, '' ORDER BY digest) AS digests, count(*) AS photos
FROM hashed GROUP BY sources ORDER BY photos DESC
"""
_PHOTO_COUNT_SQL = """
SELECT count(*) FROM (SELECT photo_id FROM dataset_items WHERE photo_id IS NOT NULL
                      UNION SELECT photo_id FROM yfcc_photos WHERE $all_yfcc)
"""


def user_key(value: str) -> str:
    value = value.strip()
    return "u:" + (value.upper() if NSID_RE.match(value) else value.lower())


def photo_key(photo_id: int | str) -> str:
    return f"p:{int(photo_id)}"


def digest(salt: str, key: str) -> str:
    return hashlib.sha256((salt + key).encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def build_search_index(con, salt: str, photo_limit: int = PHOTO_LIMIT) -> dict:
    """The index as a JSON-able dict: sources, per-account counts, photo digests per set of sources."""
    sources: dict[str, int] = {"YFCC100M": 0}

    def source_index(name: str) -> int:
        return sources.setdefault(name, len(sources))

    users: dict[str, list[list[int]]] = {}
    for key, source, items in con.execute(_USER_SQL, {"salt": salt}).fetchall():
        users.setdefault(key, []).append([source_index(source), items])

    yfcc_rows = con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0]
    all_yfcc = yfcc_rows <= photo_limit
    total = con.execute(_PHOTO_COUNT_SQL, {"all_yfcc": all_yfcc}).fetchone()[0]
    if total > photo_limit and all_yfcc:  # datasets alone exceed the limit: leave YFCC100M-only photos out
        all_yfcc = False
        total = con.execute(_PHOTO_COUNT_SQL, {"all_yfcc": False}).fetchone()[0]
    photos = [[[source_index(name) for name in names], digests] for names, digests, _ in
              con.execute(_PHOTO_SQL, {"salt": salt, "all_yfcc": all_yfcc, "limit": photo_limit}).fetchall()]
    return {
        "salt": salt,
        "digest_chars": DIGEST_CHARS,
        "sources": list(sources),
        "users": users,
        "photos": photos,
        "photo_entries": min(total, photo_limit),
        "yfcc_photos_indexed": all_yfcc and total <= photo_limit,
        "photos_truncated": total > photo_limit,
    }


def find_user(index: dict, key_digest: str) -> dict[str, int]:
    """{source: items} for an account digest (what the page's JavaScript shows)."""
    return {index["sources"][source]: items for source, items in index["users"].get(key_digest, [])}


def find_photo(index: dict, key_digest: str) -> list[str]:
    """The sources that hold a photo digest: binary search in each fixed-width digest string."""
    width = index["digest_chars"]
    for members, digests in index["photos"]:
        low, high = 0, len(digests) // width
        while low < high:
            mid = (low + high) // 2
            probe = digests[mid * width:(mid + 1) * width]
            if probe == key_digest:
                return sorted(index["sources"][m] for m in members)
            low, high = (mid + 1, high) if probe < key_digest else (low, mid)
    return []
