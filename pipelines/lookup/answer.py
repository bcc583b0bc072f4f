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
from dataclasses import asdict, dataclass, field
from datetime import datetime

import duckdb

from ..catalog import NO_REMOVAL_ROUTE, entry_for
from ..flickr.urls import ALIAS_RE, FlickrRef, TextReference, normalise_nsid, read_text
from ..licenses import LICENSES
from ..optout import OptOut, optouts_for
from ..textsafe import escape_controls, escape_fields

TEXT_PHOTO_LIMIT = 25
MAX_REFERENCES = 10_000          # per run: each is a database lookup; more is a job for SQL, not for lookup
MAX_FROM_FILE_BYTES = 20 * 2**20
MAX_API_RESOLUTIONS = 50         # flickr.urls.lookupUser calls per run (the key's budget is 3,600/hour)
ALIAS_HINT = ("Flickr path aliases are not in YFCC100M; ccaudit knows them only for accounts it enriched. "
              "Look up your NSID or a link to one of your photos to be sure, or set FLICKR_API_KEY "
              "so lookup asks Flickr which account the alias is")
POOL = "YFCC100M"


@dataclass
class DatasetHit:
    dataset: str
    version: str
    items: int
    photos: int
    photo_ids: list[int]
    catalog: dict = field(default_factory=dict)   # the catalogue entry (removal route) or NO_REMOVAL_ROUTE
    declared_license_ids: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.dataset} {self.version}"


@dataclass
class PhotoHit:
    photo_id: int
    owner: str | None
    datasets: list[str]
    items: int
    in_yfcc: bool
    yfcc_license_id: int | None
    declared_license_ids: list[int]
    declared_license_raw: list[str]
    flickr_status: str | None = None
    flickr_license_id: int | None = None
    flickr_checked_at: datetime | None = None


@dataclass
class Account:
    """One Flickr account and what the database holds of it. Never the sum of two accounts."""
    nsid: str | None                 # None for a path alias that only a manifest names
    path_alias: str | None = None
    names: list[str] = field(default_factory=list)
    pool_photos: int = 0             # photos by this account in YFCC100M
    datasets: list[DatasetHit] = field(default_factory=list)
    photos: list[PhotoHit] = field(default_factory=list)
    optouts: list[OptOut] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.nsid:
            return self.nsid + (f" (path alias {self.path_alias})" if self.path_alias else "")
        return f"path alias {self.path_alias} (NSID unknown)"

    @property
    def items_in_datasets(self) -> int:
        return sum(d.items for d in self.datasets)

    @property
    def found(self) -> bool:
        return bool(self.pool_photos or self.datasets)


