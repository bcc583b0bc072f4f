"""What a lookup answers, and how it is written: text (one line per fact) and the --json shape.

The dataclasses are filled by answer.py; nothing here reads the database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ..catalog import NO_REMOVAL_ROUTE
from ..optout import OptOut
from ..textsafe import escape_controls, escape_fields
from .removal import request_text
from .standing import Standing, standing_lines
from .words import NO_DECLARED_LICENSE, dataset_label, license_name, license_phrase, license_terms

TEXT_PHOTO_LIMIT = 25
POOL = "YFCC100M"


@dataclass
class DatasetHit:
    dataset: str
    version: str
    items: int
    photos: int
    photo_ids: list[int]
    catalog: dict = field(default_factory=dict)  # the catalogue entry (removal route) or NO_REMOVAL_ROUTE
    declared_license_ids: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The dataset's name as a reader knows it ('IBM Diversity in Faces (DiF), version v1')."""
        return dataset_label(self.dataset, self.version, self.catalog)

    @property
    def named(self) -> str:
        """The label, with the name the database stores it under when that differs (for SQL readers)."""
        stored = f"{self.dataset} {self.version}"
        return self.label if self.label == stored else f"{self.label} (stored as {stored})"


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

    nsid: str | None  # None for a path alias that only a manifest names
    path_alias: str | None = None
    names: list[str] = field(default_factory=list)
    pool_photos: int = 0  # photos by this account in YFCC100M
    datasets: list[DatasetHit] = field(default_factory=list)
    photos: list[PhotoHit] = field(default_factory=list)
    optouts: list[OptOut] = field(default_factory=list)
    standings: list[list[Standing]] = field(default_factory=list)  # one list per opt-out, same order
    first_upload: datetime | None = None  # of its YFCC100M photos: something the person recognises
    last_upload: datetime | None = None

    @property
    def link_owner(self) -> str | None:
        return self.nsid or self.path_alias

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
    query: str  # the reference as written
    interpreted_as: str  # photo, nsid, alias, name, nothing, error
    detail: str = ""  # what it was read as, or why it could not be read
    error: str | None = None
    accounts: list[Account] = field(default_factory=list)
    photo_id: int | None = None
    datasets: list[DatasetHit] = field(default_factory=list)  # photo answers: the datasets holding it
    photos: list[PhotoHit] = field(default_factory=list)  # photo answers: the photo itself
    optouts: list[OptOut] = field(default_factory=list)
    standings: list[list[Standing]] = field(default_factory=list)

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
        """The --json shape (documented in docs/lookup.md, "ccaudit lookup --json")."""
        data: dict[str, Any] = {
            "input": self.query,
            "read_as": self.interpreted_as,
            "detail": self.detail,
            "error": self.error,
            "found": self.found,
            "opted_out": self.opted_out,
            "photo": None,
            "accounts": [_account_dict(a) for a in self.accounts],
        }
        if self.photo_id is not None:
            photo = self.photos[0] if self.photos else None
            data["photo"] = {
                "photo_id": self.photo_id,
                "owner": photo.owner if photo else None,
                "pool": {
                    "name": POOL,
                    "in_pool": bool(photo and photo.in_yfcc),
                    "license": _license_name(photo.yfcc_license_id) if photo else None,
                    "license_terms": license_terms(photo.yfcc_license_id) if photo else None,
                },
                "datasets": [_dataset_dict(d) for d in self.datasets],
                "items_in_datasets": sum(d.items for d in self.datasets),
                "flickr_check": _check_dict(photo) if photo else None,
                "optouts": _optouts_dicts(self.optouts, self.standings),
            }
        return data

    def removal_requests(self) -> list[dict]:
        """One ready-to-send request per dataset version holding the account's (or the photo's) photos."""
        out = []
        if self.photo_id is not None:
            # the photo's own link (search.html cannot know its owner, and the link names it anyway)
            for hit in self.datasets:
                out.append(_request(hit, "named in the links below", None, [self.photo_id]))
        for account in self.accounts:
            for hit in account.datasets:
                if hit.photo_ids:
                    out.append(_request(hit, account.link_owner or "?", account.link_owner, hit.photo_ids))
        return out

    def as_text(self, removal: bool = False) -> str:
        lines = [f"{self.query!r}: {self.detail}"]
        if self.error:
            return lines[0]
        if self.photo_id is not None:
            lines += self._photo_lines()
        elif not self.accounts:
            lines.append("  not found: no account by that name or id is in the pool or in any dataset")
        else:
            if len(self.accounts) > 1:
                lines.append(
                    f"  {len(self.accounts)} different accounts match; each is shown on its own, "
                    "never added up"
                )
            for number, account in enumerate(self.accounts, 1):
                prefix = (
                    f"account {number} of {len(self.accounts)}: " if len(self.accounts) > 1 else "account "
                )
                lines += _account_lines(account, prefix)
        if removal:
            for request in self.removal_requests():
                lines += [
                    "",
                    f"--- removal request: {request['dataset']} ---",
                    request["text"].rstrip("\n"),
                    f"--- end of the request to {request['dataset']} ---",
                ]
        return "\n".join(lines)

    def _photo_lines(self) -> list[str]:
        photo = self.photos[0] if self.photos else None
        lines = []
        if photo and photo.owner:
            lines.append(f"  uploader: {photo.owner}")
        if photo and photo.in_yfcc:
            lines.append(f"  pool ({POOL}): yes, license {license_phrase(photo.yfcc_license_id)}")
        else:
            lines.append(f"  pool ({POOL}): not in it")
        if not self.datasets:
            lines.append("  derived datasets: in none")
        else:
            items = sum(d.items for d in self.datasets)
            lines.append(
                f"  derived datasets: in {len(self.datasets)} dataset version(s), {items:,} item(s):"
            )
            for hit in self.datasets:
                declared = ", ".join(_license_name(i) or "?" for i in hit.declared_license_ids)
                declared = f"it states the license {declared}" if declared else NO_DECLARED_LICENSE
                lines.append(f"    {hit.named}: {hit.items:,} item(s); {declared}")
                lines.append(f"      removal: {_removal(hit)}")
        if photo and photo.flickr_status:
            now = photo.flickr_status + (
                f", {_license_name(photo.flickr_license_id)}" if photo.flickr_license_id is not None else ""
            )
            lines.append(f"  Flickr at the latest check ({photo.flickr_checked_at:%Y-%m-%d}): {now}")
        lines += _optout_lines(self.optouts, self.standings, self.found)
        return lines


