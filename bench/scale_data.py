"""Inputs for `python -m bench.scale`: YFCC100M rows as zstd, and manifests at the real datasets' proportions.

The YFCC file comes from the project's generator (`ccaudit generate yfcc OUT.tsv.zst`, run as a
subprocess so its memory is its own). The manifests are drawn from that file in one streamed pass
(zstandard reader, a line at a time: nothing proportional to the row count is held), each in the
real file format its `ingest manifest --format` adapter reads, in the sizes the real datasets have
per 100M YFCC100M rows (shared/research/manifests-and-anchors.md), scaled by rows/100M with a floor
so that tiny runs still have items:

    clip_yfcc15m  clip-subset     14,829,396 lines (OpenAI's YFCC15M list)
    dif           csv (url)       ~1,000,000 faces, one per photo (IBM DiF; its format is not public)
    megaface      megaface-paths  4,753,320 faces from 3,311,471 photos of 48,383 accounts (MF2)
    ffhq          ffhq            70,000 (CC BY / BY-NC photos, author and license per item)
    pipa          pipa            63,188 instances from 37,107 photos
    flickr30k     flickr30k       31,783 photo ids
    coco          coco            ~100,000 Flickr CC images (Harvey's count of COCO's Flickr part)

Every dataset photo is a photo row of the YFCC file (videos are never drawn), chosen by a seeded
draw per row, so the same file and seed give the same manifests.
"""

from __future__ import annotations

import io
import json
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_plus

import zstandard

from pipelines.flickr.urls import encode_base58
from pipelines.licenses import LICENSES, resolve_license

FULL_ROWS = 100_000_000
FLOOR_PHOTOS = 40  # the least photos a dataset gets, however small the run

# Photos per 100M rows (faces/items per photo apart).
PHOTOS_AT_100M = {
    "clip_yfcc15m": 14_829_396,
    "dif": 1_000_000,
    "megaface": 3_311_471,
    "ffhq": 70_000,
    "pipa": 37_107,
    "flickr30k": 31_783,
    "coco": 100_000,
}
MEGAFACE_ACCOUNT_SHARE = 48_383 / 581_099  # MF2's accounts among YFCC100M's uploaders
MEGAFACE_FACES = (0.65, 0.92)  # 1, 2 or 3 faces: 1.43 per photo, as 4,753,320 / 3,311,471
PIPA_INSTANCES = 63_188 / 37_107
FFHQ_LICENSES = (4, 2)  # FFHQ took CC BY / BY-NC (and PDM, CC0, US-Gov: not in YFCC100M)
FFHQ_LICENSE_SHARE = (17_347_647 + 12_777_173) / FULL_ROWS  # YFCC100M's rows under those two
COCO_LICENSES = range(1, 9)  # COCO's licenses[] ids 1-8 are Flickr's
FORMATS = {
    "clip_yfcc15m": ("clip-subset", "clip_yfcc15m_subset_data.tsv", []),
    "dif": ("csv", "dif_faces.csv", ["--url-column", "url"]),
    "megaface": ("megaface-paths", "megaface_mf2_paths.txt", []),
    "ffhq": ("ffhq", "ffhq-dataset-v2.json", []),
    "pipa": ("pipa", "pipa_all_data.txt", []),
    "flickr30k": ("flickr30k", "flickr30k_ids.txt", []),
    "coco": ("coco", "captions_coco.json", []),
}


@dataclass
class Manifest:
    dataset: str
    format: str
    path: Path
    flags: list[str]
    items: int = 0
    photos: int = 0

    def cli_args(self) -> list[str]:
        return [
            "ingest",
            "manifest",
            "--format",
            self.format,
            "--dataset",
            self.dataset,
            "--version",
            "scale",
            *self.flags,
            str(self.path),
        ]


def photo_share(dataset: str, rows: int) -> float:
    """Probability that a photo row joins `dataset`: the real size per 100M rows, at least the floor."""
    share = PHOTOS_AT_100M[dataset] / FULL_ROWS
    within = {"megaface": MEGAFACE_ACCOUNT_SHARE, "ffhq": FFHQ_LICENSE_SHARE}.get(dataset, 1.0)
    # megaface draws within MF2's accounts only, ffhq within the rows under its licenses
    return min(1.0, max(share, FLOOR_PHOTOS / max(rows, 1)) / within)


def _rows(yfcc: Path) -> Iterator[list[str]]:
    """The 25 fields of every line of a generated .tsv.zst (the generator writes no malformed lines here)."""
    with yfcc.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
        for line in io.TextIOWrapper(reader, encoding="utf-8", newline="\n"):
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 25 and fields[24] == "0":  # photos only: no dataset here holds videos
                yield fields


class _Writers:
    """One open file per manifest; the JSON ones (FFHQ, COCO) are written element by element."""

    def __init__(self, out: Path):
        out.mkdir(parents=True, exist_ok=True)
        self.manifests = {
            name: Manifest(name, fmt, out / file, flags) for name, (fmt, file, flags) in FORMATS.items()
        }
        self.files = {
            name: m.path.open("w", encoding="utf-8", newline="") for name, m in self.manifests.items()
        }
        self.files["dif"].write("face_id,url,face_box\n")
        self.files["ffhq"].write("{")
        licenses = [
            {"url": LICENSES[i].url, "id": i, "name": LICENSES[i].name_before_2025 or LICENSES[i].name}
            for i in COCO_LICENSES
        ]
        self.files["coco"].write(
            '{"info": {"description": "bench.scale synthetic COCO"}, "licenses": '
            + json.dumps(licenses)
            + ', "images": ['
        )

    def add(self, name: str, text: str, items: int = 1) -> None:
        manifest = self.manifests[name]
        self.files[name].write(text)
        manifest.items += items
        manifest.photos += 1

    def close(self) -> list[Manifest]:
        self.files["ffhq"].write("\n}\n")
        self.files["coco"].write('\n], "annotations": []}\n')
        for handle in self.files.values():
            handle.close()
        return list(self.manifests.values())