@dataclass
class LookupResult:
    query: str                      # the reference as written
    interpreted_as: str             # photo, nsid, alias, name, nothing, error
    detail: str = ""                # what it was read as, or why it could not be read
    error: str | None = None
    accounts: list[Account] = field(default_factory=list)
    photo_id: int | None = None
    datasets: list[DatasetHit] = field(default_factory=list)   # photo answers: the datasets holding it
    photos: list[PhotoHit] = field(default_factory=list)       # photo answers: the photo itself
    optouts: list[OptOut] = field(default_factory=list)

    @property
    def owners(self) -> list[Account]:
        return self.accounts

    @property
    def found(self) -> bool:
        """Something in the database matched: a dataset item, or a YFCC100M photo or uploader."""
        return bool(self.datasets or self.photos or any(a.found for a in self.accounts))

    @property
    def opted_out(self) -> bool:
        return bool(self.optouts or any(a.optouts for a in self.accounts))

    def as_dict(self) -> dict:
        """The --json shape (documented in README.md, "ccaudit lookup --json")."""
        data = {"input": self.query, "read_as": self.interpreted_as, "detail": self.detail, "error": self.error,
                "found": self.found, "opted_out": self.opted_out, "photo": None,
                "accounts": [_account_dict(a) for a in self.accounts]}
        if self.photo_id is not None:
            photo = self.photos[0] if self.photos else None
            data["photo"] = {
                "photo_id": self.photo_id,
                "owner": photo.owner if photo else None,
                "pool": {"name": POOL, "in_pool": bool(photo and photo.in_yfcc),
                         "license": _license_name(photo.yfcc_license_id) if photo else None},
                "datasets": [_dataset_dict(d) for d in self.datasets],
                "items_in_datasets": sum(d.items for d in self.datasets),
                "flickr_check": _check_dict(photo) if photo else None,
                "optouts": [o.as_dict() for o in self.optouts],
            }
        return data

    def as_text(self) -> str:
        lines = [f"{self.query!r}: {self.detail}"]
        if self.error:
            return lines[0]
        if self.photo_id is not None:
            lines += self._photo_lines()
        elif not self.accounts:
            lines.append("  no account with that name or id is in the pool or in any ingested dataset")
        else:
            if len(self.accounts) > 1:
                lines.append(f"  {len(self.accounts)} different accounts match; each is shown on its own, "
                             "never added up")
            for number, account in enumerate(self.accounts, 1):
                prefix = f"account {number} of {len(self.accounts)}: " if len(self.accounts) > 1 else "account "
                lines += _account_lines(account, prefix)
        return "\n".join(lines)

    def _photo_lines(self) -> list[str]:
        photo = self.photos[0] if self.photos else None
        lines = []
        if photo and photo.owner:
            lines.append(f"  uploader: {photo.owner}")
        if photo and photo.in_yfcc:
            lines.append(f"  pool ({POOL}): yes, license {_license_name(photo.yfcc_license_id)}")
        else:
            lines.append(f"  pool ({POOL}): not in it")
        if not self.datasets:
            lines.append("  derived datasets: in none")
        else:
            items = sum(d.items for d in self.datasets)
            lines.append(f"  derived datasets: in {len(self.datasets)} dataset version(s), {items:,} item(s):")
            for hit in self.datasets:
                declared = ", ".join(_license_name(i) or "?" for i in hit.declared_license_ids) or "none"
                lines.append(f"    {hit.label}: {hit.items:,} item(s); declared license {declared}")
                lines.append(f"      removal: {_removal(hit)}")
        if photo and photo.flickr_status:
            now = photo.flickr_status + (f", {_license_name(photo.flickr_license_id)}"
                                         if photo.flickr_license_id is not None else "")
            lines.append(f"  Flickr at the latest check ({photo.flickr_checked_at:%Y-%m-%d}): {now}")
        lines += _optout_lines(self.optouts, self.found)
        return lines


def _account_lines(account: Account, prefix: str) -> list[str]:
    names = f" (known as {', '.join(account.names)})" if account.names else ""
    lines = [f"  {prefix}{account.label}{names}",
             f"    pool ({POOL}): {account.pool_photos:,} photo(s)"]
    if not account.datasets:
        lines.append("    derived datasets: in none")
    else:
        lines.append(f"    derived datasets: {len(account.photos):,} photo(s), {account.items_in_datasets:,} item(s) "
                     f"in {len(account.datasets)} dataset version(s):")
        for hit in account.datasets:
            lines.append(f"      {hit.label}: {hit.photos:,} photo(s), {hit.items:,} item(s)")
            lines.append(f"        removal: {_removal(hit)}")
        lines.append("    licenses: " + _license_summary(account.photos))
        shown = min(len(account.photos), TEXT_PHOTO_LIMIT)
        lines.append(f"    photos (first {shown} of {len(account.photos):,}):")
        lines += ["      " + _photo_line(photo) for photo in account.photos[:TEXT_PHOTO_LIMIT]]
    lines += ["  " + line for line in _optout_lines(account.optouts, account.found)]
    return lines


def _optout_lines(optouts: list[OptOut], found: bool) -> list[str]:
    if optouts:
        return [f"  opt-out recorded: {o.kind} {o.value} on {o.requested_at:%Y-%m-%d}"
                + (f" ({o.note})" if o.note else "") for o in optouts]
    return ["  no opt-out recorded"] if found else []


