"""Synthetic dataset manifests drawn from a generated YFCC100M file, with known ground truth.

`generate_manifests` streams the YFCC file once (its own small reader: stdlib bz2/gzip + zstandard
and split('\\t'), independent of the ingest code), decides for every good photo row which datasets
take it (seeded, so the same file and seed give the same manifests), and writes:

- `clip_yfcc15m` (clip-subset): ~15% of photos;
- `dif` (csv, a DiF-like face list): mostly a subset of the CLIP photos, 1-2 faces per photo,
  photo URLs in every form (page, static, flic.kr, photo.gne);
- `megaface` (megaface-paths): the photos of ~1 in 8 uploaders, 1-3 faces per photo;
- `ffhq` (ffhq JSON, dict keyed by index): ~1% of CC BY / BY-NC / BY-SA photos, author and license
  per item, every 12th declaring a different license than YFCC100M;
- `fairface` (csv without any Flickr pointer): counted but not auditable.

Each auditable dataset also gets a few photo ids that are not in YFCC100M (two of them shared, so
overlap counts include them). The truth (items, distinct photos, matched, per-license, top
uploaders, geotagged, declared-license mismatches, pairwise overlaps) is counted while writing,
saved beside each manifest as `<manifest>.truth.json`, and returned in each ManifestSpec.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from urllib.parse import unquote_plus

from ..errors import InputError
from ..flickr.urls import encode_base58
from ..ingest.manifests.base import open_binary
from ..licenses import LICENSES, resolve_license

VERSION = "v1"
CLIP_SHARE = 0.15
DIF_SHARE_OF_CLIP = 0.20
DIF_SHARE_OUTSIDE_CLIP = 0.01
MEGAFACE_UPLOADER_SHARE = 8  # 1 in N uploaders
MEGAFACE_PHOTO_SHARE = 0.5
FFHQ_SHARE = 0.01
FFHQ_LICENSES = {4, 2, 5}
FFHQ_MISMATCH_EVERY = 12
FAIRFACE_ITEMS = 60
NOT_IN_YFCC_BASE = 50_000_000_000  # above every generated (and every YFCC100M) photo id
TOP_UPLOADERS = 10


@dataclass
class ManifestSpec:
    format: str
    dataset: str
    version: str
    paths: tuple[Path, ...]
    options: dict = field(default_factory=dict)
    truth: dict = field(default_factory=dict)
    truth_path: Path | None = None


@dataclass
class _Photo:
    photo_id: int
    line_no: int  # YFCC100M line number as published (0-based)
    photo_hash: str
    nsid: str
    nickname: str
    geotagged: bool
    page_url: str
    download_url: str
    license_id: int
    license_name: str
    license_url: str


class _Tally:
    """Truth for one dataset, counted per distinct photo."""

    def __init__(self) -> None:
        self.items = 0
        self.photos: set[int] = set()
        self.matched = 0
        self.licenses: Counter[int] = Counter()
        self.uploaders: Counter[str] = Counter()
        self.geotagged = 0
        self.declared: Counter[int] = Counter()
        self.mismatches = 0

    def add_yfcc(self, photo: _Photo, faces: int, declared: int | None = None) -> None:
        self.items += faces
        self.photos.add(photo.photo_id)
        self.matched += 1
        self.licenses[photo.license_id] += 1
        self.uploaders[photo.nsid] += 1
        self.geotagged += photo.geotagged
        if declared is not None:
            self.declared[declared] += 1
            self.mismatches += declared != photo.license_id

    def add_unmatched(
        self, photo_id: int, faces: int, declared: int | None = None, owner: str | None = None
    ) -> None:
        self.items += faces
        self.photos.add(photo_id)
        if owner:  # reports take the owner from the manifest where YFCC100M has no row
            self.uploaders[owner] += 1
        if declared is not None:
            self.declared[declared] += 1

    def as_dict(self, dataset: str, fmt: str) -> dict:
        top = sorted(self.uploaders.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_UPLOADERS]
        return {
            "dataset": dataset,
            "version": VERSION,
            "format": fmt,
            "items": self.items,
            "distinct_photos": len(self.photos),
            "matched_photos": self.matched,
            "unmatched_photos": len(self.photos) - self.matched,
            "matched_share": round(self.matched / len(self.photos), 6) if self.photos else None,
            "licenses": {str(k): v for k, v in sorted(self.licenses.items())},
            "commercial_use_allowed": sum(v for k, v in self.licenses.items() if LICENSES[k].commercial_use),
            "uploaders": len(self.uploaders),
            "photos_with_owner": sum(self.uploaders.values()),
            "top_uploaders": [list(kv) for kv in top],
            "geotagged_photos": self.geotagged,
            "declared_licenses": {str(k): v for k, v in sorted(self.declared.items())},
            "declared_license_mismatches": self.mismatches,
        }


# --- reading the YFCC file back (independent of pipelines.ingest.yfcc) ------------------------


def _known_bad_lines(yfcc_path: Path) -> set[int]:
    truth_path = yfcc_path.with_name(yfcc_path.name + ".truth.json")
    if not truth_path.exists():
        return set()
    truth = json.loads(truth_path.read_text())
    return {n for numbers in truth.get("bad_line_numbers", {}).values() for n in numbers}


_Row = tuple  # (23 fields, YFCC line number, photo hash, license id): a good row, not yet decoded


def _good_rows(yfcc_path: Path, include_videos: bool = False) -> Iterator[_Row]:
    """Rows that a correct ingest keeps (malformed lines skipped), photos only unless asked."""
    bad = _known_bad_lines(yfcc_path)
    seen: set[int] = set()
    licenses: dict[tuple[str, str], int | None] = {}
    with open_binary(yfcc_path) as handle:
        for physical, raw in enumerate(handle, start=1):
            if physical in bad:
                continue
            try:
                f = raw.rstrip(b"\r\n").decode("utf-8").split("\t")
            except UnicodeDecodeError:
                continue
            if len(f) == 25:
                line_no = int(f[0]) if f[0].isdigit() else physical - 1
                photo_hash, f = f[2], [f[1]] + f[3:]
            elif len(f) == 23:
                line_no, photo_hash = physical - 1, ""
            else:
                continue
            # 23-field layout: 0 id, 1 nsid, 2 nickname, 10 lon, 11 lat, 13 page, 14 download,
            # 15 license name, 16 license url, 22 marker (0 photo, 1 video)
            if not f[0].isdigit() or (f[22] != "0" and not include_videos):
                continue
            pair = (f[15], f[16])
            if pair not in licenses:
                licenses[pair] = resolve_license(unquote_plus(f[15]), f[16])[0]
            photo_id = int(f[0])
            if licenses[pair] is None or photo_id in seen:
                continue
            seen.add(photo_id)
            yield f, line_no, photo_hash, licenses[pair]


def _photo(row: _Row) -> _Photo:
    f, line_no, photo_hash, license_id = row
    return _Photo(
        photo_id=int(f[0]),
        line_no=line_no,
        photo_hash=photo_hash,
        nsid=f[1],
        nickname=unquote_plus(f[2]),
        geotagged=bool(f[10] and f[11]),
        page_url=f[13],
        download_url=f[14],
        license_id=license_id,
        license_name=unquote_plus(f[15]),
        license_url=f[16],
    )


def _good_photos(yfcc_path: Path, include_videos: bool = False) -> Iterator[_Photo]:
    """Decoded good rows (used by the tests to compute expectations independently of the ingest)."""
    return map(_photo, _good_rows(yfcc_path, include_videos))


# --- writers ------------------------------------------------------------------------------------


class _Writers:
    def __init__(self, out_dir: Path):
        out_dir.mkdir(parents=True, exist_ok=True)
        self.paths = {
            "clip_yfcc15m": out_dir / "clip_yfcc15m_subset_data.tsv",
            "dif": out_dir / "dif_faces.csv",
            "megaface": out_dir / "megaface_mf2_paths.txt",
            "ffhq": out_dir / "ffhq-dataset-v2.json",
            "fairface": out_dir / "fairface_label_val.csv",
        }
        self.files = {name: path.open("w", encoding="utf-8", newline="") for name, path in self.paths.items()}
        self.files["dif"].write("face_id,url,face_box\n")
        self.files["ffhq"].write("{")
        self.dif_faces = 0
        self.ffhq_items = 0
        self.url_forms = 0

    def clip(self, photo_id: int, line_no: int, photo_hash: str) -> None:
        self.files["clip_yfcc15m"].write(f"{line_no}\t{photo_id}\t{photo_hash}\n")

    def dif(self, photo_id: int, faces: int, page_url: str | None, download_url: str | None) -> None:
        for _ in range(faces):
            self.dif_faces += 1
            forms = [u for u in (page_url, download_url) if u] + [
                f"https://flic.kr/p/{encode_base58(photo_id)}",
                f"https://www.flickr.com/photo.gne?id={photo_id}",
            ]
            url = forms[self.url_forms % len(forms)]
            self.url_forms += 1
            self.files["dif"].write(
                f'dif-{self.dif_faces:07d},{url},"{self.dif_faces % 97},{self.dif_faces % 89},64,64"\n'
            )

    def megaface(self, nsid: str, photo_id: int, faces: int) -> None:
        identity = photo_id % 3
        for face in range(faces):
            self.files["megaface"].write(f"{nsid}_identity_{identity}/{photo_id}_{face}.jpg\n")

    def ffhq(self, photo_url: str, author: str, license_id: int) -> None:
        lic = LICENSES[license_id]
        item = {
            "category": "training",
            "metadata": {
                "photo_url": photo_url,
                "photo_title": f"photo {self.ffhq_items}",
                "author": author,
                "country": "",
                "license": lic.name_before_2025 or lic.name,
                "license_url": lic.url,
                "date_uploaded": "2010-01-01",
                "date_crawled": "2018-10-10",
            },
            "image": {
                "file_url": f"https://example.invalid/{self.ffhq_items:05d}.png",
                "file_path": f"images1024x1024/{self.ffhq_items // 1000:02d}000/{self.ffhq_items:05d}.png",
                "file_size": 1000 + self.ffhq_items,
                "face_landmarks": [[100.5, 200.25]] * 4,
            },
        }
        sep = "" if self.ffhq_items == 0 else ","
        self.files["ffhq"].write(f'{sep}\n  "{self.ffhq_items}": {json.dumps(item)}')
        self.ffhq_items += 1

    def fairface(self, count: int) -> None:
        ages = ("3-9", "20-29", "30-39", "50-59")
        self.files["fairface"].write("file,age,gender,race,service_test\n")
        for i in range(1, count + 1):
            self.files["fairface"].write(
                f"fairface/val/{i}.jpg,{ages[i % 4]},{'Male' if i % 2 else 'Female'},"
                f"White,{'True' if i % 3 else 'False'}\n"
            )

    def close(self) -> None:
        self.files["ffhq"].write("\n}\n")
        for handle in self.files.values():
            handle.close()


# --- entry point --------------------------------------------------------------------------------


def generate_manifests(yfcc_path: Path, out_dir: Path, seed: int = 0) -> list[ManifestSpec]:
    """Write five synthetic manifests drawn from `yfcc_path` into `out_dir`; return specs with truth."""
    yfcc_path, out_dir = Path(yfcc_path), Path(out_dir)
    if not yfcc_path.is_file():
        raise InputError(f"YFCC100M file {yfcc_path} does not exist")
    rng = random.Random(f"ccaudit-manifests-{seed}")
    tallies = {name: _Tally() for name in ("clip_yfcc15m", "dif", "megaface", "ffhq")}
    pairs: Counter[tuple[str, str]] = Counter()
    writers = _Writers(out_dir)
    try:
        megaface_uploaders: dict[str, bool] = {}
        for row in _good_rows(yfcc_path):
            members = _draw(rng, row, seed, tallies, writers, megaface_uploaders)
            for a, b in combinations(sorted(members), 2):
                pairs[(a, b)] += 1
        _add_photos_not_in_yfcc(tallies, writers, pairs)
        writers.fairface(FAIRFACE_ITEMS)
    finally:
        writers.close()
    if tallies["clip_yfcc15m"].items == 0:
        raise InputError(f"{yfcc_path}: no usable photo rows to draw manifests from")
    return _specs(tallies, pairs, writers)


def _draw(
    rng: random.Random,
    row: _Row,
    seed: int,
    tallies: dict[str, _Tally],
    writers: _Writers,
    megaface_uploaders: dict[str, bool],
) -> list[str]:
    # Draw every number for every row, so one dataset's choice never shifts another's sequence.
    u_clip, u_dif, u_mf, u_ffhq, u_faces = (
        rng.random(),
        rng.random(),
        rng.random(),
        rng.random(),
        rng.random(),
    )
    nsid, license_id = row[0][1], row[3]
    if nsid not in megaface_uploaders:
        megaface_uploaders[nsid] = _megaface_uploader(nsid, seed)
    in_clip = u_clip < CLIP_SHARE
    in_dif = u_dif < (DIF_SHARE_OF_CLIP if in_clip else DIF_SHARE_OUTSIDE_CLIP)
    in_megaface = megaface_uploaders[nsid] and u_mf < MEGAFACE_PHOTO_SHARE
    in_ffhq = license_id in FFHQ_LICENSES and u_ffhq < FFHQ_SHARE
    if not (in_clip or in_dif or in_megaface or in_ffhq):
        return []
    photo = _photo(row)  # decode only the rows some dataset takes
    members = []
    if in_clip:
        writers.clip(photo.photo_id, photo.line_no, photo.photo_hash)
        tallies["clip_yfcc15m"].add_yfcc(photo, 1)
        members.append("clip_yfcc15m")
    if in_dif:
        faces = 1 + (u_faces < 0.3)
        writers.dif(photo.photo_id, faces, photo.page_url, photo.download_url)
        tallies["dif"].add_yfcc(photo, faces)
        members.append("dif")
    if in_megaface:
        faces = 1 + int(u_faces * 3)
        writers.megaface(photo.nsid, photo.photo_id, faces)
        tallies["megaface"].add_yfcc(photo, faces)
        members.append("megaface")
    if in_ffhq:
        declared = photo.license_id
        if writers.ffhq_items % FFHQ_MISMATCH_EVERY == FFHQ_MISMATCH_EVERY - 1:
            declared = 2 if photo.license_id == 4 else 4  # BY-NC declared for a BY photo, BY for the others
        writers.ffhq(photo.page_url, photo.nickname, declared)
        tallies["ffhq"].add_yfcc(photo, 1, declared)
        members.append("ffhq")
    return members


def _megaface_uploader(nsid: str, seed: int) -> bool:
    digest = hashlib.sha256(f"{seed}:{nsid}".encode()).digest()
    return digest[0] % MEGAFACE_UPLOADER_SHARE == 0


def _add_photos_not_in_yfcc(tallies: dict[str, _Tally], writers: _Writers, pairs: Counter) -> None:
    """A few photos from outside YFCC100M: 2 shared by clip and dif, others per dataset."""
    shared = [NOT_IN_YFCC_BASE + 1, NOT_IN_YFCC_BASE + 2]
    for photo_id in shared:
        writers.clip(photo_id, 0, "")
        tallies["clip_yfcc15m"].add_unmatched(photo_id, 1)
        writers.dif(photo_id, 1, None, None)
        tallies["dif"].add_unmatched(photo_id, 1)
        pairs[("clip_yfcc15m", "dif")] += 1
    writers.clip(NOT_IN_YFCC_BASE + 3, 0, "")
    tallies["clip_yfcc15m"].add_unmatched(NOT_IN_YFCC_BASE + 3, 1)
    for k in range(2):
        photo_id = NOT_IN_YFCC_BASE + 10 + k
        writers.megaface("99999999@N00", photo_id, 2)
        tallies["megaface"].add_unmatched(photo_id, 2, owner="99999999@N00")
    for k in range(2):
        photo_id = NOT_IN_YFCC_BASE + 20 + k
        writers.ffhq(f"https://www.flickr.com/photos/not_in_yfcc_{k}/{photo_id}/", f"Outside {k}", 10)
        tallies["ffhq"].add_unmatched(photo_id, 1, 10, owner=f"not_in_yfcc_{k}")


def _specs(tallies: dict[str, _Tally], pairs: Counter, writers: _Writers) -> list[ManifestSpec]:
    overlaps = {f"{a}|{b}": n for (a, b), n in sorted(pairs.items())}
    formats = {
        "clip_yfcc15m": ("clip-subset", {}),
        "dif": ("csv", {"url_column": "url"}),
        "megaface": ("megaface-paths", {}),
        "ffhq": ("ffhq", {}),
    }
    specs = []
    for name, (fmt, options) in formats.items():
        truth = tallies[name].as_dict(name, fmt)
        truth["overlaps"] = {k: v for k, v in overlaps.items() if name in k.split("|")}
        specs.append(_spec(fmt, name, writers.paths[name], options, truth))
    fairface_truth = {
        "dataset": "fairface",
        "version": VERSION,
        "format": "csv",
        "items": FAIRFACE_ITEMS,
        "auditable": False,
        "distinct_photos": 0,
    }
    specs.append(_spec("csv", "fairface", writers.paths["fairface"], {}, fairface_truth))
    return specs


def _spec(fmt: str, dataset: str, path: Path, options: dict, truth: dict) -> ManifestSpec:
    truth.setdefault("auditable", True)
    truth_path = path.with_name(path.name + ".truth.json")
    truth_path.write_text(json.dumps(truth, indent=1) + "\n")
    return ManifestSpec(
        format=fmt,
        dataset=dataset,
        version=VERSION,
        paths=(path,),
        options=options,
        truth=truth,
        truth_path=truth_path,
    )
