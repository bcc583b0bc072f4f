"""`ccaudit lookup`: "am I in it?" for a photographer or a photo, across every ingested dataset.

The input is free text: one or more Flickr links of any form (see flickr_urls), NSIDs, photo ids,
Download file names, or a name (username, nickname or path alias). Each reference found gets its own
answer, labelled with what it was read as; text that looks like a link but cannot be read is an
error with the reason, never a name search. A name shared by several accounts gives one answer per
account, never a merged total. Each answer keeps YFCC100M (the pool the datasets were drawn from)
apart from the derived datasets, counts photos and items separately, gives each photo's licenses
(YFCC100M, declared by each dataset, the latest Flickr check), the opt-out status and, per dataset,
the removal route from the dataset catalogue.

User input only ever reaches SQL as a bound parameter, and names are matched exactly
(case-insensitive), never as patterns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime

import duckdb

from ..catalog import NO_REMOVAL_ROUTE, entry_for
from ..errors import InputError
from ..flickr.freetext import TextReference, read_text
from ..flickr.urls import ALIAS_RE, FlickrRef, normalise_nsid
from ..optout import OptOut, optouts_for
from . import inputs
from .model import POOL, TEXT_PHOTO_LIMIT, Account, DatasetHit, LookupResult, LookupRun, PhotoHit  # noqa: F401 -- re-exported: callers import the answer types from here
from .standing import standing
from .words import dataset_label

MAX_REFERENCES = 10_000  # per run: each is a database lookup; more is a job for SQL, not for lookup
MAX_FROM_FILE_BYTES = inputs.MAX_FROM_FILE_BYTES
MAX_API_RESOLUTIONS = 50  # flickr.urls.lookupUser calls per run (the key's budget is 3,600/hour)
ALIAS_HINT = "check the spelling, or try your NSID or a photo link (or set FLICKR_API_KEY to ask Flickr)"


# --- the lookup ---------------------------------------------------------------------------------


def lookup_text(con, text: str) -> list[LookupResult]:
    """One answer per reference found in the text, in order (an error answer for unreadable ones)."""
    catalog = _catalog(con)
    return [lookup_reference(con, item, catalog=catalog) for item in read_text(text)]


def lookup(con, query: str) -> LookupResult:
    """The answer for a single reference; text holding several gives the first (use lookup_text)."""
    answers = lookup_text(con, query or "")
    if not answers:
        return LookupResult(query=query, interpreted_as="nothing", detail="empty query")
    return answers[0]


class AliasResolver:
    """Asks Flickr (flickr.urls.lookupUser) for the NSID behind a path alias the database does not know.

    Only for aliases that found nothing, at most MAX_API_RESOLUTIONS per run; the client keeps the
    key's rate limit. Nothing is stored (lookup opens the database read-only)."""

    def __init__(self, client, limit: int = MAX_API_RESOLUTIONS):
        self.client, self.limit, self.calls = client, limit, 0

    def __call__(self, alias: str) -> tuple[str | None, str]:
        if self.calls >= self.limit:
            return None, f"not asked: the {self.limit} Flickr API look-ups of this run are used up"
        self.calls += 1
        result = self.client.lookup_user(alias)
        nsid = normalise_nsid(result.value.nsid or "") if result.ok and result.value else None
        if nsid:
            return nsid, f"Flickr's API says the path alias {alias} is account {nsid}"
        return None, f"Flickr's API knows no account {alias} ({result.message or result.status})"


def lookup_reference(
    con, item: TextReference, resolver: AliasResolver | None = None, catalog: dict | None = None
) -> LookupResult:
    """The answer for one reference; `catalog` (from _catalog) lets a run read the datasets table once."""
    if item.error is not None:
        return LookupResult(
            query=item.text, interpreted_as="error", detail=f"cannot be read: {item.error}", error=item.error
        )
    if catalog is None:
        catalog = _catalog(con)
    ref: FlickrRef | None = item.ref
    if ref is not None and ref.kind == "photo":
        return _lookup_photo(con, item.text, ref, catalog)
    if ref is not None and ref.owner_is_nsid:
        accounts = [Account(nsid=ref.owner)]
        return _answer_accounts(con, item.text, "nsid", f"read as {ref.label}", accounts, catalog)
    name = ref.owner if ref is not None else item.name
    assert name is not None  # an account ref names its owner; an item without a ref or error is a name
    kind = "alias" if ref is not None else "name"
    accounts = _accounts_by_name(con, name)
    what = (
        f"read as {ref.label}"
        if ref is not None
        else f"read as the name {name!r} (username, nickname or path alias)"
    )
    result = _answer_accounts(con, item.text, kind, what, accounts, catalog)
    if not result.found and ALIAS_RE.match(name):
        nsid, note = resolver(name) if resolver is not None else (None, ALIAS_HINT)
        if nsid:
            result = _answer_accounts(
                con, item.text, kind, f"{what}; {note}", [Account(nsid=nsid, path_alias=name)], catalog
            )
        else:
            result.detail += f"; {note}"
    return result