def _removal(hit: DatasetHit) -> str:
    catalog = hit.catalog or {}
    route = catalog.get("removal_route") or NO_REMOVAL_ROUTE
    who = ", ".join(str(x) for x in (catalog.get("publisher"), catalog.get("home_page")) if x)
    return route + (f" [{who}]" if who else "")


def _license_name(license_id: int | None) -> str | None:
    return LICENSES[license_id].name if license_id in LICENSES else None


def _license_summary(photos: list[PhotoHit]) -> str:
    """e.g. 'YFCC100M: CC BY-NC 2.0 ×12, CC BY 2.0 ×3; declared: CC BY 2.0 ×2; Flickr now: not_found ×1'."""
    yfcc = Counter(_license_name(p.yfcc_license_id) for p in photos if p.in_yfcc)
    declared = Counter(_license_name(i) for p in photos for i in p.declared_license_ids)
    now = Counter(p.flickr_status if p.flickr_license_id is None else _license_name(p.flickr_license_id)
                  for p in photos if p.flickr_status)
    parts = [f"{label}: " + ", ".join(f"{name} ×{n:,}" for name, n in counts.most_common())
             for label, counts in ((POOL, yfcc), ("declared by datasets", declared), ("Flickr now", now))
             if counts]
    return "; ".join(parts) or "none known"


def _photo_line(photo: PhotoHit) -> str:
    declared = ", ".join(_license_name(i) or "?" for i in photo.declared_license_ids) or "none"
    yfcc = f"{POOL} license {_license_name(photo.yfcc_license_id)}" if photo.in_yfcc else f"not in {POOL}"
    now = ""
    if photo.flickr_status:
        now = f"; Flickr {photo.flickr_checked_at:%Y-%m-%d}: {photo.flickr_status}"
        if photo.flickr_license_id is not None:
            now += f" {_license_name(photo.flickr_license_id)}"
    where = ", ".join(photo.datasets) or "no dataset"
    return f"{photo.photo_id} in {where} ({photo.items} item(s)): {yfcc}; declared license {declared}{now}"


def _photo_dict(photo: PhotoHit) -> dict:
    data = asdict(photo)
    data["yfcc_license"] = _license_name(photo.yfcc_license_id)
    data["declared_licenses"] = [_license_name(i) for i in photo.declared_license_ids]
    data["flickr_license"] = _license_name(photo.flickr_license_id)
    return data


def _dataset_dict(hit: DatasetHit) -> dict:
    return {"dataset": hit.dataset, "version": hit.version, "items": hit.items, "photos": hit.photos,
            "declared_licenses": [_license_name(i) for i in hit.declared_license_ids],
            "catalog": hit.catalog, "removal_route": hit.catalog.get("removal_route") or NO_REMOVAL_ROUTE}


def _account_dict(account: Account) -> dict:
    return {"nsid": account.nsid, "path_alias": account.path_alias, "names": account.names,
            "pool": {"name": POOL, "photos": account.pool_photos},
            "photos_in_datasets": len(account.photos), "items_in_datasets": account.items_in_datasets,
            "datasets": [_dataset_dict(d) for d in account.datasets],
            "photos": [_photo_dict(p) for p in account.photos],
            "opted_out": bool(account.optouts), "optouts": [o.as_dict() for o in account.optouts]}


def _check_dict(photo: PhotoHit) -> dict | None:
    if not photo.flickr_status:
        return None
    return {"checked_at": photo.flickr_checked_at.isoformat() if photo.flickr_checked_at else None,
            "status": photo.flickr_status, "license": _license_name(photo.flickr_license_id)}


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


