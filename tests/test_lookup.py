"""`lookup` by NSID, nickname and every URL form of a photo, against expectations computed from
the generated files with plain Python; hostile input finds nothing and changes nothing."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from pipelines.flickr_urls import encode_base58, parse_flickr_url
from pipelines.lookup import lookup

ROWS, SEED = 6_000, 11


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from pipelines.db import connect
    from pipelines.generate import generate_yfcc
    from pipelines.generate_manifests import _good_photos, generate_manifests
    from pipelines.ingest.manifests import ingest_manifest
    from pipelines.ingest.yfcc import ingest_yfcc

    folder = tmp_path_factory.mktemp("lookup")
    yfcc = generate_yfcc(folder / "yfcc.tsv.gz", rows=ROWS, seed=SEED)
    specs = generate_manifests(yfcc.path, folder / "manifests", seed=SEED)
    db_path = folder / "lookup.duckdb"
    con = connect(db_path)
    ingest_yfcc(con, [yfcc.path], progress=False)
    for spec in specs:
        ingest_manifest(con, spec.format, dataset=spec.dataset, version=spec.version, paths=list(spec.paths),
                        **spec.options)
    photos = {p.photo_id: p for p in _good_photos(yfcc.path, include_videos=True)}
    members = _manifest_members(specs)
    yield con, db_path, photos, members, specs
    con.close()


def _manifest_members(specs) -> dict[int, set[str]]:
    """photo id -> datasets listing it, read from the manifest files directly."""
    members: dict[int, set[str]] = {}
    for spec in specs:
        path = spec.paths[0]
        if spec.format == "clip-subset":
            ids = [int(line.split("\t")[1]) for line in path.read_text().splitlines()]
        elif spec.format == "megaface-paths":
            ids = [int(re.search(r"/(\d+)_\d+\.jpg$", line)[1]) for line in path.read_text().splitlines()]
        elif spec.format == "ffhq":
            ids = [parse_flickr_url(v["metadata"]["photo_url"]).photo_id for v in json.loads(path.read_text()).values()]
        elif spec.dataset == "dif":
            ids = [parse_flickr_url(line.split(",")[1]).photo_id for line in path.read_text().splitlines()[1:]]
        else:
            ids = []
        for photo_id in ids:
            members.setdefault(photo_id, set()).add(f"{spec.dataset} {spec.version}")
    return members


def _megaface_user(world):
    _, _, photos, members, specs = world
    truth = next(s.truth for s in specs if s.dataset == "megaface")
    nsid = truth["top_uploaders"][0][0]
    expected = {pid: members[pid] for pid, p in photos.items() if p.nsid == nsid and pid in members}
    return nsid, expected


def _hits(result):
    return {p.photo_id: set(p.datasets) for p in result.photos}


def test_lookup_by_nsid(world):
    con = world[0]
    nsid, expected = _megaface_user(world)
    result = lookup(con, nsid)
    assert result.found and result.interpreted_as == "nsid"
    assert _hits(result) == expected
    per_dataset = {}
    for datasets in expected.values():
        for label in datasets:
            per_dataset[label] = per_dataset.get(label, 0) + 1
    assert {f"{d.dataset} {d.version}": d.photos for d in result.datasets} == per_dataset
    assert result.owners[0].yfcc_photos == sum(1 for p in world[2].values() if p.nsid == nsid)
    assert all(p.yfcc_license_id == world[2][p.photo_id].license_id for p in result.photos)
    assert not result.opted_out
    text = result.as_text()
    assert nsid in text and "megaface v1" in text and "no opt-out recorded" in text
    assert _hits(lookup(con, nsid.lower())) == expected  # typed with a lower-case n


def test_lookup_by_nickname(world):
    con, _, photos, _, _ = world
    nsid, expected = _megaface_user(world)
    nickname = next(p.nickname for p in photos.values() if p.nsid == nsid)
    sharing = {p.nsid for p in photos.values() if p.nickname.lower() == nickname.lower()}
    for query in (nickname, nickname.upper()):
        result = lookup(con, query)
        assert result.interpreted_as == "name"
        assert {o.nsid for o in result.owners} == sharing
        assert set(expected) <= set(_hits(result))


def test_lookup_by_every_url_form(world):
    con, _, photos, members, _ = world
    nsid, expected = _megaface_user(world)
    photo_id = min(expected)
    photo = photos[photo_id]
    forms = [photo.page_url, photo.page_url + "in/photostream/", photo.page_url.replace("www.", "m."),
             photo.download_url, f"https://flic.kr/p/{encode_base58(photo_id)}",
             f"https://www.flickr.com/photo.gne?id={photo_id}", str(photo_id), f"  {photo_id}  "]
    for query in forms:
        result = lookup(con, query)
        assert result.interpreted_as == "photo" and result.photo_id == photo_id, query
        assert _hits(result) == {photo_id: members[photo_id]}, query
        assert result.owners[0].nsid == nsid
    user = lookup(con, f"https://www.flickr.com/photos/{nsid}/")
    assert _hits(user) == expected


def test_photo_outside_every_dataset_and_unknown_things(world):
    con, _, photos, members, _ = world
    outside = next(pid for pid in sorted(photos) if pid not in members)
    result = lookup(con, str(outside))
    assert result.found and result.datasets == [] and result.photos[0].in_yfcc
    assert "in no ingested dataset" in result.as_text()
    assert not lookup(con, "1@N00").found
    assert not lookup(con, "999").found
    assert not lookup(con, "").found
    assert not lookup(con, "https://example.com/photos/x/1/").found


def test_photo_not_in_yfcc_found_through_manifest(world):
    con = world[0]
    result = lookup(con, "https://www.flickr.com/photos/not_in_yfcc_0/50000000020/")
    assert result.found and not result.photos[0].in_yfcc
    assert result.photos[0].declared_license_ids == [10]
    alias = lookup(con, "not_in_yfcc_0")
    assert [p.photo_id for p in alias.photos] == [50000000020]


def test_optout_and_latest_flickr_check(world):
    con = world[0]
    nsid, expected = _megaface_user(world)
    photo_id = min(expected)
    con.execute("INSERT INTO flickr_checks (photo_id, checked_at, status, license_id) VALUES (?, ?, 'ok', 4), "
                "(?, ?, 'not_found', NULL)", [photo_id, datetime(2025, 1, 1), photo_id, datetime(2026, 1, 1)])
    con.execute("INSERT INTO optouts (kind, value, requested_at, note) VALUES ('user', ?, ?, 'test')",
                [nsid, datetime(2026, 2, 3)])
    try:
        result = lookup(con, str(photo_id))
        assert result.opted_out and result.optouts[0].value == nsid
        assert (result.photos[0].flickr_status, result.photos[0].flickr_checked_at) == ("not_found", datetime(2026, 1, 1))
        data = result.as_dict()
        assert data["opted_out"] and json.dumps(data, default=str)
        assert "opt-out recorded: user" in result.as_text()
    finally:
        con.execute("DELETE FROM flickr_checks WHERE photo_id = ?", [photo_id])
        con.execute("DELETE FROM optouts WHERE value = ?", [nsid])


HOSTILE = ["' OR 1=1 --", "%", "_", "\"; DROP TABLE yfcc_photos; --", "%' OR owner_nsid LIKE '%",
           "1; DELETE FROM dataset_items", "1 OR 1=1", "*", "' UNION SELECT * FROM yfcc_photos --"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_find_nothing_and_harm_nothing(world, query):
    con = world[0]
    before = con.execute("SELECT (SELECT count(*) FROM yfcc_photos), (SELECT count(*) FROM dataset_items), "
                         "(SELECT count(*) FROM duckdb_tables())").fetchone()
    result = lookup(con, query)
    assert not result.found and result.photos == [] and result.datasets == []
    after = con.execute("SELECT (SELECT count(*) FROM yfcc_photos), (SELECT count(*) FROM dataset_items), "
                        "(SELECT count(*) FROM duckdb_tables())").fetchone()
    assert before == after and before[0] > 0


def test_cli_lookup_json_read_only(tmp_path, capsys):
    from pipelines.cli import main

    manifest = tmp_path / "paths.txt"
    manifest.write_text("12345678@N00_identity_0/5215831864_0.jpg\n12345678@N00_identity_0/5215831864_1.jpg\n")
    db = str(tmp_path / "cli.duckdb")
    assert main(["--db", db, "ingest", "manifest", "--format", "megaface-paths", "--dataset", "mf",
                 "--version", "1", str(manifest)]) == 0
    capsys.readouterr()
    assert main(["--db", db, "lookup", "12345678@N00", "--json"]) == 0  # read-only connection
    data = json.loads(capsys.readouterr().out)
    assert data["found"] and data["datasets"][0]["items"] == 2 and data["photos"][0]["photo_id"] == 5215831864
    assert main(["--db", db, "lookup", "https://flic.kr/p/" + encode_base58(5215831864)]) == 0
    assert "mf 1" in capsys.readouterr().out
    assert main(["--db", db, "lookup", "' OR 1=1 --"]) == 1