class Catalog(dict):
    """(dataset, version) -> catalogue entry as a dict, and `versions`: every dataset version as
    (dataset, version, ingested_at, label), in display order (what opt-out standings walk)."""

    versions: list[tuple[str, str, datetime, str]]


def _catalog(con) -> Catalog:
    """The catalogue entry of every dataset version: datasets.catalog_entry first, else the name."""
    try:
        rows = con.execute(
            "SELECT dataset, version, ingested_at, catalog_entry FROM datasets ORDER BY dataset, version"
        ).fetchall()
    except duckdb.Error:  # a database from before the catalog_entry column
        rows = [
            (*row, None)
            for row in con.execute(
                "SELECT dataset, version, ingested_at FROM datasets ORDER BY dataset, version"
            ).fetchall()
        ]
    out = Catalog()
    out.versions = []
    for dataset, version, ingested_at, key in rows:
        entry = entry_for(key) or entry_for(dataset)
        out[(dataset, version)] = (
            entry.as_dict() if entry else {"key": None, "removal_route": NO_REMOVAL_ROUTE}
        )
        out.versions.append(
            (dataset, version, ingested_at, dataset_label(dataset, version, out[(dataset, version)]))
        )
    return out


def _standings(catalog: Catalog, optouts: list[OptOut], held_by_person: dict, held_by_photo: dict) -> list:
    """Per opt-out, where it stands in each dataset version (see standing.py)."""
    out = []
    for optout in optouts:
        held = held_by_person if optout.kind == "user" else held_by_photo.get(int(optout.value), {})
        out.append(standing(optout.requested_at, held, getattr(catalog, "versions", [])))
    return out


def _held(item_rows: list[tuple]) -> tuple[dict, dict]:
    """Items per (dataset, version), for the whole set and per photo id."""
    person: Counter = Counter()
    photo: dict[int, Counter] = {}
    for dataset, version, photo_id, *_ in item_rows:
        person[(dataset, version)] += 1
        if photo_id is not None:
            photo.setdefault(photo_id, Counter())[(dataset, version)] += 1
    return person, photo


def _accounts_by_name(con, name: str) -> list[Account]:
    """Accounts whose YFCC100M nickname, Flickr username/nickname/path alias is `name` (any case),
    each separately; plus a path alias that only a manifest names and nothing resolves to an NSID."""
    rows = con.execute(
        """
        SELECT owner_nsid, any_value(owner_nickname), NULL FROM yfcc_photos
        WHERE lower(owner_nickname) = lower(?) GROUP BY owner_nsid
        UNION ALL
        SELECT owner_nsid, coalesce(any_value(nickname), any_value(username)), any_value(path_alias) FROM uploaders
        WHERE lower(username) = lower(?) OR lower(path_alias) = lower(?) OR lower(nickname) = lower(?)
        GROUP BY owner_nsid
        UNION ALL  -- a path alias `ccaudit enrich` resolved with flickr.urls.lookupUser (latest answer)
        SELECT arg_max(owner_nsid, resolved_at), NULL, any_value(alias) FROM flickr_alias_resolutions
        WHERE alias = lower(?) AND status <> 'error'
        HAVING arg_max(owner_nsid, resolved_at) IS NOT NULL
        ORDER BY 1""",
        [name, name, name, name, name],
    ).fetchall()
    accounts: dict[str, Account] = {}
    for nsid, nickname, alias in rows:
        account = accounts.setdefault(nsid, Account(nsid=nsid))
        if nickname and nickname not in account.names:
            account.names.append(nickname)
        if alias:
            account.path_alias = alias
    resolved = {a.path_alias.lower() for a in accounts.values() if a.path_alias}
    alias_known = con.execute(
        "SELECT count(*) FROM dataset_items WHERE lower(owner_ref) = lower(?)", [name]
    ).fetchone()[0]
    if (
        alias_known
        and name.lower() not in resolved
        and not any((a.nsid or "").lower() == name.lower() for a in accounts.values())
    ):
        return [*accounts.values(), Account(nsid=None, path_alias=name)]
    return list(accounts.values())


