"""`ccaudit lookup`: "am I in it?" for a photographer or a photo, across every ingested dataset.

The query may be an NSID, a Flickr username / nickname / path alias, any Flickr photo or user URL
(page, static, flic.kr, photo.gne) or a bare photo id. The answer lists, per dataset version,
the items and photos found, each photo's licenses (declared by the manifest, in YFCC100M, and on
Flickr at the latest re-check) and any opt-out on record. User input only ever reaches SQL as a
bound parameter, and names are matched exactly (case-insensitive), never as patterns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from .flickr_urls import FlickrUrlError, normalise_nsid, parse_flickr_url, parse_photo_ref
from .licenses import LICENSES
from .optout import OptOut, optouts_for

TEXT_PHOTO_LIMIT = 25


@dataclass
class Owner:
    nsid: str | None                 # None for a path alias no YFCC row or profile resolves
    alias: str | None = None
    nicknames: list[str] = field(default_factory=list)
    yfcc_photos: int = 0


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
class DatasetHit:
    dataset: str
    version: str
    items: int
    photos: int
    photo_ids: list[int]


@dataclass
class LookupResult:
    query: str
    interpreted_as: str             # nsid, alias, name, photo, nothing
    detail: str = ""
    owners: list[Owner] = field(default_factory=list)
    photo_id: int | None = None
    datasets: list[DatasetHit] = field(default_factory=list)
    photos: list[PhotoHit] = field(default_factory=list)
    optouts: list[OptOut] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Something in the database matched: a dataset item, or a YFCC100M photo or uploader."""
        return bool(self.datasets or self.photos or any(o.yfcc_photos for o in self.owners))

    @property
    def opted_out(self) -> bool:
        return bool(self.optouts)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["found"] = self.found
        data["opted_out"] = self.opted_out
        for photo in data["photos"]:
            photo["yfcc_license"] = _license_name(photo["yfcc_license_id"])
            photo["declared_licenses"] = [_license_name(i) for i in photo["declared_license_ids"]]
            photo["flickr_license"] = _license_name(photo["flickr_license_id"])
        return data

    def as_text(self) -> str:
        lines = [f"lookup {self.query!r}: {self.detail}"]
        for owner in self.owners:
            who = owner.nsid or f"path alias {owner.alias} (NSID unknown)"
            names = f" (nickname {', '.join(owner.nicknames)})" if owner.nicknames else ""
            lines.append(f"uploader {who}{names}: {owner.yfcc_photos:,} photos in YFCC100M")
        if not self.datasets:
            lines.append("in no ingested dataset")
        else:
            photos = len(self.photos)
            lines.append(f"in {len(self.datasets)} dataset version(s), {photos:,} distinct photo(s):")
            for hit in self.datasets:
                lines.append(f"  {hit.dataset} {hit.version}: {hit.items:,} item(s), {hit.photos:,} photo(s)")
            lines.append("licenses: " + _license_summary(self.photos))
            lines.append(f"photos (first {min(photos, TEXT_PHOTO_LIMIT)} of {photos:,}):")
            for photo in self.photos[:TEXT_PHOTO_LIMIT]:
                lines.append("  " + _photo_line(photo))
        if self.optouts:
            for entry in self.optouts:
                lines.append(f"opt-out recorded: {entry.kind} {entry.value} on {entry.requested_at:%Y-%m-%d}"
                             + (f" ({entry.note})" if entry.note else ""))
        elif self.found:
            lines.append("no opt-out recorded")
        return "\n".join(lines)


def _license_name(license_id: int | None) -> str | None:
    return LICENSES[license_id].name if license_id in LICENSES else None


def _license_summary(photos: list[PhotoHit]) -> str:
    """e.g. 'YFCC100M: CC BY-NC 2.0 ×12, CC BY 2.0 ×3; declared: CC BY 2.0 ×2; Flickr now: not_found ×1'."""
    from collections import Counter

    yfcc = Counter(_license_name(p.yfcc_license_id) for p in photos if p.in_yfcc)
    declared = Counter(_license_name(i) for p in photos for i in p.declared_license_ids)
    now = Counter(p.flickr_status if p.flickr_license_id is None else _license_name(p.flickr_license_id)
                  for p in photos if p.flickr_status)
    parts = [f"{label}: " + ", ".join(f"{name} ×{n:,}" for name, n in counts.most_common())
             for label, counts in (("YFCC100M", yfcc), ("declared by datasets", declared), ("Flickr now", now))
             if counts]
    return "; ".join(parts) or "none known"


