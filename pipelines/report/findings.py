"""What the report says in words: the lead (one sentence per derived dataset), the limits box, the
dataset profiles (catalogue entry + license-conflict flags) and the pool's facts.

Every sentence is computed from a report table; a finding names the tables it needs and says so
when one is missing instead of silently vanishing. YFCC100M is "the pool" the datasets were drawn
from, never counted as one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalog import entry_for
from .formatting import format_share
from .queries import TableResult

POOL = "YFCC100M"
# Every report table a sentence, a card, a metric or the trend is computed from. The build refuses to
# publish when one of these query files is missing (renamed or deleted) instead of dropping a finding.
FINDING_TABLES = (
    "overview_headline",
    "overview_sources",
    "overview_license_mix",
    "datasets_profile",
    "optouts_by_dataset",
    "optouts_status",
    "yfcc_uploaders",
    "yfcc_media",
    "enrichment_coverage",
    "quality_inputs",
    "quality_validation",
)
YFCC_RELEASED = (
    2014  # Yahoo Labs published YFCC100M (Thomee et al., "YFCC100M: The New Data in Multimedia Research")
)


def table(tables: list[TableResult], name: str) -> TableResult | None:
    return next((t for t in tables if t.name == name and t.status == "ok"), None)


def require(tables: list[TableResult], *names: str) -> list[str]:
    """Names of required tables that are absent from this build (a renamed file shows up here)."""
    known = {t.name for t in tables}
    return [n for n in names if n not in known]


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _pct(part: int, whole: int) -> str:
    return format_share(part / whole) if whole else "—"


@dataclass
class DatasetProfile:
    """One derived dataset: its figures (datasets_profile.sql), catalogue entry, opt-outs and flags."""

    name: str
    display_name: str
    figures: dict
    catalog: dict | None
    optouts: dict | None
    flags: list[dict]
    sentence: str

    @property
    def lead(self) -> str:
        return f"{self.display_name}: {self.sentence}"

    @property
    def title(self) -> str:
        return (self.catalog or {}).get("title") or self.name

    def as_dict(self) -> dict:
        return {
            "dataset": self.name,
            "title": self.title,
            "display_name": self.display_name,
            "figures": self.figures,
            "catalog": self.catalog,
            "optouts": self.optouts,
            "flags": self.flags,
            "sentence": self.sentence,
        }


def conflict_flags(figures: dict, catalog: dict | None, optouts: dict | None = None) -> list[dict]:
    """Where the dataset's own terms and its photos' licenses disagree, each with its count."""
    flags = []
    if not figures["auditable"]:
        released = (
            " although its own terms allow commercial use"
            if (catalog or {}).get("dataset_allows_commercial")
            else ""
        )
        return [
            {
                "kind": "unauditable",
                "severity": "warn",
                "text": f"{figures['items']:,} items carry no pointer back to Flickr: licenses and "
                f"photographers cannot be checked{released}",
            }
        ]
    forbid, known = figures["photos_forbid_commercial"], figures["photos_commercial_use_known"]
    allows = (catalog or {}).get("dataset_allows_commercial")
    if allows and forbid:
        flags.append(
            {
                "kind": "commercial_release_of_nc_photos",
                "severity": "bad",
                "count": forbid,
                "text": f"released for commercial use, but {forbid:,} of its {known:,} photos "
                f"({_pct(forbid, known)}) carry licenses that forbid commercial use",
            }
        )
    content = ((catalog or {}).get("content") or "").lower()
    nd = figures["photos_noderivs"]
    if nd and "face" in content and "crop" in content:
        flags.append(
            {
                "kind": "noderivs_in_face_crops",
                "severity": "bad",
                "count": nd,
                "text": f"{nd:,} NoDerivs photos ({_pct(nd, figures['photos_cc_licensed'])} of its "
                "CC-licensed photos) are distributed as face crops, an adaptation",
            }
        )
    if figures["photos_declared_more_rights"]:
        n = figures["photos_declared_more_rights"]
        flags.append(
            {
                "kind": "declares_more_rights",
                "severity": "bad",
                "count": n,
                "text": f"declares a license allowing commercial use for {n:,} photos that YFCC100M "
                "records as NonCommercial or All Rights Reserved",
            }
        )
    if figures["photos_sharealike_dropped"]:
        n = figures["photos_sharealike_dropped"]
        flags.append(
            {
                "kind": "sharealike_dropped",
                "severity": "bad",
                "count": n,
                "text": f"drops ShareAlike: declares a license without it for {n:,} photos "
                "YFCC100M records as ShareAlike",
            }
        )
    if optouts and optouts.get("requests_still_distributed"):
        still, asked = optouts["requests_still_distributed"], optouts["requests_before_version"]
        flags.append(
            {
                "kind": "optout_still_distributed",
                "severity": "bad",
                "count": still,
                "text": f"still distributes {still:,} of {asked:,} opt-out requests made before this version "
                "was ingested",
            }
        )
    if figures["photographer_credit"] == "none":
        flags.append(
            {
                "kind": "no_attribution",
                "severity": "bad",
                "count": figures["items"],
                "text": "ships no photographer credit with any item, although every Creative Commons "
                "license requires it",
            }
        )
    elif figures["photographer_credit"] == "some items":
        missing = figures["items"] - figures["items_with_author"]
        flags.append(
            {
                "kind": "partial_attribution",
                "severity": "warn",
                "count": missing,
                "text": f"ships no photographer credit with {missing:,} of its {figures['items']:,} items",
            }
        )
    return flags


def dataset_name(figures: dict, catalog: dict | None) -> str:
    title = (catalog or {}).get("title") or figures["dataset"]
    who = ", ".join(str(v) for v in ((catalog or {}).get("publisher"), (catalog or {}).get("year")) if v)
    return f"{title}, {who}" if who else title


def dataset_sentence(figures: dict, catalog: dict | None, optouts: dict | None) -> str:
    """One plain sentence a reader can quote (after the dataset's name and a colon)."""
    if not figures["auditable"]:
        return (
            f"its {_count(figures['items'], 'item')} carry no pointer back to Flickr, so their licenses and "
            "photographers cannot be audited."
        )
    known, forbid = figures["photos_commercial_use_known"], figures["photos_forbid_commercial"]
    parts = [
        (
            f"{_pct(forbid, known)} of its traceable photos forbid commercial use "
            f"({forbid:,} of the {known:,} whose license says)"
        )
    ]
    credit = figures["photographer_credit"]
    parts.append(
        {
            "none": "it credits no photographer",
            "every item": "it credits the photographer of every item",
            "some items": f"it credits the photographer of {figures['items_with_author']:,} of "
            f"{figures['items']:,} items",
        }[credit]
    )
    content = ((catalog or {}).get("content") or "").lower()
    if figures["photos_noderivs"] and "face" in content and "crop" in content:
        parts.append(
            f"{figures['photos_noderivs']:,} NoDerivs photos "
            f"({_pct(figures['photos_noderivs'], figures['photos_cc_licensed'])}) are cut into face crops"
        )
    if figures["photos_declared_more_rights"]:
        parts.append(
            f"it declares a commercial-use license for {figures['photos_declared_more_rights']:,} photos "
            "that YFCC100M records as forbidding it"
        )
    if figures["photos_sharealike_dropped"]:
        parts.append(f"it drops ShareAlike on {figures['photos_sharealike_dropped']:,}")
    if optouts and optouts.get("requests_before_version"):
        parts += _optout_parts(optouts)
    return "; ".join(parts) + "."


def _optout_parts(optouts: dict) -> list[str]:
    """Only a dataset that held what a request names can honour it (sql/reports/optouts_by_dataset.sql)."""
    still, asked = optouts["requests_still_distributed"] or 0, optouts["requests_before_version"]
    honoured = optouts.get("requests_honoured") or 0
    requests = f"opt-out request{'s' if asked != 1 else ''} made before the audited version"
    if still:
        return [
            f"it still distributes {'the' if still == asked else f'{still:,} of the'} {asked:,} {requests}"
        ]
    if honoured:
        return [f"it honours {'the' if honoured == asked else f'{honoured:,} of the'} {asked:,} {requests}"]
    return []  # it never held what the requests name: nothing to honour, nothing to say


def dataset_profiles(
    tables: list[TableResult], catalog_keys: dict[str, str] | None = None
) -> list[DatasetProfile]:
    profile = table(tables, "datasets_profile")
    if profile is None:
        return []
    by_dataset = table(tables, "optouts_by_dataset")
    optouts = {r["dataset"]: r for r in (by_dataset.records() if by_dataset else [])}
    found = []
    for figures in profile.records():
        name = figures["dataset"]
        entry = entry_for((catalog_keys or {}).get(name) or name)
        catalog = entry.as_dict() if entry else None
        found.append(
            DatasetProfile(
                name,
                dataset_name(figures, catalog),
                figures,
                catalog,
                optouts.get(name),
                conflict_flags(figures, catalog, optouts.get(name)),
                dataset_sentence(figures, catalog, optouts.get(name)),
            )
        )
    return found


def headline_facts(tables: list[TableResult], profiles: list[DatasetProfile] | None = None) -> dict:
    """The figures of the first screen, and one sentence that says what matters most."""
    facts = dict(headline.records()[0]) if (headline := table(tables, "overview_headline")) else {}
    if not facts.get("photos"):
        return {
            **facts,
            "text": "No photos ingested yet: run `ccaudit ingest yfcc` or `ccaudit ingest manifest`.",
        }
    profiles = profiles if profiles is not None else dataset_profiles(tables)
    derived = len(profiles)
    facts["derived_datasets"] = derived
    facts["derived_auditable"] = sum(1 for p in profiles if p.figures["auditable"])
    if not derived:
        share = facts.get("forbid_commercial_share")
        facts["text"] = (
            f"No derived dataset ingested yet; in the pool (YFCC100M), "
            f"{format_share(share) if share is not None else 'an unknown share'} of the "
            f"{facts.get('photos_commercial_use_known') or 0:,} photos whose license says forbid "
            "commercial use."
        )
        return facts
    no_credit = sum(1 for p in profiles if p.figures["photographer_credit"] == "none")
    auditable = [p for p in profiles if p.figures["auditable"]]
    mostly_nc = sum(1 for p in auditable if (p.figures["forbid_commercial_share"] or 0) > 0.5)
    if derived == 1:
        parts = [
            f"The one derived dataset {'credits no photographer' if no_credit else 'credits its photographers'}"
        ]
        if auditable:
            parts.append(
                f"{'most' if mostly_nc else 'a minority'} of its traceable photos carry licenses that "
                "forbid commercial use"
            )
    else:
        parts = [
            f"{no_credit} of {derived} derived datasets credit{'s' if no_credit == 1 else ''} no photographer"
        ]
        if auditable:
            parts.append(
                f"in {mostly_nc} of the {len(auditable)} that can be traced to Flickr, most photos carry "
                "licenses that forbid commercial use"
            )
    conflicts = sum(
        1
        for p in profiles
        if any(
            f["kind"] in ("declares_more_rights", "sharealike_dropped", "commercial_release_of_nc_photos")
            for f in p.flags
        )
    )
    if conflicts:
        parts.append(
            f"{conflicts} declare{'s' if conflicts == 1 else ''} licenses that conflict with the ones "
            "YFCC100M records"
        )
    facts["text"] = "; ".join(parts) + "."
    facts["derived_datasets"] = derived
    facts["derived_auditable"] = len(auditable)
    facts["derived_without_credit"] = no_credit
    return facts


def pool_sentence(tables: list[TableResult]) -> str | None:
    sources = table(tables, "overview_sources")
    pool = next((r for r in sources.records() if r["source"] == POOL), None) if sources else None
    headline = table(tables, "overview_headline")
    if pool is None:
        return None
    uploaders = table(tables, "yfcc_uploaders")
    accounts = f" from {uploaders.records()[0]['uploaders']:,} accounts" if uploaders else ""
    share = pool["forbid_commercial_share"]
    known = headline.records()[0].get("yfcc_photos_commercial_use_known") if headline else None
    of = f" of the {known:,} whose license says" if known is not None else ""
    return (
        f"The pool: YFCC100M as ingested holds {pool['photos']:,} photos and videos{accounts}; "
        f"{format_share(share) if share is not None else '—'}{of} forbid commercial use. "
        "It is the source the datasets were drawn from, not one of them."
    )


def snapshot_facts(tables: list[TableResult]) -> dict:
    """When the licenses were recorded: the YFCC100M snapshot, and Flickr re-checks where made."""
    facts = {
        "yfcc_released": YFCC_RELEASED,
        "yfcc_last_upload": None,
        "flickr_first_check": None,
        "flickr_last_check": None,
        "flickr_photos_checked": 0,
    }
    if headline := table(tables, "overview_headline"):
        row = headline.records()[0]
        last: Any = row.get("yfcc_last_upload")
        facts["yfcc_last_upload"] = last.isoformat()[:10] if hasattr(last, "isoformat") else last
    if coverage := table(tables, "enrichment_coverage"):
        rows = [r for r in coverage.records() if r.get("photos_checked")]
        firsts = [r["first_check"] for r in rows if r.get("first_check")]
        lasts = [r["last_check"] for r in rows if r.get("last_check")]
        facts["flickr_first_check"] = min(firsts).isoformat()[:10] if firsts else None
        facts["flickr_last_check"] = max(lasts).isoformat()[:10] if lasts else None
        facts["flickr_photos_checked"] = max((r["photos_checked"] for r in rows), default=0)
    return facts


def limits(snapshot: dict, synthetic: bool) -> list[str]:
    """The 'what this shows and does not show' box."""
    recorded = "Licenses are as YFCC100M recorded them when Yahoo compiled it"
    if snapshot.get("yfcc_last_upload"):
        recorded += (
            f" (photos uploaded up to {snapshot['yfcc_last_upload']}; released {snapshot['yfcc_released']})"
        )
    if snapshot.get("flickr_last_check"):
        recorded += (
            f", and for photos re-checked on Flickr, as Flickr showed them between "
            f"{snapshot['flickr_first_check']} and {snapshot['flickr_last_check']}"
        )
    else:
        recorded += "; no photo has been re-checked on Flickr yet, so later license changes are not shown"
    items = [
        (
            "It shows which licenses the photographers chose and whether each dataset's manifest carries the "
            "credit and license those licenses ask for."
        ),
        (
            "A NonCommercial or All Rights Reserved license is not proof of a violation: a dataset may have "
            "permission, may be used only non-commercially, or may rely on an exception such as research or "
            "text-and-data mining."
        ),
        recorded + ".",
        (
            "Datasets are audited from their published manifests: a credit shipped elsewhere is not seen, and "
            "items without a pointer back to Flickr cannot be checked at all."
        ),
        "This report describes licenses; it is not legal advice.",
    ]
    if synthetic:
        items.insert(0, "This edition is built from synthetic data: its numbers describe nobody.")
    return items


def more_findings(tables: list[TableResult], metrics: dict) -> list[str]:
    """Facts about the pool and the live re-check, after the lead."""
    found = []
    if uploaders := table(tables, "yfcc_uploaders"):
        row = uploaders.records()[0]
        found.append(
            f"In the pool, the top 1% of uploaders ({row['top_1pct_uploaders']:,} of {row['uploaders']:,} "
            f"accounts) contributed {format_share(row['top_1pct_share'])} of its photos and videos."
        )
    if media := table(tables, "yfcc_media"):
        items, geotagged = sum(media.column("items")), sum(media.column("geotagged"))
        if items:
            found.append(
                f"{format_share(geotagged / items)} of the pool's items ({geotagged:,} of {items:,}) carry "
                "a geotag that places where the picture was taken."
            )
    if flickr := metrics.get("flickr"):
        found.append(
            f"{flickr['gone_photos']:,} of {flickr['checked_photos']:,} photos re-checked on Flickr are "
            "gone (deleted, made private, or their account closed)."
        )
    if optouts := metrics.get("optouts"):
        found.append(
            f"Opt-out requests still not honoured by a dataset version published after them: "
            f"{optouts['still_distributed']:,} of {optouts['requests']:,}."
        )
    return found