_ITEM_COLUMNS = "dataset, version, photo_id, owner_ref, declared_license_id, declared_license_raw"


def _answer_accounts(con, query: str, kind: str, what: str, accounts: list[Account], catalog) -> LookupResult:
    _fill_accounts(con, accounts, catalog)
    detail = what  # "not in it" is said once, on the answer's own line
    return LookupResult(query=query, interpreted_as=kind, detail=detail, accounts=accounts)


def _fill_accounts(con, accounts: list[Account], catalog) -> None:
    """Each account's pool photos, dataset items and opt-outs, kept apart; one scan of each table for all.

    An item is an account's when its photo is the account's in YFCC100M, or its manifest names the
    account: the NSID, or a path alias Flickr resolved to it (uploaders.path_alias)."""
    nsids = [a.nsid for a in accounts if a.nsid]
    known: dict[str, dict[int, tuple]] = {nsid: {} for nsid in nsids}
    refs: dict[int, set[str]] = {id(a): {r.lower() for r in (a.nsid, a.path_alias) if r} for a in accounts}
    if nsids:
        for nsid, alias in con.execute(
            """
                SELECT DISTINCT owner_nsid, lower(trim(path_alias)) FROM uploaders
                WHERE owner_nsid IN (SELECT unnest(?::VARCHAR[])) AND coalesce(trim(path_alias), '') <> ''""",
            [nsids],
        ).fetchall():
            for account in accounts:
                if account.nsid == nsid:
                    refs[id(account)].add(alias)
        by_nsid = {a.nsid: a for a in accounts if a.nsid}
        for nsid, photo_id, license_id, nickname, uploaded in con.execute(
            "SELECT owner_nsid, photo_id, license_id, owner_nickname, uploaded_at FROM yfcc_photos "
            "WHERE owner_nsid IN (SELECT unnest(?::VARCHAR[]))",
            [nsids],
        ).fetchall():
            known[nsid][photo_id] = (license_id, nsid)
            account = by_nsid[nsid]
            account.pool_photos += 1
            if nickname and nickname not in account.names:
                account.names.append(nickname)
            if uploaded is not None:
                account.first_upload = min(account.first_upload or uploaded, uploaded)
                account.last_upload = max(account.last_upload or uploaded, uploaded)
    all_ids = [pid for photos in known.values() for pid in photos]
    all_refs = sorted(set().union(*refs.values())) if refs else []
    item_rows = (
        con.execute(
            f"""
        SELECT {_ITEM_COLUMNS} FROM dataset_items
        WHERE photo_id IN (SELECT unnest(?::BIGINT[])) OR lower(owner_ref) IN (SELECT unnest(?::VARCHAR[]))""",
            [all_ids, all_refs],
        ).fetchall()
        if accounts
        else []
    )
    for account in accounts:
        mine, own_refs = known.get(account.nsid, {}) if account.nsid else {}, refs[id(account)]
        rows = [
            row for row in item_rows if row[2] in mine or (row[3] is not None and row[3].lower() in own_refs)
        ]
        account.datasets, account.photos = _hits_of_items(con, rows, catalog, mine)
        account.optouts = optouts_for(
            con, [account.nsid] if account.nsid else [], [p.photo_id for p in account.photos]
        )
        account.standings = _standings(catalog, account.optouts, *_held(rows))


def _lookup_photo(con, query: str, ref: FlickrRef, catalog) -> LookupResult:
    photo_id = ref.photo_id
    assert photo_id is not None  # a photo ref carries its id
    item_rows = con.execute(
        f"SELECT {_ITEM_COLUMNS} FROM dataset_items WHERE photo_id = ?", [photo_id]
    ).fetchall()
    result = LookupResult(
        query=query, interpreted_as="photo", photo_id=photo_id, detail=f"read as {ref.label}"
    )
    result.datasets, result.photos = _hits_of_items(con, item_rows, catalog)
    if not result.photos:  # in YFCC100M but in no dataset: still say what YFCC100M knows
        result.photos = _photo_hits(
            con, {photo_id: {"datasets": [], "items": 0, "owner": None, "declared": set(), "raw": set()}}
        )
        if not result.photos[0].in_yfcc and result.photos[0].flickr_status is None:
            result.photos = []
    owner = result.photos[0].owner if result.photos else None
    result.optouts = optouts_for(con, [owner] if owner else [], [photo_id])
    person, _ = _held(item_rows)
    result.standings = _standings(catalog, result.optouts, person, {photo_id: person})
    return result