def _photo_line(photo: PhotoHit) -> str:
    declared = ", ".join(_license_name(i) or "?" for i in photo.declared_license_ids) or "none"
    yfcc = f"YFCC100M license {_license_name(photo.yfcc_license_id)}" if photo.in_yfcc else "not in YFCC100M"
    now = ""
    if photo.flickr_status:
        now = f"; Flickr {photo.flickr_checked_at:%Y-%m-%d}: {photo.flickr_status}"
        if photo.flickr_license_id is not None:
            now += f" {_license_name(photo.flickr_license_id)}"
    where = ", ".join(photo.datasets) or "no dataset"
    return f"{photo.photo_id} in {where}: {yfcc}; declared license {declared}{now}"


# --- the lookup ---------------------------------------------------------------------------------

def lookup(con, query: str) -> LookupResult:
    text = (query or "").strip()
    if not text:
        return LookupResult(query=query, interpreted_as="nothing", detail="empty query")
    try:
        ref = parse_photo_ref(text)
    except FlickrUrlError:
        ref = None
    if ref is not None:
        return _lookup_photo(con, text, ref.photo_id, ref.form)
    if nsid := normalise_nsid(text):
        return _lookup_owners(con, text, "nsid", [Owner(nsid=nsid)], "NSID")
    if "://" in text or text.lower().startswith(("www.flickr.com/", "flickr.com/", "m.flickr.com/", "flic.kr/")):
        try:
            user = parse_flickr_url(text)
        except FlickrUrlError as exc:
            return LookupResult(query=query, interpreted_as="nothing", detail=str(exc))
        if user.owner_is_nsid:
            return _lookup_owners(con, text, "nsid", [Owner(nsid=user.owner)], "user URL (NSID)")
        return _lookup_owners(con, text, "alias", _owners_by_name(con, user.owner), "user URL (path alias)")
    return _lookup_owners(con, text, "name", _owners_by_name(con, text), "username, nickname or path alias")


def _owners_by_name(con, name: str) -> list[Owner]:
    """Accounts whose YFCC100M nickname, Flickr username/nickname or path alias is `name` (any case)."""
    rows = con.execute("""
        SELECT owner_nsid, any_value(owner_nickname) FROM yfcc_photos
        WHERE lower(owner_nickname) = lower(?) GROUP BY owner_nsid
        UNION
        SELECT owner_nsid, coalesce(any_value(nickname), any_value(username)) FROM uploaders
        WHERE lower(username) = lower(?) OR lower(path_alias) = lower(?) OR lower(nickname) = lower(?)
        GROUP BY owner_nsid
        ORDER BY 1""", [name, name, name, name]).fetchall()
    owners: dict[str, Owner] = {}
    for nsid, nickname in rows:
        owner = owners.setdefault(nsid, Owner(nsid=nsid))
        if nickname and nickname not in owner.nicknames:
            owner.nicknames.append(nickname)
    # A path alias that only a manifest names (FFHQ, Open Images) and nothing resolves to an NSID.
    alias_known = con.execute("SELECT count(*) FROM dataset_items WHERE lower(owner_ref) = lower(?)",
                              [name]).fetchone()[0]
    return list(owners.values()) + ([Owner(nsid=None, alias=name)] if alias_known else [])


_ITEM_COLUMNS = "dataset, version, photo_id, owner_ref, declared_license_id, declared_license_raw"
# Static SQL only; the owner's photo ids, NSIDs and aliases are bound as list parameters.
_ITEMS_OF_OWNER = f"""
    SELECT {_ITEM_COLUMNS} FROM dataset_items
    WHERE photo_id IN (SELECT unnest(?::BIGINT[])) OR owner_ref IN (SELECT unnest(?::VARCHAR[]))"""
