"""bench.scale: the whole audit at N rows measured stage by stage (docs/scale.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.scale import STAGES, targets
from bench.scale_data import FLOOR_PHOTOS, PHOTOS_AT_100M, photo_share, write_manifests

ROOT = Path(__file__).resolve().parents[1]


def test_shares_follow_the_real_datasets_with_a_floor():
    # At 100M rows the expected photos are the real datasets' sizes (MegaFace and FFHQ draw within a subset).
    assert photo_share("clip_yfcc15m", 100_000_000) == pytest.approx(0.14829396)
    assert photo_share("flickr30k", 100_000_000) == pytest.approx(31_783 / 1e8)
    # At 10,000 rows FFHQ would get 7 photos: the floor gives it FLOOR_PHOTOS in expectation.
    assert photo_share("flickr30k", 10_000) == pytest.approx(FLOOR_PHOTOS / 10_000)
    assert all(0 < photo_share(name, 1000) <= 1 for name in PHOTOS_AT_100M)


def test_manifests_are_drawn_in_proportion_from_a_generated_file(tmp_path):
    yfcc = tmp_path / "rows.tsv.zst"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "generate", "yfcc", str(yfcc), "--rows", "30000"],
        check=True,
        env=env,
        capture_output=True,
    )
    manifests = {m.dataset: m for m in write_manifests(yfcc, tmp_path / "m", 30_000)}
    assert set(manifests) == set(PHOTOS_AT_100M)
    clip = manifests["clip_yfcc15m"]
    assert 0.13 * 30_000 < clip.photos < 0.16 * 30_000
    assert sum(1 for _ in clip.path.open()) == clip.items
    assert all(m.photos >= FLOOR_PHOTOS // 3 for m in manifests.values()), {
        k: m.photos for k, m in manifests.items()
    }
    megaface = manifests["megaface"]
    assert 1.2 < megaface.items / megaface.photos < 1.7  # MF2: 4,753,320 faces / 3,311,471 photos
    ffhq = json.loads(manifests["ffhq"].path.read_text())
    assert len(ffhq) == manifests["ffhq"].items
    coco = json.loads(manifests["coco"].path.read_text())
    assert len(coco["images"]) == manifests["coco"].items and all(
        "_z.jpg" in i["flickr_url"] for i in coco["images"]
    )


def _record(rows: int, seconds: float, rss_mb: float) -> dict:
    stages = [
        {"stage": s, "seconds": seconds, "cpu_seconds": seconds, "peak_rss_mb": rss_mb, "disk_mb": 1.0}
        for s in STAGES
    ]
    by = {s["stage"]: s for s in stages}
    by["report"]["seconds_without_search_index"] = seconds
    by["lookup"]["p95"] = 0.1
    return {"rows": rows, "stages": stages, "total_seconds": seconds * len(STAGES), "db_bytes_per_row": 80.0}


def test_targets_project_linearly_and_say_miss():
    fast = {t["target"]: t["status"] for t in targets(_record(100_000_000, 10.0, 500.0))}
    assert set(fast.values()) == {"PASS"}
    slow = {t["target"]: t for t in targets(_record(1_000_000, 10.0, 3000.0))}
    assert slow["whole audit <= 60 min"]["status"] == "MISS"
    assert slow["whole audit <= 60 min"]["projected_100M"] == pytest.approx(9 * 10 * 100 / 60, rel=1e-3)
    assert slow["ingest peak RSS <= 2 GB"]["status"] == "MISS"
    assert slow["lookup p95 <= 0.5 s"]["status"] == "PASS"


@pytest.mark.slow
def test_scale_run_writes_all_nine_stages(tmp_path):
    out = tmp_path / "tmp"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--rows", "20000", "--out", str(out)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((out / "scale.json").read_text())
    assert record["rows"] == 20000
    assert [s["stage"] for s in record["stages"]] == list(STAGES)
    for stage in record["stages"]:
        assert 0 < stage["seconds"] < 900, stage
        assert 0 < stage["cpu_seconds"] < 900, stage
        assert 20 < stage["peak_rss_mb"] < 2048, stage  # a Python process with DuckDB is never under 20 MB
        assert stage["disk_mb"] > 0, stage
        assert stage["how"], stage
    assert record["total_seconds"] == pytest.approx(sum(s["seconds"] for s in record["stages"]), abs=0.1)
    lookup = record["stages"][-1]
    assert lookup["queries"] == 100 and 0 < lookup["p50"] <= lookup["p95"] <= lookup["max"]
    assert lookup["found"] >= 50  # every query but the absent ones names something in the database
    assert record["stages"][3]["api_calls"] > 0  # enrich really called the local Flickr server
    assert isinstance(record["stages"][7]["join_query_status"], int)  # the join, answered or not
    assert record["machine"]["cores"] >= 1 and record["git_commit"]
    assert {t["status"] for t in record["targets"]} <= {"PASS", "MISS"}
    assert "stage" in done.stdout and "PASS" in done.stdout
    assert not (out / "work").exists()  # big files cleaned up without --keep