def lookup_reference(con, item: TextReference, resolver: AliasResolver | None = None,
                     catalog: dict | None = None) -> LookupResult:
    """The answer for one reference; `catalog` (from _catalog) lets a run read the datasets table once."""
    if item.error is not None:
        return LookupResult(query=item.text, interpreted_as="error", detail=f"cannot be read: {item.error}",
                            error=item.error)
    if catalog is None:
        catalog = _catalog(con)
    ref: FlickrRef | None = item.ref
    if ref is not None and ref.kind == "photo":
        return _lookup_photo(con, item.text, ref, catalog)
    if ref is not None and ref.owner_is_nsid:
        accounts = [Account(nsid=ref.owner)]
        return _answer_accounts(con, item.text, "nsid", f"read as {ref.label}", accounts, catalog)
    name = ref.owner if ref is not None else item.name
    kind = "alias" if ref is not None else "name"
    accounts = _accounts_by_name(con, name)
    what = f"read as {ref.label}" if ref is not None else f"read as the name {name!r} (username, nickname or path alias)"
    result = _answer_accounts(con, item.text, kind, what, accounts, catalog)
    if not result.found and ALIAS_RE.match(name):
        nsid, note = resolver(name) if resolver is not None else (None, ALIAS_HINT)
        if nsid:
            result = _answer_accounts(con, item.text, kind, f"{what}; {note}",
                                      [Account(nsid=nsid, path_alias=name)], catalog)
        else:
            result.detail += f"; {note}"
    return result


def _catalog(con) -> dict[tuple[str, str], dict]:
    """(dataset, version) -> catalogue entry as a dict; datasets.catalog_entry first, else the name."""
    try:
        rows = con.execute("SELECT dataset, version, catalog_entry FROM datasets").fetchall()
    except duckdb.Error:  # a database from before the catalog_entry column
        rows = [(d, v, None) for d, v in con.execute("SELECT dataset, version FROM datasets").fetchall()]
    out = {}
    for dataset, version, key in rows:
        entry = entry_for(key) or entry_for(dataset)
        out[(dataset, version)] = entry.as_dict() if entry else {"key": None, "removal_route": NO_REMOVAL_ROUTE}
    return out


def _accounts_by_name(con, name: str) -> list[Account]:
    """Accounts whose YFCC100M nickname, Flickr username/nickname/path alias is `name` (any case),
    each separately; plus a path alias that only a manifest names and nothing resolves to an NSID."""
    rows = con.execute("""
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
        ORDER BY 1""", [name, name, name, name, name]).fetchall()
    accounts: dict[str, Account] = {}
    for nsid, nickname, alias in rows:
        account = accounts.setdefault(nsid, Account(nsid=nsid))
        if nickname and nickname not in account.names:
            account.names.append(nickname)
        if alias:
            account.path_alias = alias
    resolved = {a.path_alias.lower() for a in accounts.values() if a.path_alias}
    alias_known = con.execute("SELECT count(*) FROM dataset_items WHERE lower(owner_ref) = lower(?)",
                              [name]).fetchone()[0]
    if alias_known and name.lower() not in resolved and not any(a.nsid.lower() == name.lower() for a in accounts.values()):
        return [*accounts.values(), Account(nsid=None, path_alias=name)]
    return list(accounts.values())


_ITEM_COLUMNS = "dataset, version, photo_id, owner_ref, declared_license_id, declared_license_raw"


def _answer_accounts(con, query: str, kind: str, what: str, accounts: list[Account], catalog) -> LookupResult:
    _fill_accounts(con, accounts, catalog)
    detail = what if accounts else what + "; no account with that name is in the database"
    return LookupResult(query=query, interpreted_as=kind, detail=detail, accounts=accounts)