def _hits_of_items(con, item_rows: list[tuple], catalog, known: dict | None = None):
    per_dataset: dict[tuple[str, str], dict] = {}
    per_photo: dict[int, dict] = {}
    for dataset, version, photo_id, owner_ref, declared_id, declared_raw in item_rows:
        hit = per_dataset.setdefault((dataset, version), {"items": 0, "photos": set(), "declared": set()})
        hit["items"] += 1
        if declared_id is not None:
            hit["declared"].add(declared_id)
        if photo_id is None:
            continue
        hit["photos"].add(photo_id)
        photo = per_photo.setdefault(
            photo_id, {"datasets": [], "items": 0, "owner": owner_ref, "declared": set(), "raw": set()}
        )
        photo["items"] += 1
        label = f"{dataset} {version}"
        if label not in photo["datasets"]:
            photo["datasets"].append(label)
        if declared_id is not None:
            photo["declared"].add(declared_id)
        if declared_raw is not None:
            photo["raw"].add(declared_raw)
    datasets = [
        DatasetHit(
            d,
            v,
            h["items"],
            len(h["photos"]),
            sorted(h["photos"]),
            catalog.get((d, v), {"key": None, "removal_route": NO_REMOVAL_ROUTE}),
            sorted(h["declared"]),
        )
        for (d, v), h in sorted(per_dataset.items())
    ]
    return datasets, _photo_hits(con, per_photo, known)


def _photo_hits(con, per_photo: dict[int, dict], known: dict | None = None) -> list[PhotoHit]:
    """PhotoHits with YFCC100M license/owner (`known` ones are not fetched again) and the latest check."""
    if not per_photo:
        return []
    ids = sorted(per_photo)
    yfcc = {pid: known[pid] for pid in ids if known and pid in known}
    missing = [pid for pid in ids if pid not in yfcc]
    if missing:
        yfcc.update(
            {
                row[0]: row[1:]
                for row in con.execute(
                    "SELECT photo_id, license_id, owner_nsid FROM yfcc_photos WHERE photo_id IN (SELECT unnest(?::BIGINT[]))",
                    [missing],
                ).fetchall()
            }
        )
    # The latest check that got an answer (a failed call says nothing about the photo).
    checks = {
        row[0]: row[1:]
        for row in con.execute(
            """
        SELECT photo_id, status, license_id, checked_at
        FROM flickr_latest_checks WHERE photo_id IN (SELECT unnest(?::BIGINT[]))""",
            [ids],
        ).fetchall()
    }
    hits = []
    for photo_id in ids:
        info = per_photo[photo_id]
        license_id, owner_nsid = yfcc.get(photo_id, (None, None))
        status, flickr_license, checked_at = checks.get(photo_id, (None, None, None))
        hits.append(
            PhotoHit(
                photo_id=photo_id,
                owner=owner_nsid or info["owner"],
                datasets=info["datasets"],
                items=info["items"],
                in_yfcc=photo_id in yfcc,
                yfcc_license_id=license_id,
                declared_license_ids=sorted(info["declared"]),
                declared_license_raw=sorted(info["raw"]),
                flickr_status=status,
                flickr_license_id=flickr_license,
                flickr_checked_at=checked_at,
            )
        )
    return hits


# --- several inputs (the CLI) ---------------------------------------------------------------------


def read_inputs(queries: list[str], from_file: str | None = None) -> Iterator[str]:
    """The texts to look up (see inputs.py); --from is capped at MAX_FROM_FILE_BYTES read."""
    return inputs.read_inputs(queries, from_file, MAX_FROM_FILE_BYTES)


def run_lookup(con, texts: Iterable[str], resolver: AliasResolver | None = None) -> LookupRun:
    items: list[TextReference] = []
    for text in texts:  # stop reading at the cap: a huge input is refused as fast as a small one
        items += read_text(text, limit=MAX_REFERENCES - len(items))
        if len(items) > MAX_REFERENCES:
            raise InputError(
                f"more than {MAX_REFERENCES:,} references to look up; lookup answers at most "
                f"{MAX_REFERENCES:,} per run (split the input, or query the database with SQL)"
            )
    catalog = _catalog(con)
    return LookupRun([lookup_reference(con, item, resolver, catalog) for item in items])
