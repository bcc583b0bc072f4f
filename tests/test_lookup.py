"""`lookup` by NSID, nickname and every URL form of a photo, against expectations computed from
the generated files with plain Python; hostile input finds nothing and changes nothing."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.flickr.urls import encode_base58, parse_flickr_url
from pipelines.lookup.answer import lookup
from tests.conftest import build_generated_world

ROWS, SEED = 6_000, 11


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from pipelines.synth.manifests import _good_photos

    con, db_path, yfcc, specs = build_generated_world(
        tmp_path_factory.mktemp("lookup"), "lookup.duckdb", ROWS, SEED
    )
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
            ids = [
                parse_flickr_url(v["metadata"]["photo_url"]).photo_id
                for v in json.loads(path.read_text()).values()
            ]
        elif spec.dataset == "dif":
            ids = [
                parse_flickr_url(line.split(",")[1]).photo_id for line in path.read_text().splitlines()[1:]
            ]
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
    photos = result.photos + [p for a in result.accounts for p in a.photos]
    return {p.photo_id: set(p.datasets) for p in photos}


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
    [account] = result.accounts
    assert {f"{d.dataset} {d.version}": d.photos for d in account.datasets} == per_dataset
    assert account.pool_photos == sum(1 for p in world[2].values() if p.nsid == nsid)
    assert all(p.yfcc_license_id == world[2][p.photo_id].license_id for p in account.photos)
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
    forms = [
        photo.page_url,
        photo.page_url + "in/photostream/",
        photo.page_url.replace("www.", "m."),
        photo.download_url,
        f"https://flic.kr/p/{encode_base58(photo_id)}",
        f"https://www.flickr.com/photo.gne?id={photo_id}",
        str(photo_id),
        f"  {photo_id}  ",
    ]
    for query in forms:
        result = lookup(con, query)
        assert result.interpreted_as == "photo" and result.photo_id == photo_id, query
        assert _hits(result) == {photo_id: members[photo_id]}, query
        assert result.photos[0].owner == nsid
    user = lookup(con, f"https://www.flickr.com/photos/{nsid}/")
    assert _hits(user) == expected


def test_photo_outside_every_dataset_and_unknown_things(world):
    con, _, photos, members, _ = world
    outside = next(pid for pid in sorted(photos) if pid not in members)
    result = lookup(con, str(outside))
    assert result.found and result.datasets == [] and result.photos[0].in_yfcc
    assert "derived datasets: in none" in result.as_text() and "pool (YFCC100M): yes" in result.as_text()
    assert not lookup(con, "1@N00").found
    assert not lookup(con, "999").found
    assert not lookup(con, "").found
    unreadable = lookup(con, "https://example.com/photos/x/1/")
    assert not unreadable.found and unreadable.error and "not a Flickr" in unreadable.error


def test_photo_not_in_yfcc_found_through_manifest(world):
    con = world[0]
    result = lookup(con, "https://www.flickr.com/photos/not_in_yfcc_0/50000000020/")
    assert result.found and not result.photos[0].in_yfcc
    assert result.photos[0].declared_license_ids == [10]
    alias = lookup(con, "not_in_yfcc_0")
    assert [p.photo_id for a in alias.accounts for p in a.photos] == [50000000020]


def test_optout_and_latest_flickr_check(world):
    con = world[0]
    nsid, expected = _megaface_user(world)
    photo_id = min(expected)
    # The failed call after the answers says nothing about the photo: the answer of 2026-01-01 stands.
    con.execute(
        "INSERT INTO flickr_checks (photo_id, checked_at, status, license_id) VALUES (?, ?, 'ok', 4), "
        "(?, ?, 'not_found', NULL), (?, ?, 'error', NULL)",
        [photo_id, datetime(2025, 1, 1), photo_id, datetime(2026, 1, 1), photo_id, datetime(2026, 3, 1)],
    )
    con.execute(
        "INSERT INTO optouts (kind, value, requested_at, note) VALUES ('user', ?, ?, 'test')",
        [nsid, datetime(2026, 2, 3)],
    )
    try:
        result = lookup(con, str(photo_id))
        assert result.opted_out and result.optouts[0].value == nsid
        assert (result.photos[0].flickr_status, result.photos[0].flickr_checked_at) == (
            "not_found",
            datetime(2026, 1, 1),
        )
        data = result.as_dict()
        assert data["opted_out"] and json.dumps(data, default=str)
        assert "opt-out recorded: user" in result.as_text()
    finally:
        con.execute("DELETE FROM flickr_checks WHERE photo_id = ?", [photo_id])
        con.execute("DELETE FROM optouts WHERE value = ?", [nsid])


HOSTILE = [
    "' OR 1=1 --",
    "%",
    "_",
    '"; DROP TABLE yfcc_photos; --',
    "%' OR owner_nsid LIKE '%",
    "1; DELETE FROM dataset_items",
    "1 OR 1=1",
    "*",
    "' UNION SELECT * FROM yfcc_photos --",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_find_nothing_and_harm_nothing(world, query):
    con = world[0]
    before = con.execute(
        "SELECT (SELECT count(*) FROM yfcc_photos), (SELECT count(*) FROM dataset_items), "
        "(SELECT count(*) FROM duckdb_tables())"
    ).fetchone()
    result = lookup(con, query)
    assert not result.found and result.photos == [] and result.datasets == [] and result.accounts == []
    after = con.execute(
        "SELECT (SELECT count(*) FROM yfcc_photos), (SELECT count(*) FROM dataset_items), "
        "(SELECT count(*) FROM duckdb_tables())"
    ).fetchone()
    assert before == after and before[0] > 0


def test_cli_lookup_json_read_only(tmp_path, capsys):
    from pipelines.cli import main

    db = _cli_db_with_megaface(tmp_path, capsys, faces=2, name="cli")
    assert main(["--db", db, "lookup", "12345678@N00", "--json"]) == 0  # read-only connection
    data = json.loads(capsys.readouterr().out)
    [account] = data["answers"][0]["accounts"]
    assert (
        data["found"]
        and account["datasets"][0]["items"] == 2
        and account["photos"][0]["photo_id"] == 5215831864
    )
    assert account["photos_in_datasets"] == 1 and account["items_in_datasets"] == 2
    assert main(["--db", db, "lookup", "https://flic.kr/p/" + encode_base58(5215831864)]) == 0
    assert "mf 1" in capsys.readouterr().out
    assert main(["--db", db, "lookup", "' OR 1=1 --"]) == 1


# --- several references, shared names, the pool, removal routes, the CLI -------------------------


def test_a_pasted_paragraph_is_looked_up_reference_by_reference(world):
    con, _, photos, members, _ = world
    nsid, expected = _megaface_user(world)
    photo_id = min(expected)
    text = (
        f"Found mine: {photos[photo_id].download_url.replace('.jpg', '_o_d.jpg')}, and my account "
        f"{nsid}. Also https://www.flickr.com/groups/x/ (a group)."
    )
    from pipelines.lookup.answer import lookup_text

    answers = lookup_text(con, text)
    assert [a.interpreted_as for a in answers] == ["photo", "nsid", "error"]
    assert answers[0].photo_id == photo_id and answers[0].detail.startswith("read as photo")
    assert {f"{d.dataset} {d.version}" for d in answers[0].datasets} == members[photo_id]
    assert answers[1].accounts[0].nsid == nsid
    assert "group link" in answers[2].error


def test_a_link_that_does_not_parse_is_never_a_name_search(world):
    con = world[0]
    for text in (
        "live.staticflickr.com/2903/notaphoto.jpg",
        "https://www.flickr.com/photos/x/albums/123",
        "flickr.com",
        "https://flic.kr/ps/ZVcni",
        "IMG_0001.jpg",
        "https://example.com/henri",
    ):
        result = lookup(con, text)
        assert result.interpreted_as == "error" and result.error and result.accounts == [], text


def test_a_name_shared_by_two_accounts_gives_two_answers_never_a_sum(world):
    con, _, photos, members, _ = world
    by_name: dict[str, set[str]] = {}
    for p in photos.values():
        by_name.setdefault(p.nickname.lower(), set()).add(p.nsid)
    name, nsids = next(
        (n, s)
        for n, s in sorted(by_name.items())
        if len(s) >= 2 and sum(1 for p in photos.values() if p.nsid in s and p.photo_id in members) > 0
    )
    result = lookup(con, name)
    assert {a.nsid for a in result.accounts} == nsids and len(result.accounts) == len(nsids)
    for account in result.accounts:
        own = {pid for pid, p in photos.items() if p.nsid == account.nsid}
        assert account.pool_photos == len(own)
        assert {p.photo_id for p in account.photos} == own & set(members)
    text = result.as_text()
    assert f"{len(nsids)} different accounts match" in text and "account 1 of" in text
    # Flickr usernames (from enrichment) shared by two accounts: two answers through a path-alias link too
    first, second = sorted(nsids)[:2]
    con.execute(
        "INSERT INTO uploaders (owner_nsid, username, status, fetched_at) VALUES (?, 'shared_name', 'ok', now()), "
        "(?, 'Shared_Name', 'ok', now())",
        [first, second],
    )
    try:
        alias = lookup(con, "https://www.flickr.com/photos/shared_name/")
        assert alias.interpreted_as == "alias" and [a.nsid for a in alias.accounts] == [first, second]
        assert [a.pool_photos for a in alias.accounts] == [
            sum(1 for p in photos.values() if p.nsid == n) for n in (first, second)
        ]
    finally:
        con.execute("DELETE FROM uploaders WHERE username ILIKE 'shared_name'")


def test_pool_and_datasets_are_apart_and_removal_routes_come_from_the_catalog(world):
    con = world[0]
    nsid, expected = _megaface_user(world)
    result = lookup(con, nsid)
    [account] = result.accounts
    assert all(d.dataset != "YFCC100M" for d in account.datasets)
    routes = {d.dataset: d.catalog["removal_route"] for d in account.datasets}
    from pipelines.catalog import NO_REMOVAL_ROUTE, entry_for

    for dataset, route in routes.items():
        entry = entry_for(dataset)
        assert route == (entry.removal if entry else NO_REMOVAL_ROUTE)
    text = result.as_text()
    assert "pool (YFCC100M):" in text and "removal:" in text
    data = result.as_dict()
    assert data["accounts"][0]["pool"] == {"name": "YFCC100M", "photos": account.pool_photos}
    assert data["accounts"][0]["photos_in_datasets"] == len(expected)
    assert data["accounts"][0]["items_in_datasets"] >= len(expected)


def test_catalog_entry_is_stored_at_ingest(tmp_path, capsys):
    from pipelines.cli import main
    from pipelines.db import connect

    manifest = tmp_path / "paths.txt"
    manifest.write_text("12345678@N00_identity_0/5215831864_0.jpg\n")
    db = str(tmp_path / "cat.duckdb")
    base = [
        "--db",
        db,
        "ingest",
        "manifest",
        "--format",
        "megaface-paths",
        "--dataset-version",
        "1",
        str(manifest),
    ]
    assert main(base + ["--dataset", "MegaFace_MF2"]) == 0
    assert main(base + ["--dataset", "faces-x", "--catalog-entry", "dif"]) == 0
    assert main(base + ["--dataset", "unknown-set"]) == 0
    assert main(base + ["--dataset", "other", "--catalog-entry", "no-such-entry"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ccaudit: error: unknown catalog entry 'no-such-entry'")
    con = connect(db, read_only=True)
    assert dict(con.execute("SELECT dataset, catalog_entry FROM datasets").fetchall()) == {
        "MegaFace_MF2": "megaface",
        "faces-x": "dif",
        "unknown-set": None,
    }
    result = lookup(con, "5215831864")
    routes = {d.dataset: d.catalog["removal_route"] for d in result.datasets}
    con.close()
    from pipelines.catalog import NO_REMOVAL_ROUTE, entry_for

    assert routes == {
        "MegaFace_MF2": entry_for("megaface").removal,
        "faces-x": entry_for("dif").removal,
        "unknown-set": NO_REMOVAL_ROUTE,
    }


def test_cli_several_queries_from_file_and_exit_codes(tmp_path, capsys):
    from pipelines.cli import main

    db = _cli_db_with_megaface(tmp_path, capsys, faces=2, name="cli")
    refs = tmp_path / "refs.txt"
    refs.write_bytes(
        "\ufeffhttps://live.staticflickr.com/2903/5215831864_c1b3784192_o_d.jpg\n\n"
        "12345678@n00\n4242424242\n".encode()
    )
    assert main(["--db", db, "lookup", "--from", str(refs), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [a["read_as"] for a in data["answers"]] == ["photo", "nsid", "photo"]
    assert [a["found"] for a in data["answers"]] == [True, True, False]
    assert data["answers"][0]["photo"]["datasets"][0]["items"] == 2
    assert data["answers"][0]["photo"]["pool"]["in_pool"] is False

    # one unreadable reference: the others are answered, the bad one is a one-line error, exit 2
    assert main(["--db", db, "lookup", "5215831864 and https://www.flickr.com/photos/x/sets/721/"]) == 2
    out, err = capsys.readouterr()
    assert "'5215831864': read as photo 5215831864" in out and "mf 1: 2 item(s)" in out
    assert err.count("\n") == 1 and err.startswith("ccaudit: error: cannot read") and "album" in err
    assert main(["--db", db, "lookup", "live.staticflickr.com/2903/32812033543_c1b3784192_w_d.jpg"]) == 1
    assert "read as photo 32812033543" in capsys.readouterr().out
    assert main(["--db", db, "lookup", "--from", str(tmp_path / "missing.txt")]) == 2
    assert capsys.readouterr().err.startswith("ccaudit: error: --from")
    (tmp_path / "bin").write_bytes(b"\x00\x01\x02")
    assert main(["--db", db, "lookup", "--from", str(tmp_path / "bin")]) == 2
    assert main(["--db", db, "lookup"]) == 2
    capsys.readouterr()


def test_control_characters_in_names_are_shown_escaped(world):
    from pipelines.textsafe import escape_controls

    assert (
        escape_controls("a\x1b[31mred\x07\u202eb\nc", keep_newlines=True) == "a\\x1b[31mred\\x07\\u202eb\nc"
    )


def test_huge_inputs_are_refused_in_one_line(tmp_path, capsys, monkeypatch):
    from pipelines.cli import main
    from pipelines.lookup import answer as lookup_module

    db = str(tmp_path / "empty.duckdb")
    from pipelines.db import connect

    connect(db).close()
    many = tmp_path / "many.txt"
    many.write_text("\n".join(str(10_000_000 + i) for i in range(lookup_module.MAX_REFERENCES + 1)))
    assert main(["--db", db, "lookup", "--from", str(many)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at most 10,000 per run" in err
    monkeypatch.setattr(lookup_module, "MAX_FROM_FILE_BYTES", 100)
    (tmp_path / "big.txt").write_text("12345678@N00\n" * 20)
    assert main(["--db", db, "lookup", "--from", str(tmp_path / "big.txt")]) == 2
    assert "split the file" in capsys.readouterr().err


def test_a_path_alias_the_database_does_not_know_is_asked_of_flickr(tmp_path, capsys, monkeypatch):
    from pipelines.cli import main
    from tests.flickr_server import FlickrTestServer

    db = _cli_db_with_megaface(tmp_path, capsys, faces=1, name="alias")
    monkeypatch.delenv("FLICKR_API_KEY", raising=False)
    assert main(["--db", db, "lookup", "flickr.com/photos/henri_light/"]) == 1
    assert "set FLICKR_API_KEY" in capsys.readouterr().out
    with FlickrTestServer() as server:
        server.set_body(
            "flickr.urls.lookupUser",
            "https://www.flickr.com/photos/henri_light/",
            {"user": {"id": "12345678@N00", "username": {"_content": "Henri"}}, "stat": "ok"},
        )
        monkeypatch.setenv("FLICKR_API_KEY", server.api_key)
        monkeypatch.setenv("CCAUDIT_FLICKR_API_URL", server.url)
        assert main(["--db", db, "lookup", "--json", "flickr.com/photos/henri_light/", "nobody_here"]) == 0
        data = json.loads(capsys.readouterr().out)
        found, missing = data["answers"]
        assert found["found"] and found["accounts"][0]["nsid"] == "12345678@N00"
        assert found["accounts"][0]["items_in_datasets"] == 1 and "Flickr's API says" in found["detail"]
        assert not missing["found"] and "knows no account nobody_here" in missing["detail"]
        assert len(server.calls("flickr.urls.lookupUser")) == 2
        assert server.api_key not in json.dumps(data)


def _cli_db_with_megaface(tmp_path, capsys, faces: int, name: str) -> str:
    """A database made through the CLI: one megaface-paths manifest with `faces` faces of photo
    5215831864 by 12345678@N00, as dataset mf v1."""
    from pipelines.cli import main

    manifest = tmp_path / "paths.txt"
    manifest.write_text("".join(f"12345678@N00_identity_0/5215831864_{k}.jpg\n" for k in range(faces)))
    db = str(tmp_path / f"{name}.duckdb")
    assert (
        main(
            [
                "--db",
                db,
                "ingest",
                "manifest",
                "--format",
                "megaface-paths",
                "--dataset",
                "mf",
                "--dataset-version",
                "1",
                str(manifest),
            ]
        )
        == 0
    )
    capsys.readouterr()
    return db


# --- --from reads a bounded number of bytes from any kind of source (issue 24) ---------------------


def _empty_db(tmp_path) -> str:
    from pipelines.db import connect

    db = str(tmp_path / "empty.duckdb")
    connect(db).close()
    return db


@pytest.mark.parametrize("source", ["/dev/zero", "/dev/urandom"])
def test_from_an_endless_device_stops_at_the_cap(tmp_path, capsys, source):
    import resource

    from pipelines.cli import main

    if not Path(source).exists():
        pytest.skip(f"{source} is not on this system")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert main(["--db", _empty_db(tmp_path), "lookup", "--from", source]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"ccaudit: error: --from {source}:")
    assert (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024
    )  # KB: well under 64 MB more


def test_from_a_fifo_and_from_a_growing_pipe_are_capped_by_bytes_read(tmp_path, capsys, monkeypatch):
    import os
    import threading

    from pipelines.cli import main
    from pipelines.lookup import answer as lookup_module

    monkeypatch.setattr(lookup_module, "MAX_FROM_FILE_BYTES", 1000)
    fifo = tmp_path / "refs.fifo"
    os.mkfifo(fifo)
    stop = threading.Event()

    def write_forever():  # a writer that never ends: only the reader's cap can stop this
        try:
            with open(fifo, "wb") as handle:
                while not stop.is_set():
                    handle.write(b"12345678@N00\n" * 100)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write_forever, daemon=True)
    writer.start()
    try:
        assert main(["--db", _empty_db(tmp_path), "lookup", "--from", str(fifo)]) == 2
    finally:
        stop.set()
    writer.join(timeout=10)
    assert "more than the" in capsys.readouterr().err
    # a small FIFO is read like a file
    small = tmp_path / "small.fifo"
    os.mkfifo(small)
    threading.Thread(target=lambda: small.write_bytes(b"12345678@N00\n"), daemon=True).start()
    assert main(["--db", _empty_db(tmp_path), "lookup", "--from", str(small)]) == 1
    assert "12345678@N00" in capsys.readouterr().out


def test_too_many_references_stop_reading_at_the_cap(tmp_path, capsys, monkeypatch):
    """The reference cap ends the reading: a file of 10x the cap costs about what the cap does."""
    from pipelines.cli import main
    from pipelines.flickr import freetext

    calls = {"n": 0}
    real = freetext._read_token

    def counting(token, in_prose):
        calls["n"] += 1
        return real(token, in_prose)

    monkeypatch.setattr(freetext, "_read_token", counting)
    many = tmp_path / "many.txt"
    many.write_text(" ".join(str(10_000_000 + i) for i in range(100_000)))  # one line, 100,000 ids
    assert main(["--db", _empty_db(tmp_path), "lookup", "--from", str(many)]) == 2
    assert "at most 10,000 per run" in capsys.readouterr().err
    assert calls["n"] <= 10_001


# --- the removal request (issue 23 item 5) -----------------------------------------------------------


def test_removal_request_names_each_dataset_and_lists_every_photo(world):
    from pipelines.lookup.answer import run_lookup

    con = world[0]
    nsid, expected = _megaface_user(world)
    out = run_lookup(con, [nsid]).as_text(removal=True)
    answer = lookup(con, nsid)
    requests = answer.removal_requests()
    assert {r["dataset_key"] for r in requests} == {d.dataset for d in answer.accounts[0].datasets}
    for request in requests:
        hit = next(d for d in answer.accounts[0].datasets if d.dataset == request["dataset_key"])
        assert f"--- removal request: {hit.label} ---" in out
        links = [
            line for line in request["text"].splitlines() if line.startswith("https://www.flickr.com/photos/")
        ]
        assert links == [f"https://www.flickr.com/photos/{nsid}/{pid}/" for pid in hit.photo_ids]
        assert set(hit.photo_ids) == {
            pid for pid, where in expected.items() if f"{hit.dataset} {hit.version}" in where
        }
        assert hit.label in request["text"] and request["text"] in out + "\n"
    dif = next((r for r in requests if r["dataset_key"] == "dif"), None)
    if dif:  # the catalogue's route: e-mail, no published address, what it asks for, its source
        assert (
            "Send this by e-mail to IBM Research" in dif["text"]
            and "No e-mail address is published" in dif["text"]
        )
        assert "links to the photos" in dif["text"] and "Source: NBC News" in dif["text"]
    data = run_lookup(con, [nsid]).as_dict(removal=True)
    assert [r["text"] for r in data["answers"][0]["removal_requests"]] == [r["text"] for r in requests]


def test_removal_request_from_the_cli(tmp_path, capsys):
    from pipelines.cli import main

    db = _cli_db_with_megaface(tmp_path, capsys, faces=2, name="removal")
    assert main(["--db", db, "lookup", "12345678@N00", "--removal-request"]) == 0
    out = capsys.readouterr().out
    assert (
        "--- removal request: mf 1 ---" in out
        and "https://www.flickr.com/photos/12345678@N00/5215831864/" in out
    )
    assert "No removal route is published for this dataset" in out and "To: (no published address)" in out
    assert main(["--db", db, "lookup", "5215831864", "--removal-request", "--json"]) == 0
    [request] = json.loads(capsys.readouterr().out)["answers"][0]["removal_requests"]
    assert (
        request["photo_ids"] == [5215831864]
        and "https://www.flickr.com/photo.gne?id=5215831864" in request["text"]
    )


def test_plain_words_and_dataset_names(world):
    con, *_ = world
    nsid, _ = _megaface_user(world)
    text = lookup(con, nsid).as_text()
    assert "declared license none" not in text and "megaface v1:" not in text
    assert "MegaFace (MF2), version" in text
    assert re.search(r"(forbids|allows) commercial use", text)
    account = lookup(con, nsid).accounts[0]
    assert account.first_upload and account.last_upload and account.first_upload <= account.last_upload
    assert f"uploaded {account.first_upload:%Y-%m-%d} to {account.last_upload:%Y-%m-%d}" in text


def test_a_typo_gets_a_short_answer(world):
    con, *_ = world
    answer = lookup(con, "nobody_by_this_name_xyz")
    assert not answer.found
    text = answer.as_text().replace("nobody_by_this_name_xyz", "x")  # the input is echoed; the rest is short
    assert len(text) < 250 and "check the spelling" in text and "path alias" in text