def _fill_accounts(con, accounts: list[Account], catalog) -> None:
    """Each account's pool photos, dataset items and opt-outs, kept apart; one scan of each table for all.

    An item is an account's when its photo is the account's in YFCC100M, or its manifest names the
    account: the NSID, or a path alias Flickr resolved to it (uploaders.path_alias)."""
    nsids = [a.nsid for a in accounts if a.nsid]
    known: dict[str, dict[int, tuple]] = {nsid: {} for nsid in nsids}
    refs: dict[int, set[str]] = {id(a): {r.lower() for r in (a.nsid, a.path_alias) if r} for a in accounts}
    if nsids:
        for nsid, alias in con.execute("""
                SELECT DISTINCT owner_nsid, lower(trim(path_alias)) FROM uploaders
                WHERE owner_nsid IN (SELECT unnest(?::VARCHAR[])) AND coalesce(trim(path_alias), '') <> ''""",
                                       [nsids]).fetchall():
            for account in accounts:
                if account.nsid == nsid:
                    refs[id(account)].add(alias)
        by_nsid = {a.nsid: a for a in accounts if a.nsid}
        for nsid, photo_id, license_id, nickname in con.execute(
                "SELECT owner_nsid, photo_id, license_id, owner_nickname FROM yfcc_photos "
                "WHERE owner_nsid IN (SELECT unnest(?::VARCHAR[]))", [nsids]).fetchall():
            known[nsid][photo_id] = (license_id, nsid)
            account = by_nsid[nsid]
            account.pool_photos += 1
            if nickname and nickname not in account.names:
                account.names.append(nickname)
    all_ids = [pid for photos in known.values() for pid in photos]
    all_refs = sorted(set().union(*refs.values())) if refs else []
    item_rows = con.execute(f"""
        SELECT {_ITEM_COLUMNS} FROM dataset_items
        WHERE photo_id IN (SELECT unnest(?::BIGINT[])) OR lower(owner_ref) IN (SELECT unnest(?::VARCHAR[]))""",
                            [all_ids, all_refs]).fetchall() if accounts else []
    for account in accounts:
        mine, own_refs = known.get(account.nsid, {}), refs[id(account)]
        rows = [row for row in item_rows if row[2] in mine or (row[3] is not None and row[3].lower() in own_refs)]
        account.datasets, account.photos = _hits_of_items(con, rows, catalog, mine)
        account.optouts = optouts_for(con, [account.nsid] if account.nsid else [],
                                      [p.photo_id for p in account.photos])


def _lookup_photo(con, query: str, ref: FlickrRef, catalog) -> LookupResult:
    photo_id = ref.photo_id
    item_rows = con.execute(f"SELECT {_ITEM_COLUMNS} FROM dataset_items WHERE photo_id = ?", [photo_id]).fetchall()
    result = LookupResult(query=query, interpreted_as="photo", photo_id=photo_id, detail=f"read as {ref.label}")
    result.datasets, result.photos = _hits_of_items(con, item_rows, catalog)
    if not result.photos:  # in YFCC100M but in no dataset: still say what YFCC100M knows
        result.photos = _photo_hits(con, {photo_id: {"datasets": [], "items": 0, "owner": None,
                                                     "declared": set(), "raw": set()}})
        if not result.photos[0].in_yfcc and result.photos[0].flickr_status is None:
            result.photos = []
    owner = result.photos[0].owner if result.photos else None
    result.optouts = optouts_for(con, [owner] if owner else [], [photo_id])
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
        photo = per_photo.setdefault(photo_id, {"datasets": [], "items": 0, "owner": owner_ref,
                                                "declared": set(), "raw": set()})
        photo["items"] += 1
        label = f"{dataset} {version}"
        if label not in photo["datasets"]:
            photo["datasets"].append(label)
        if declared_id is not None:
            photo["declared"].add(declared_id)
        if declared_raw is not None:
            photo["raw"].add(declared_raw)
    datasets = [DatasetHit(d, v, h["items"], len(h["photos"]), sorted(h["photos"]),
                           catalog.get((d, v), {"key": None, "removal_route": NO_REMOVAL_ROUTE}),
                           sorted(h["declared"]))
                for (d, v), h in sorted(per_dataset.items())]
    return datasets, _photo_hits(con, per_photo, known)