def _account_lines(account: Account, prefix: str) -> list[str]:
    names = f" (known as {', '.join(account.names)})" if account.names else ""
    uploads = (
        f", uploaded {account.first_upload:%Y-%m-%d} to {account.last_upload:%Y-%m-%d}"
        if account.first_upload and account.last_upload
        else ""
    )
    lines = [
        f"  {prefix}{account.label}{names}",
        f"    pool ({POOL}): {account.pool_photos:,} photo(s){uploads}",
    ]
    if not account.datasets:
        lines.append("    derived datasets: in none")
    else:
        lines.append(
            f"    derived datasets: {len(account.photos):,} photo(s), {account.items_in_datasets:,} item(s) "
            f"in {len(account.datasets)} dataset version(s):"
        )
        for hit in account.datasets:
            lines.append(f"      {hit.named}: {hit.photos:,} photo(s), {hit.items:,} item(s)")
            lines.append(f"        removal: {_removal(hit)}")
        lines.append("    licenses: " + _license_summary(account.photos))
        shown = min(len(account.photos), TEXT_PHOTO_LIMIT)
        lines.append(f"    photos (first {shown} of {len(account.photos):,}):")
        labels = {f"{d.dataset} {d.version}": d.label for d in account.datasets}
        lines += ["      " + _photo_line(photo, labels) for photo in account.photos[:TEXT_PHOTO_LIMIT]]
    lines += ["  " + line for line in _optout_lines(account.optouts, account.standings, account.found)]
    return lines


def _optout_lines(optouts: list[OptOut], standings: list[list[Standing]], found: bool) -> list[str]:
    if not optouts:
        return ["  no opt-out recorded"] if found else []
    lines = []
    for optout, entries in zip(optouts, standings or [[]] * len(optouts), strict=True):
        lines.append(
            f"  opt-out recorded: {optout.kind} {optout.value} on {optout.requested_at:%Y-%m-%d}"
            + (f" ({optout.note})" if optout.note else "")
        )
        lines += ["    " + line for line in standing_lines(entries)]
        if not entries:
            lines.append("    no dataset version holds these photos")
    return lines


def _request(hit: DatasetHit, account: str, owner: str | None, photo_ids: list[int]) -> dict:
    return {
        "dataset": hit.label,
        "dataset_key": hit.dataset,
        "version": hit.version,
        "photo_ids": photo_ids,
        "text": request_text(hit.catalog, hit.label, account, owner, photo_ids),
    }


def _optouts_dicts(optouts: list[OptOut], standings: list[list[Standing]]) -> list[dict]:
    out = []
    for optout, entries in zip(optouts, standings or [[]] * len(optouts), strict=True):
        data = optout.as_dict()
        data["datasets"] = [
            {
                "dataset": s.label,
                "dataset_key": s.dataset,
                "version": s.version,
                "items": s.items,
                "state": s.state,
            }
            for s in entries
        ]
        out.append(data)
    return out