_ITEMS_OF_OWNER_OR_ALIAS = _ITEMS_OF_OWNER + " OR lower(owner_ref) IN (SELECT unnest(?::VARCHAR[]))"


def _lookup_owners(con, query: str, kind: str, owners: list[Owner], what: str) -> LookupResult:
    nsids = [o.nsid for o in owners if o.nsid]
    aliases = [o.alias.lower() for o in owners if o.alias]
    # One scan of YFCC100M for the owners' photos; their licenses are reused for the hits below.
    yfcc_rows = con.execute(
        "SELECT owner_nsid, photo_id, license_id, owner_nickname FROM yfcc_photos "
        "WHERE owner_nsid IN (SELECT unnest(?::VARCHAR[]))", [nsids]).fetchall() if nsids else []
    by_nsid = {o.nsid: o for o in owners if o.nsid}
    for nsid, _photo_id, _license, nickname in yfcc_rows:
        owner = by_nsid[nsid]
        owner.yfcc_photos += 1
        if nickname and nickname not in owner.nicknames:
            owner.nicknames.append(nickname)
    known = {photo_id: (license_id, nsid) for nsid, photo_id, license_id, _ in yfcc_rows}
    params = [list(known), nsids] + ([aliases] if aliases else [])
    item_rows = con.execute(_ITEMS_OF_OWNER_OR_ALIAS if aliases else _ITEMS_OF_OWNER, params).fetchall()
    result = LookupResult(query=query, interpreted_as=kind, owners=owners)
    _fill_hits(con, result, item_rows, known)
    result.optouts = optouts_for(con, nsids, [p.photo_id for p in result.photos])
    result.detail = (f"{what}; {len(nsids)} account(s) with a known NSID"
                     if owners else f"{what}; no account with that name")
    return result


def _lookup_photo(con, query: str, photo_id: int, form: str) -> LookupResult:
    item_rows = con.execute("""
        SELECT dataset, version, photo_id, owner_ref, declared_license_id, declared_license_raw
        FROM dataset_items WHERE photo_id = ?""", [photo_id]).fetchall()
    result = LookupResult(query=query, interpreted_as="photo", photo_id=photo_id,
                          detail=f"photo {photo_id} (from {'a bare id' if form == 'id' else f'a {form} URL'})")
    _fill_hits(con, result, item_rows)
    owner = con.execute("SELECT owner_nsid, owner_nickname FROM yfcc_photos WHERE photo_id = ?", [photo_id]).fetchone()
    if owner:
        result.owners = [Owner(nsid=owner[0], nicknames=[owner[1]] if owner[1] else [],
                               yfcc_photos=con.execute("SELECT count(*) FROM yfcc_photos WHERE owner_nsid = ?",
                                                       [owner[0]]).fetchone()[0])]
        if not result.photos:  # in YFCC100M but in no dataset: still say what YFCC100M knows
            result.photos = _hits(con, {photo_id: {"datasets": [], "items": 0, "owner": owner[0],
                                                   "declared": set(), "raw": set()}})
    nsids = [o.nsid for o in result.owners if o.nsid]
    result.optouts = optouts_for(con, nsids, [photo_id])
    return result


def _fill_hits(con, result: LookupResult, item_rows: list[tuple], known: dict | None = None) -> None:
    per_dataset: dict[tuple[str, str], dict] = {}
    per_photo: dict[int, dict] = {}
    for dataset, version, photo_id, owner_ref, declared_id, declared_raw in item_rows:
        hit = per_dataset.setdefault((dataset, version), {"items": 0, "photos": set()})
        hit["items"] += 1
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
    result.datasets = [DatasetHit(d, v, h["items"], len(h["photos"]), sorted(h["photos"]))
                       for (d, v), h in sorted(per_dataset.items())]
    result.photos = _hits(con, per_photo, known)


def _hits(con, per_photo: dict[int, dict], known: dict | None = None) -> list[PhotoHit]:
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
    checks = {row[0]: row[1:] for row in con.execute("""
        SELECT photo_id, arg_max(status, checked_at), arg_max(license_id, checked_at), max(checked_at)
        FROM flickr_checks WHERE photo_id IN (SELECT unnest(?::BIGINT[])) GROUP BY photo_id""", [ids]).fetchall()}
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