def _photo_hits(con, per_photo: dict[int, dict], known: dict | None = None) -> list[PhotoHit]:
    """PhotoHits with YFCC100M license/owner (`known` ones are not fetched again) and the latest check."""
    if not per_photo:
        return []
    ids = sorted(per_photo)
    yfcc = {pid: known[pid] for pid in ids if known and pid in known}
    missing = [pid for pid in ids if pid not in yfcc]
    if missing:
        yfcc.update({row[0]: row[1:] for row in con.execute(
            "SELECT photo_id, license_id, owner_nsid FROM yfcc_photos WHERE photo_id IN (SELECT unnest(?::BIGINT[]))",
            [missing]).fetchall()})
    # The latest check that got an answer (a failed call says nothing about the photo).
    checks = {row[0]: row[1:] for row in con.execute("""
        SELECT photo_id, status, license_id, checked_at
        FROM flickr_latest_checks WHERE photo_id IN (SELECT unnest(?::BIGINT[]))""", [ids]).fetchall()}
    hits = []
    for photo_id in ids:
        info = per_photo[photo_id]
        license_id, owner_nsid = yfcc.get(photo_id, (None, None))
        status, flickr_license, checked_at = checks.get(photo_id, (None, None, None))
        hits.append(PhotoHit(photo_id=photo_id, owner=owner_nsid or info["owner"], datasets=info["datasets"],
                             items=info["items"], in_yfcc=photo_id in yfcc, yfcc_license_id=license_id,
                             declared_license_ids=sorted(info["declared"]), declared_license_raw=sorted(info["raw"]),
                             flickr_status=status, flickr_license_id=flickr_license, flickr_checked_at=checked_at))
    return hits


# --- several inputs (the CLI) ---------------------------------------------------------------------

def read_inputs(queries: list[str], from_file: str | None = None) -> list[str]:
    """The texts to look up: each QUERY argument, then each non-empty line of --from FILE ('-' = stdin)."""
    import sys
    from pathlib import Path

    from ..errors import InputError

    texts = [q for q in queries if q and q.strip()]
    if from_file is not None:
        try:
            if from_file == "-":
                raw = sys.stdin.buffer.read(MAX_FROM_FILE_BYTES + 1)
                if len(raw) > MAX_FROM_FILE_BYTES:
                    raise InputError(f"--from -: more than the {MAX_FROM_FILE_BYTES // 2**20} MB lookup reads")
            else:
                path = Path(from_file)
                if path.is_dir():
                    raise InputError(f"--from {from_file}: is a folder, not a file")
                if path.is_file() and path.stat().st_size > MAX_FROM_FILE_BYTES:
                    raise InputError(f"--from {from_file}: {path.stat().st_size:,} bytes is more than the "
                                     f"{MAX_FROM_FILE_BYTES // 2**20} MB lookup reads; split the file")
                raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"--from {from_file}: {exc.strerror or exc}") from None
        if b"\x00" in raw:
            raise InputError(f"--from {from_file}: a binary file, not text with one reference per line")
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"--from {from_file}: not UTF-8 text (byte {exc.start})") from None
        texts += [line for line in content.splitlines() if line.strip()]
    if not texts:
        raise InputError("nothing to look up: give a QUERY or --from FILE")
    return texts


@dataclass
class LookupRun:
    """Every answer for every input, and the exit code: 2 if any reference was unreadable, else
    0 if anything was found, 1 if nothing was."""
    answers: list[LookupResult]

    @property
    def errors(self) -> list[LookupResult]:
        return [a for a in self.answers if a.error]

    @property
    def found(self) -> bool:
        return any(a.found for a in self.answers)

    @property
    def exit_code(self) -> int:
        return 2 if self.errors else (0 if self.found else 1)

    def as_dict(self) -> dict:
        return {"format": "ccaudit-lookup/1", "found": self.found, "errors": len(self.errors),
                "answers": [a.as_dict() for a in self.answers]}

    def as_text(self) -> str:
        # Every field is escaped before the lines are built, so a nickname or note holding a newline
        # cannot forge a line of its own.
        return "\n\n".join(escape_fields(a).as_text() for a in self.answers if not a.error)

    def error_lines(self) -> list[str]:
        return [escape_controls(f"ccaudit: error: cannot read {a.query!r}: {a.error}") for a in self.errors]


def run_lookup(con, texts: list[str], resolver: AliasResolver | None = None) -> LookupRun:
    from ..errors import InputError

    items = [item for text in texts for item in read_text(text)]
    if len(items) > MAX_REFERENCES:
        raise InputError(f"{len(items):,} references to look up; lookup answers at most {MAX_REFERENCES:,} per run "
                         "(split the input, or query the database with SQL)")
    catalog = _catalog(con)
    return LookupRun([lookup_reference(con, item, resolver, catalog) for item in items])