def _ffhq_item(index: int, fields: list[str], license_id: int) -> str:
    lic = LICENSES[license_id]
    item = {
        "category": "training" if index % 7 else "validation",
        "metadata": {
            "photo_url": fields[15],
            "photo_title": unquote_plus(fields[8])[:80],
            "author": unquote_plus(fields[4]),
            "country": "",
            "license": lic.name_before_2025 or lic.name,
            "license_url": lic.url,
            "date_uploaded": "2010-01-01",
            "date_crawled": "2018-10-10",
        },
        "image": {
            "file_url": f"https://example.invalid/{index:05d}.png",
            "file_path": f"images1024x1024/{index // 1000:02d}000/{index:05d}.png",
            "file_size": 1000 + index,
        },
    }
    return ("" if index == 0 else ",") + f'\n  "{index}": {json.dumps(item)}'


def _coco_image(index: int, fields: list[str], license_id: int) -> str:
    z_url = fields[16].rsplit(".", 1)[0] + "_z.jpg"  # COCO's flickr_url is the static URL at size z
    image = {
        "license": license_id,
        "file_name": f"{index:012d}.jpg",
        "coco_url": f"http://example.invalid/{index}.jpg",
        "height": 480,
        "width": 640,
        "date_captured": "2013-11-14 17:02:52",
        "flickr_url": z_url,
        "id": index,
    }
    return ("" if index == 0 else ",") + "\n" + json.dumps(image)


def _dif_url(photo_id: int, fields: list[str], n: int) -> str:
    forms = (
        fields[15],
        fields[16],
        f"https://flic.kr/p/{encode_base58(photo_id)}",
        f"https://www.flickr.com/photo.gne?id={photo_id}",
    )
    return forms[n % 4]


def write_manifests(yfcc: Path, out: Path, rows: int, seed: int = 0) -> list[Manifest]:
    """Stream `yfcc` once and write the seven manifests into `out`; returns them with their counts."""
    rng = random.Random(f"bench-scale-{seed}")
    shares = {name: photo_share(name, rows) for name in PHOTOS_AT_100M}
    licenses: dict[tuple[str, str], int | None] = {}
    megaface_accounts: dict[str, bool] = {}
    writers = _Writers(out)
    try:
        for fields in _rows(yfcc):
            draws = [
                rng.random() for _ in range(8)
            ]  # the same count every row: datasets never shift each other
            pair = (fields[17], fields[18])
            if pair not in licenses:
                licenses[pair] = resolve_license(unquote_plus(pair[0]), pair[1])[0]
            license_id = licenses[pair]
            if license_id is None:
                continue
            _draw(writers, fields, license_id, draws, shares, megaface_accounts, seed)
    finally:
        manifests = writers.close()
    return manifests


def _draw(
    w: _Writers, f: list[str], license_id: int, u: list[float], shares: dict, accounts: dict, seed: int
) -> None:
    line_no, photo_id, photo_hash, nsid = f[0], int(f[1]), f[2], f[3]
    m = w.manifests
    if u[0] < shares["clip_yfcc15m"]:
        w.add("clip_yfcc15m", f"{line_no}\t{photo_id}\t{photo_hash}\n")
    if u[1] < shares["dif"]:
        n = m["dif"].items
        w.add("dif", f'dif-{n:08d},{_dif_url(photo_id, f, n)},"{n % 97},{n % 89},64,64"\n')
    if nsid not in accounts:
        accounts[nsid] = zlib.crc32(f"{seed}:{nsid}".encode()) / 2**32 < MEGAFACE_ACCOUNT_SHARE
    if accounts[nsid] and u[2] < shares["megaface"]:
        faces = 1 + (u[7] > MEGAFACE_FACES[0]) + (u[7] > MEGAFACE_FACES[1])
        w.add(
            "megaface",
            "".join(f"{nsid}_identity_{photo_id % 3}/{photo_id}_{k}.jpg\n" for k in range(faces)),
            faces,
        )
    if license_id in FFHQ_LICENSES and u[3] < shares["ffhq"]:
        w.add("ffhq", _ffhq_item(m["ffhq"].items, f, license_id))
    if u[4] < shares["pipa"]:
        instances = 1 + int(u[7] * 2 * (PIPA_INSTANCES - 1) + 0.5)
        album = 72157600000000000 + zlib.crc32(nsid.encode())
        w.add(
            "pipa",
            "".join(
                f"{album} {photo_id} {10 + k} 20 64 80 {photo_id % 2356} {k % 2}\n" for k in range(instances)
            ),
            instances,
        )
    if u[5] < shares["flickr30k"]:
        w.add("flickr30k", f"{photo_id}\n")
    if license_id in COCO_LICENSES and u[6] < shares["coco"]:
        w.add("coco", _coco_image(m["coco"].items, f, license_id))
