"""search.html gives the answers `ccaudit lookup` gives, in headless Chromium, for every input form.

A demo-like database (generated YFCC100M sample + derived manifests, plus a Flickr username shared
by two accounts, a path alias Flickr resolved, an opt-out and a Flickr re-check) is published twice:
as the single-file page opened from disk, and with the index sharded into files served over HTTP
from 127.0.0.1. The same inputs go to `lookup` and to the page; the answers must agree (what each
reference was read as, the error for unreadable ones, pool and dataset counts per account, a photo's
licenses, items per dataset, removal routes and opt-out status). Screenshots at 390 and 1280 px
go to the test's temporary folder (CCAUDIT_SCREENSHOTS=DIR keeps them).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipelines.flickr.freetext import read_text
from pipelines.flickr.urls import encode_base58
from pipelines.lookup.answer import run_lookup
from tests.browser_support import BROWSER_MARKS, keep
from tests.conftest import build_generated_world
from tests.test_flickr_urls import BAD, PHOTOS, SPELLED, UNSUPPORTED, USERS

pytestmark = BROWSER_MARKS

ROWS, SEED = 5_000, 23
PART_PHOTOS = 7
MAX_FETCH_BYTES = 16 * 1024  # issue 25's target for one query


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from pipelines.ingest.manifests import ingest_manifest

    folder = tmp_path_factory.mktemp("search")
    con, *_ = build_generated_world(folder, "demo.duckdb", ROWS, SEED)
    # The accounts with most dataset photos; two of them share a Flickr username, one has a path alias.
    top = [
        r[0]
        for r in con.execute("""
        SELECT y.owner_nsid FROM dataset_items i JOIN yfcc_photos y USING (photo_id)
        GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3""").fetchall()
    ]
    con.execute(
        "INSERT INTO uploaders (owner_nsid, username, path_alias, status, fetched_at) VALUES "
        "(?, 'Shared Name', 'first_alias', 'ok', now()), (?, 'shared name', NULL, 'ok', now())",
        top[:2],
    )
    # a manifest that names an account by the path alias Flickr resolved (counted for that NSID)
    aliased = folder / "aliased.csv"
    aliased.write_text(
        "photo,owner\n60000000001,first_alias\n60000000002,First_Alias\n60000000003,other_alias\n"
    )
    ingest_manifest(
        con, "csv", dataset="aliased", version="v1", paths=[aliased], id_column="photo", owner_column="owner"
    )
    con.execute(
        "INSERT INTO optouts (kind, value, requested_at, note) VALUES ('user', ?, ?, 'demo')",
        [top[2], datetime(2026, 1, 2)],
    )
    photo_id = con.execute(
        "SELECT min(photo_id) FROM dataset_items i JOIN yfcc_photos y USING (photo_id) "
        "WHERE y.owner_nsid = ?",
        [top[0]],
    ).fetchone()[0]
    con.execute(
        "INSERT INTO flickr_checks (photo_id, checked_at, status, license_id) VALUES (?, ?, 'ok', 4)",
        [photo_id, datetime(2026, 3, 4)],
    )
    yield con, folder, top, photo_id
    con.close()


def _build(con, out, sharded: bool, monkeypatch):
    from pipelines.publish import search_index as search
    from pipelines.publish.report import publish_report

    monkeypatch.setattr(search, "SINGLE_FILE_LIMIT", 0 if sharded else 10**9)
    monkeypatch.setattr(search, "SHARD_TARGET", 20)  # several prefix digits even on a small database
    if sharded:  # long photo lists in several sealed parts, fetched only when asked for
        monkeypatch.setattr(search, "PART_PHOTOS", PART_PHOTOS)
    return publish_report(con, out, publish_mode="pseudonymous").report_dir


@pytest.fixture(scope="module")
def single(demo, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        return _build(demo[0], tmp_path_factory.mktemp("single"), False, mp)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sharded(demo, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        report_dir = _build(demo[0], tmp_path_factory.mktemp("sharded"), True, mp)
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(report_dir))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield report_dir, f"http://127.0.0.1:{server.server_address[1]}/search.html"
    server.shutdown()
    server.server_close()


def _inputs(demo) -> list[str]:
    con, _, top, photo_id = demo
    page_url, download_url, nickname = con.execute(
        "SELECT page_url, download_url, owner_nickname FROM yfcc_photos WHERE photo_id = ?", [photo_id]
    ).fetchone()
    pool_only = con.execute(
        "SELECT min(photo_id) FROM yfcc_photos WHERE photo_id NOT IN "
        "(SELECT photo_id FROM dataset_items WHERE photo_id IS NOT NULL)"
    ).fetchone()[0]
    outside = con.execute(
        "SELECT min(photo_id) FROM dataset_items WHERE photo_id NOT IN (SELECT photo_id FROM yfcc_photos)"
    ).fetchone()[0]
    alias_only = con.execute(
        "SELECT min(owner_ref) FROM dataset_items WHERE owner_ref LIKE 'not_in_yfcc%'"
    ).fetchone()[0]
    shared_nick = (
        con.execute("""SELECT owner_nickname FROM yfcc_photos GROUP BY 1
                                  HAVING count(DISTINCT owner_nsid) > 1 ORDER BY count(*) DESC, 1 LIMIT 1""").fetchone()
        or [nickname]
    )[0]
    file_name = download_url.rsplit("/", 1)[1]
    secret = file_name.split("_")[1].split(".")[0]
    server = download_url.split("/")[-2]
    inputs = [
        top[0],
        top[0].lower(),
        top[1],
        top[2],
        "99999999@N00",
        "Shared Name",
        "shared   NAME",
        "first_alias",
        "https://www.flickr.com/photos/first_alias/",
        f"flickr.com/people/{top[1]}/",
        nickname,
        shared_nick,
        alias_only,
        "other_alias",
        "First_Alias",
        f"https://www.flickr.com/photos/{alias_only}/",
        str(photo_id),
        str(pool_only),
        str(outside),
        "4242424242",
        page_url,
        page_url + "in/photostream/",
        page_url.replace("http://www.", "https://m."),
        download_url,
        download_url.replace(".jpg", "_o_d.jpg"),
        download_url.replace("farm", "FARM").replace("http://", ""),
        f"http://static.flickr.com/{server}/{photo_id}_{secret}.jpg",
        f"https://photos3.flickr.com/{photo_id}_{secret}_b.jpg",
        f"https://live.staticflickr.com/video/{photo_id}/{secret}/720p.mp4",
        f"{photo_id}_0a1b2c3d4e_o_d.jpg",
        f"https://flic.kr/p/{encode_base58(photo_id)}",
        f"https://www.flickr.com/photo.gne?short={encode_base58(photo_id)}",
        f"https://www.flickr.com/photo.gne?id={photo_id}",
        f"https://www.flickr.com/photo_zoom.gne?id={photo_id}&size=l",
        f"https://www.flickr.com/photo/{top[0]}/{photo_id}",
        f"https://www.flickr.com/video_download.gne?id={photo_id}",
        f"Is {page_url} mine? Also flic.kr/p/{encode_base58(pool_only)}, and my account {top[2]}.",
        "https://www.flickr.com/groups/slovenia/pool",
        "https://www.flickr.com/photos/x/albums/72157666833379009",
        "https://www.flickr.com/gp/realphotomatt/M195SLkj98",
        "https://example.com/photos/x/1/",
        "flickr.com",
        "live.staticflickr.com/2903/notaphoto.jpg",
        "IMG_1234.JPG",
    ]
    return inputs


def _cli(con, text: str) -> list:
    run = run_lookup(con, [text])
    return [_norm(answer, cli=True) for answer in run.as_dict(removal=True)["answers"]]


def _optouts(optouts: list, cli: bool) -> tuple:
    """Kind, value, day, and where it stands in each dataset version."""
    return tuple(
        (
            o["kind"],
            o["value"],
            o["requested_at"][:10],
            tuple((d["dataset"], d["items"], d["state"]) for d in o["datasets"]),
        )
        for o in optouts
    )


def _requests(requests: list) -> tuple:
    return tuple((r["dataset"], tuple(str(i) for i in r["photo_ids"]), r["text"]) for r in requests)


def _norm(a: dict, cli: bool) -> tuple:
    """Every field both give, in one shape: what the input was read as, and for each answer the pool and
    dataset counts, every photo (id, datasets, items, licenses and what they allow, the latest check) in
    lookup's order, the accounts in lookup's order, upload dates, opt-outs and where they stand per
    dataset version, and each removal request's full text."""
    detail = a["detail"].split("; no account")[0].split("; check the spelling")[0]
    if a["error"]:
        return ("error", a["input"], detail)
    if a["photo"]:
        p = a["photo"]
        check = p["flickr_check"]
        datasets = sorted(
            (
                d["dataset"] + " " + d["version"] if cli else d["dataset"],
                d["name"],
                d["items"],
                tuple(d["declared_licenses"]),
                d["removal_route"],
            )
            for d in p["datasets"]
        )
        optouts = tuple(
            (kind, value if kind == "photo" else "", day, where)
            for kind, value, day, where in _optouts(p["optouts"], cli)
        )
        return (
            "photo",
            a["input"],
            detail,
            str(p["photo_id"]),
            p["pool"]["in_pool"],
            p["pool"]["license"],
            p["pool"]["license_terms"],
            datasets,
            (check["status"], check["license"]) if check else None,
            optouts,
            _requests(a["removal_requests"]),
        )
    accounts = []
    for acc in a["accounts"]:
        if cli and not (acc["pool"]["photos"] or acc["datasets"]):
            continue  # the CLI names an NSID it did not find; the page just finds nothing
        datasets = tuple(
            sorted(
                (
                    d["dataset"] + " " + d["version"] if cli else d["dataset"],
                    d["name"],
                    d["photos"],
                    d["items"],
                    d["removal_route"],
                )
                for d in acc["datasets"]
            )
        )
        photos = tuple(
            (
                str(ph["photo_id"]),
                tuple(sorted(ph["datasets"])),
                ph["items"],
                ph["in_yfcc"],
                ph["yfcc_license"],
                ph["yfcc_license_terms"],
                tuple(ph["declared_licenses"]),
                ph["flickr_status"],
                ph["flickr_license"],
            )
            for ph in acc["photos"]
        )
        requests = _requests(a["removal_requests"]) if cli else _requests(acc["removal_requests"])
        if cli:  # the CLI lists every account's requests on the answer; keep this account's
            requests = tuple(r for r in requests if set(r[1]) <= {ph[0] for ph in photos})
        alias = (
            acc["path_alias"] if acc["nsid"] is None else None
        )  # lookup names a resolved alias too; the page, the NSID
        accounts.append(
            (
                acc["nsid"],
                alias,
                acc["pool"]["photos"],
                acc["first_upload"],
                acc["last_upload"],
                acc["photos_in_datasets"],
                acc["items_in_datasets"],
                datasets,
                photos,
                acc["opted_out"],
                _optouts(acc["optouts"], cli),
                requests,
            )
        )
    return ("accounts", a["input"], detail, a["read_as"], accounts)  # in lookup's order, not sorted