def _removal(hit: DatasetHit) -> str:
    catalog = hit.catalog or {}
    route = catalog.get("removal_route") or NO_REMOVAL_ROUTE
    who = ", ".join(str(x) for x in (catalog.get("publisher"), catalog.get("home_page")) if x)
    return route + (f" [{who}]" if who else "")


_license_name = license_name


def _license_summary(photos: list[PhotoHit]) -> str:
    """e.g. 'YFCC100M: CC BY-NC 2.0 ×12, CC BY 2.0 ×3; declared: CC BY 2.0 ×2; Flickr now: not_found ×1'."""
    yfcc = Counter(_license_name(p.yfcc_license_id) for p in photos if p.in_yfcc)
    declared = Counter(_license_name(i) for p in photos for i in p.declared_license_ids)
    now = Counter(
        p.flickr_status if p.flickr_license_id is None else _license_name(p.flickr_license_id)
        for p in photos
        if p.flickr_status
    )
    parts = [
        f"{label}: " + ", ".join(f"{name} ×{n:,}" for name, n in counts.most_common())
        for label, counts in ((POOL, yfcc), ("declared by datasets", declared), ("Flickr now", now))
        if counts
    ]
    return "; ".join(parts) or "none known"


def _photo_line(photo: PhotoHit, names: dict[str, str]) -> str:
    declared = ", ".join(_license_name(i) or "?" for i in photo.declared_license_ids)
    declared = f"datasets state {declared}" if declared else NO_DECLARED_LICENSE
    yfcc = f"{POOL} license {license_phrase(photo.yfcc_license_id)}" if photo.in_yfcc else f"not in {POOL}"
    now = ""
    if photo.flickr_status:
        now = f"; Flickr {photo.flickr_checked_at:%Y-%m-%d}: {photo.flickr_status}"
        if photo.flickr_license_id is not None:
            now += f" {_license_name(photo.flickr_license_id)}"
    where = "; ".join(names.get(d, d) for d in photo.datasets) or "no dataset"
    return f"{photo.photo_id} in {where} ({photo.items} item(s)): {yfcc}; {declared}{now}"


def _photo_dict(photo: PhotoHit) -> dict:
    data = asdict(photo)
    data["yfcc_license"] = _license_name(photo.yfcc_license_id)
    data["yfcc_license_terms"] = license_terms(photo.yfcc_license_id)
    data["declared_licenses"] = [_license_name(i) for i in photo.declared_license_ids]
    data["flickr_license"] = _license_name(photo.flickr_license_id)
    return data


def _dataset_dict(hit: DatasetHit) -> dict:
    return {
        "dataset": hit.dataset,
        "version": hit.version,
        "name": hit.label,
        "items": hit.items,
        "photos": hit.photos,
        "declared_licenses": [_license_name(i) for i in hit.declared_license_ids],
        "catalog": hit.catalog,
        "removal_route": hit.catalog.get("removal_route") or NO_REMOVAL_ROUTE,
    }


def _account_dict(account: Account) -> dict:
    return {
        "nsid": account.nsid,
        "path_alias": account.path_alias,
        "names": account.names,
        "pool": {"name": POOL, "photos": account.pool_photos},
        "first_upload": account.first_upload.date().isoformat() if account.first_upload else None,
        "last_upload": account.last_upload.date().isoformat() if account.last_upload else None,
        "photos_in_datasets": len(account.photos),
        "items_in_datasets": account.items_in_datasets,
        "datasets": [_dataset_dict(d) for d in account.datasets],
        "photos": [_photo_dict(p) for p in account.photos],
        "opted_out": bool(account.optouts),
        "optouts": _optouts_dicts(account.optouts, account.standings),
    }


def _check_dict(photo: PhotoHit) -> dict | None:
    if not photo.flickr_status:
        return None
    return {
        "checked_at": photo.flickr_checked_at.isoformat() if photo.flickr_checked_at else None,
        "status": photo.flickr_status,
        "license": _license_name(photo.flickr_license_id),
    }


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

    def as_dict(self, removal: bool = False) -> dict:
        answers = []
        for answer in self.answers:
            data = answer.as_dict()
            if removal:
                data["removal_requests"] = answer.removal_requests()
            answers.append(data)
        return {
            "format": "ccaudit-lookup/1",
            "found": self.found,
            "errors": len(self.errors),
            "answers": answers,
        }

    def as_text(self, removal: bool = False) -> str:
        # Every field is escaped before the lines are built, so a nickname or note holding a newline
        # cannot forge a line of its own.
        return "\n\n".join(escape_fields(a).as_text(removal) for a in self.answers if not a.error)

    def error_lines(self) -> list[str]:
        return [escape_controls(f"ccaudit: error: cannot read {a.query!r}: {a.error}") for a in self.errors]