def _page_answers(browser, text: str) -> list:
    answers = browser.evaluate(f"ccauditAnswer({json.dumps(text)}, {{all: true}})", await_promise=True)
    return [_norm(a, cli=False) for a in answers]


def _first_difference(page, cli, path="answer"):
    """Where two nested answers first differ, for a readable failure."""
    if isinstance(page, (list, tuple)) and isinstance(cli, (list, tuple)):
        for i, (x, y) in enumerate(zip(page, cli, strict=False)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
        return f"{path}: lengths {len(page)} (page) and {len(cli)} (lookup)"
    return f"{path}: page {page!r} != lookup {cli!r}"


def _check_parity(browser, con, inputs):
    for text in inputs:
        page, cli = _page_answers(browser, text), _cli(con, text)
        assert page == cli, f"{text!r}: " + _first_difference(page, cli)


def test_single_file_page_agrees_with_lookup(browser, demo, single, tmp_path):
    con = demo[0]
    page = (single / "search.html").as_uri()
    browser.open(page)
    assert not (single / "search-index").exists()
    inputs = _inputs(demo)
    _check_parity(browser, con, inputs)
    top_answer = run_lookup(con, [demo[2][0]]).answers[0].accounts[0]
    assert {d.dataset: d.items for d in top_answer.datasets}["aliased"] == 2
    assert run_lookup(con, ["other_alias"]).answers[0].accounts[0].nsid is None
    # a shared name really gives two accounts, never one total
    answers = browser.evaluate("ccauditAnswer('Shared Name')", await_promise=True)
    assert len(answers[0]["accounts"]) == 2
    browser.drain()
    assert browser.errors() == [] and browser.requests() == [page]


def test_sharded_page_served_over_http_agrees_with_lookup(browser, demo, sharded):
    con = demo[0]
    report_dir, url = sharded
    shards = sorted((report_dir / "search-index").glob("*.json"))
    assert len(shards) > 16 and all(len(p.stem) == len(shards[0].stem) for p in shards)
    html = (report_dir / "search.html").read_text()
    assert '"records"' not in html and '"shard_chars": ' in html.replace('"shard_chars":', '"shard_chars": ')
    browser.open(url)
    _check_parity(browser, con, _inputs(demo))
    # one query fetches only the shard files it needs
    browser.open(url)
    browser.evaluate("ccauditAnswer('" + demo[2][0] + "')", await_promise=True)
    fetched = [u for u in browser.requests() if "/search-index/" in u]
    assert 1 <= len(fetched) <= 2
    assert browser.evaluate("ccauditBytesFetched") <= MAX_FETCH_BYTES
    for text in (
        "Shared Name",
        str(demo[3]),
        demo[2][1],
    ):  # a name (several accounts), a photo, another account
        browser.open(url)
        browser.evaluate(f"ccauditAnswer({json.dumps(text)})", await_promise=True)
        assert browser.evaluate("ccauditBytesFetched") <= MAX_FETCH_BYTES, text
    browser.drain()
    assert browser.errors() == []


def test_query_in_the_address_is_answered_on_load(browser, demo, single, sharded):
    from urllib.parse import quote

    nsid = demo[2][0]
    for base in ((single / "search.html").as_uri(), sharded[1]):
        browser.open(f"{base}?q={quote('https://www.flickr.com/photos/' + nsid + '/')}")
        deadline = time.monotonic() + 10
        while not browser.evaluate("document.body.hasAttribute('data-searched')"):
            assert time.monotonic() < deadline, "the ?q= search did not run"
            time.sleep(0.05)
        shown = browser.evaluate("document.getElementById('result').innerText")
        assert f"read as account {nsid}" in shown and "Pool (YFCC100M):" in shown
        assert browser.evaluate("document.getElementById('q').value").endswith(nsid + "/")


def test_sharded_page_from_disk_says_it_needs_a_server(browser, sharded):
    report_dir, _ = sharded
    browser.open((report_dir / "search.html").as_uri() + "?q=5215831864")
    deadline = time.monotonic() + 10
    while not browser.evaluate("document.body.hasAttribute('data-searched')"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert "web server" in browser.evaluate("document.getElementById('result').innerText")


LINKS = (
    [url for url, *_ in PHOTOS]
    + [url for url, *_ in USERS]
    + [url for url, _ in UNSUPPORTED]
    + [url for url, _ in BAD]
    + [url for url, _ in SPELLED]
    + [
        "https://www.flickr.com/gp/199246608@N02/nSN80jZ64E",
        "https://flic.kr/ps/ZVcni",
        "",
        "not a url",
        "notaurl",
        "https://flickr.com@evil.com/photos/x/1/",
        "javascript:alert(1)",
        "https:/www.flickr.com/photos/x/123/",
        "https://www.flickr.com/photos/x%ff/1/",
        "https://www.flickr.com/photos/x%zz/1/",
        "https://www.flickr.com:99999/photos/x/1",
        "https://www.flickr.com/photos/x/99999999999999999999/",
        "https://flic.kr/p/0OIl",
        "user@example.com",
        "henri.light",
        "Henri Bergius",
        "zoë.the wanderer42",
        "John 1984",
        "photo 1234567 and 12 and 123456",
        "\ufeff12345678@n00",
        "bad\x1bname",
        "<a href='https://www.flickr.com/photos/coast_guard/32812033543/'>x</a>",
        "source=flickr.com/photos/coast_guard/32812033543",
        "my flickr.com page",
        "a://b",
        "{{Flickr|url=www.flickr.com/photos/coast_guard/32812033543}}",
        "https://www.flickr.com/photo.gne?id=+123+&x",
        "www.flickr.com/photo.gne?id=105",
    ]
)


def test_the_page_reads_every_link_like_ccaudit(browser, single):
    """The page's reader agrees with pipelines.flickr.freetext.read_text on every case of its tests."""
    browser.open((single / "search.html").as_uri())
    for text in LINKS:
        expected = [
            {
                "text": i.text,
                "ref": None
                if i.ref is None
                else {
                    "kind": i.ref.kind,
                    "photo_id": None if i.ref.photo_id is None else str(i.ref.photo_id),
                    "owner": i.ref.owner,
                    "owner_is_nsid": i.ref.owner_is_nsid,
                    "form": i.ref.form,
                },
                "name": i.name,
                "error": i.error,
            }
            for i in read_text(text)
        ]
        got = browser.evaluate(
            f"ccauditRead({json.dumps(text)}).map(i => ({{text: i.text, ref: i.ref || null, "
            f"name: i.name === undefined ? null : i.name, error: i.error || null}}))"
        )
        assert got == expected, text


def test_screenshots_phone_and_desktop(browser, demo, single, tmp_path):
    browser.open((single / "search.html").as_uri() + "?q=" + "Shared%20Name")
    deadline = time.monotonic() + 10
    while not browser.evaluate("document.body.hasAttribute('data-searched')"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    keep(browser.screenshot(tmp_path / "search-answer-desktop.png", width=1280))
    keep(browser.screenshot(tmp_path / "search-answer-phone.png", width=390, mobile=True))
    assert browser.evaluate("document.documentElement.scrollWidth") <= 391
    # a pasted paragraph: a photo, an unreadable link and an account, long links wrapped on a phone
    nsid, photo_id = demo[2][0], demo[3]
    paragraph = (
        f"My photo https://www.flickr.com/photos/{nsid}/{photo_id}/in/album-72157607317745768/ is in it, "
        f"so is https://www.flickr.com/photos/{nsid}/albums/72157607317745768 and my account {nsid}."
    )
    from urllib.parse import quote

    browser.open((single / "search.html").as_uri() + "?q=" + quote(paragraph))
    deadline = time.monotonic() + 10
    while not browser.evaluate("document.body.hasAttribute('data-searched')"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert browser.evaluate("document.querySelectorAll('#result > div').length") == 3
    keep(browser.screenshot(tmp_path / "search-paragraph-phone.png", width=390, mobile=True))
    assert browser.evaluate("document.documentElement.scrollWidth") <= 391
    browser.call("Emulation.clearDeviceMetricsOverride", session=True)


def test_a_huge_paste_is_refused_not_hung(browser, single):
    browser.open((single / "search.html").as_uri())
    text = " ".join(str(10_000_000 + i) for i in range(5_000))
    answers = browser.evaluate(f"ccauditAnswer({json.dumps(text)})", await_promise=True)
    assert len(answers) == 1 and "at most 1000" in answers[0]["error"]
    long_link = "https://www.flickr.com/photos/" + "a" * 5000 + "/1/"
    [answer] = browser.evaluate(f"ccauditAnswer({json.dumps(long_link)})", await_promise=True)
    assert "neither an NSID nor a Flickr path alias" in answer["error"]


# --- what the page says when it cannot check (issue 24) and about itself -------------------------------


def _serve(folder):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/search.html"


def _shown(browser, url, text):
    from urllib.parse import quote

    browser.open(f"{url}?q={quote(text)}")
    deadline = time.monotonic() + 10
    while not browser.evaluate("document.body.hasAttribute('data-searched')"):
        assert time.monotonic() < deadline, "the ?q= search did not run"
        time.sleep(0.05)
    return browser.evaluate("document.getElementById('result').innerText")


@pytest.mark.parametrize(
    "damage", ["no index folder", "one file missing", "a file from another build", "a broken file"]
)
def test_a_missing_or_foreign_index_file_is_could_not_check_never_not_in_it(
    browser, demo, sharded, tmp_path, damage
):
    import shutil

    from pipelines.publish.search_index import DIGEST_CHARS, digest, user_key

    report_dir, _ = sharded
    copy = tmp_path / "report"
    shutil.copytree(report_dir, copy)
    nsid = demo[2][0]
    html = (copy / "search.html").read_text()
    salt = json.loads(html.split('id="ccaudit-index">')[1].split("</script>")[0])["salt"]
    chars = len(next((copy / "search-index").glob("*.json")).stem)
    target = copy / "search-index" / (digest(salt, user_key(nsid))[:chars] + ".json")
    assert len(digest(salt, user_key(nsid))) == DIGEST_CHARS and target.exists()
    if damage == "no index folder":
        shutil.rmtree(copy / "search-index")
    elif damage == "one file missing":
        target.unlink()
    elif damage == "a file from another build":
        shard = json.loads(target.read_text())
        target.write_text(json.dumps(dict(shard, b="0" * 12)))
    else:
        target.write_text('{"u": ')
    server, url = _serve(copy)
    try:
        shown = _shown(browser, url, nsid)
        [answer] = browser.evaluate(f"ccauditAnswer({json.dumps(nsid)})", await_promise=True)
    finally:
        server.shutdown()
        server.server_close()
    assert answer["read_as"] == "unchecked" and not answer["found"]
    assert "Could not check" in shown and "not an answer" in shown
    assert "No account" not in shown and "in none" not in shown


def test_every_prefix_has_its_file_and_names_its_build(sharded):
    report_dir, _ = sharded
    html = (report_dir / "search.html").read_text()
    index = json.loads(html.split('id="ccaudit-index">')[1].split("</script>")[0])
    files = sorted((report_dir / "search-index").glob("*.json"))
    assert len(files) == index["shard_files"] == 16 ** index["shard_chars"]
    assert {json.loads(p.read_text())["b"] for p in files} == {index["build"]}


def test_keys_named_like_object_members_are_answered(browser, single):
    """Any input key used as a property name (issue 24): each Object member, in every place a key goes."""
    browser.open((single / "search.html").as_uri())
    members = browser.evaluate(
        "Object.getOwnPropertyNames(Object.prototype).concat(['__proto__', 'prototype'])"
    )
    for key in members:
        for text in (
            f"https://www.flickr.com/photo.gne?id=42&{key}=x",
            f"https://www.flickr.com/photo.gne?{key}=1",
            f"https://www.flickr.com/photos/{key}/",
            f"https://www.flickr.com/photos/x/{key}/1/",
            key,
        ):
            answers = browser.evaluate(
                f"ccauditRun({json.dumps(text)}).then(() => ccauditAnswer({json.dumps(text)}))",
                await_promise=True,
            )
            assert len(answers) == 1 and answers[0]["read_as"] in ("photo", "alias", "name", "error"), text
            assert browser.evaluate("document.querySelectorAll('#result > div').length") == 1, text
    browser.drain()
    assert browser.errors() == []


def test_the_page_counts_photographers_as_the_report_does(single):
    html = (single / "search.html").read_text()
    index = json.loads(html.split('id="ccaudit-index">')[1].split("</script>")[0])
    summary = json.loads((single / "summary.json").read_text())
    rows = summary["tables"]["overview_photographers"]["rows"]
    figure = next(r["accounts"] for r in rows if r["counted"].startswith("photographers"))
    unresolved = next(r["accounts"] for r in rows if r["counted"].startswith("unresolved path aliases"))
    assert (index["photographers"], index["unresolved_aliases"]) == (figure, unresolved)
    assert index["accounts"] == figure + unresolved


def test_an_account_answer_lists_its_photos_and_offers_the_requests(browser, demo, sharded):
    con, _, top, _ = demo
    _, url = sharded
    shown = _shown(browser, url, top[0])
    answer = run_lookup(con, [top[0]]).answers[0].accounts[0]
    assert "forbids commercial use" in shown or "allows commercial use" in shown
    assert f"uploaded {answer.first_upload:%Y-%m-%d} to {answer.last_upload:%Y-%m-%d}" in shown
    listed = browser.evaluate("Array.from(document.querySelectorAll('ol.photos a')).map(a => a.textContent)")
    assert (
        listed == [str(p.photo_id) for p in answer.photos][:PART_PHOTOS] and len(answer.photos) > PART_PHOTOS
    )
    assert (
        browser.evaluate("document.querySelectorAll('details.request').length") == 0
    )  # incomplete: none offered
    browser.evaluate("document.querySelector('#result button.copy').click()")
    deadline = time.monotonic() + 10
    while browser.evaluate("document.querySelectorAll('ol.photos a').length") < len(answer.photos):
        assert time.monotonic() < deadline, "the rest of the photos did not load"
        time.sleep(0.05)
    listed = browser.evaluate("Array.from(document.querySelectorAll('ol.photos a')).map(a => a.textContent)")
    assert listed == [str(p.photo_id) for p in answer.photos]
    texts = browser.evaluate(
        "Array.from(document.querySelectorAll('details.request textarea')).map(t => t.value)"
    )
    assert texts == [r["text"] for r in run_lookup(con, [top[0]]).answers[0].removal_requests()]
    browser.drain()
    assert browser.errors() == []


def test_a_published_address_gives_a_mailto_link_with_the_request(browser, demo, tmp_path, monkeypatch):
    """Where the catalogue records an address (none of today's sources does), the page offers mailto:."""
    import dataclasses

    from pipelines import catalog
    from pipelines.publish import search_index as search

    con, _, top, _ = demo
    real = catalog.entry_for

    def with_address(name):
        entry = real(name)
        return (
            dataclasses.replace(entry, removal_contact="removals@example.org")
            if entry and entry.key == "dif"
            else entry
        )

    monkeypatch.setattr(search, "entry_for", with_address)
    report_dir = _build(con, tmp_path / "mail", False, monkeypatch)
    account = next(
        a
        for a in top
        if any(d.dataset == "dif" for d in run_lookup(con, [a]).answers[0].accounts[0].datasets)
    )
    _shown(browser, (report_dir / "search.html").as_uri(), account)
    links = browser.evaluate("Array.from(document.querySelectorAll('details.request a')).map(a => a.href)")
    assert len(links) == 1 and links[0].startswith("mailto:removals%40example.org?subject=Removal%20request")
    assert "To: removals@example.org" in browser.evaluate(
        "Array.from(document.querySelectorAll('details.request textarea')).map(t => t.value).join('\\n')"
    )
