"""The report in a real browser: headless Chromium opens report.html and search.html from disk,
with no console errors, no network requests, visible charts, a phone layout that fits, and a
search that finds a known uploader (hashed index, crypto.subtle and the pure-JS fallback agree).

Chromium is driven through the DevTools protocol with a small client below (websockets only).
Screenshots go to the test's temporary folder; set CCAUDIT_SCREENSHOTS=DIR to keep them.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from pipelines.flickr.urls import encode_base58, parse_flickr_url
from pipelines.publish.report import publish_report
from tests.browser_support import BROWSER_MARKS, keep
from tests.test_report import DAY1, XSS_DATASET, insert_dataset, insert_photos

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    from pipelines.db import connect as connect_db

    folder = tmp_path_factory.mktemp("browser")
    con = connect_db(folder / "report.duckdb")
    ids = insert_photos(con)
    insert_dataset(con, "faces", "1", ids[:6] + ids[:2] + [None, None], DAY1)
    insert_dataset(con, XSS_DATASET, "1", ids[40:45], DAY1)
    result = publish_report(con, folder / "out", now=DAY1)  # pseudonymous, the default
    con.close()
    return result.report_dir


def test_report_page_renders_offline_with_visible_charts(browser, report_dir, tmp_path):
    page = (report_dir / "report.html").as_uri()
    browser.open(page)
    browser.drain()
    assert browser.errors() == []
    assert browser.requests() == [page]  # nothing fetched: no CDN, no fonts, no images
    charts = browser.evaluate("""Array.from(document.querySelectorAll('figure.chart')).map(fig => {
        const box = fig.getBoundingClientRect();
        return [box.width, box.height,
                fig.querySelectorAll('.bar-fill, .seg, .dot, td[style*="background"]').length];
    })""")
    assert len(charts) >= 5
    assert all(width > 200 and height > 40 and marks > 0 for width, height, marks in charts), charts
    assert browser.evaluate("document.querySelectorAll('script').length") == 0
    headline = browser.evaluate("document.getElementById('headline').textContent")
    summary = json.loads((report_dir / "summary.json").read_text())
    assert headline == summary["headline"]["text"] and headline.startswith("2 of 2 derived datasets credit")
    keep(browser.screenshot(tmp_path / "report-desktop.png", width=1280))
    # a phone: the page must not scroll sideways (wide tables scroll inside their own box)
    keep(browser.screenshot(tmp_path / "report-phone.png", width=390, mobile=True))
    assert browser.evaluate("document.documentElement.scrollWidth") <= 391
    assert (tmp_path / "report-desktop.png").stat().st_size > 20_000


def search(browser, text: str) -> str:
    browser.evaluate(
        f"document.getElementById('q').value = {json.dumps(text)};"
        "document.body.removeAttribute('data-searched');"
        "document.getElementById('search-form').requestSubmit();"
    )
    deadline = time.monotonic() + 10
    while not browser.evaluate("document.body.hasAttribute('data-searched')"):
        assert time.monotonic() < deadline, "search did not finish"
        time.sleep(0.05)
    return browser.evaluate("document.getElementById('result').innerText")


def test_search_page_finds_a_known_uploader_and_photos(browser, report_dir, tmp_path):
    page = (report_dir / "search.html").as_uri()
    browser.open(page)
    assert browser.evaluate("document.body.getAttribute('data-ready')") == "1"
    assert browser.evaluate("window.isSecureContext") is True  # file:// counts: crypto.subtle is used

    found = search(browser, "11111111@N00")
    assert "Account 11111111@N00" in found and "Pool (YFCC100M): 40 photos" in found
    assert "faces 1: 6 photos, 8 items" in found
    by_page = search(browser, "https://www.flickr.com/photos/11111111@N00/5000000/")
    assert "Pool (YFCC100M): yes" in by_page and "faces 1: 2 items" in by_page
    assert "read as photo 5000001" in search(browser, "https://live.staticflickr.com/2/5000001_abcdef_b.jpg")
    assert "read as photo 5000002" in search(browser, f"https://flic.kr/p/{encode_base58(5000002)}")
    pool_only = search(browser, "5000020")
    assert "Pool (YFCC100M): yes" in pool_only and "Derived datasets: in none" in pool_only
    assert "No account with that NSID" in search(browser, "99999999@N00")
    assert "cannot be read: not a Flickr" in search(browser, "https://example.com/x")

    # the dataset named with markup is shown as text, never parsed
    shown = search(browser, "22222222@N01")
    assert XSS_DATASET in shown
    assert browser.evaluate("document.querySelectorAll('#result script, #result img').length") == 0
    keep(browser.screenshot(tmp_path / "search.png", width=1280))
    browser.drain()
    assert browser.errors() == []
    assert browser.requests() == [page]


def test_pure_js_sha256_fallback_matches_python(browser, report_dir):
    browser.open((report_dir / "search.html").as_uri())
    for text in ("", "abc", "u:11111111@N00", "p:" + "9" * 19, "é✓ " * 40, "x" * 119):
        expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert browser.evaluate(f"ccauditSha256Fallback({json.dumps(text)})") == expected
        assert browser.evaluate(f"ccauditSha256({json.dumps(text)})", await_promise=True) == expected


URLS = [
    "https://www.flickr.com/photos/11111111@N00/5000000/",
    "http://flickr.com/photos/some_alias/5000001/in/photostream/",
    "https://m.flickr.com/photos/some-alias/",
    "https://www.flickr.com/people/22222222@N01/",
    "https://farm3.staticflickr.com/2/5000001_abcdef.jpg",
    "https://live.staticflickr.com/65535/53110000000_0123456789_b.jpg",
    "https://c1.staticflickr.com/1/2/5000002_ab12cd_o.png",
    f"https://flic.kr/p/{encode_base58(9_007_199_254_740_993)}",  # above 2**53: needs BigInt
    "https://www.flickr.com/photo.gne?id=5000003",
]


def test_search_page_reads_urls_like_ccaudit(browser, report_dir):
    """The page's URL parser agrees with pipelines.flickr.urls on every form it accepts."""
    browser.open((report_dir / "search.html").as_uri())
    for url in URLS:
        ref = parse_flickr_url(url)
        expected = {
            "users": [ref.owner] if ref.owner else [],
            "photos": [str(ref.photo_id)] if ref.photo_id else [],
        }
        assert browser.evaluate(f"ccauditParseQuery({json.dumps(url)})") == expected, url


# --- the report as a publication, at a desktop and a phone width ---------------------------------

SCREENSHOTS = Path(
    os.environ.get("CCAUDIT_SCREENSHOTS")
    or Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
)
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def publication(tmp_path_factory):
    """Two editions of a report over the pool and three derived datasets (one not traceable)."""
    from pipelines.db import connect as connect_db
    from tests.test_report import DAY2
    from tests.test_report_publication import AUTHOR, insert_items

    folder = tmp_path_factory.mktemp("publication")
    con = connect_db(folder / "report.duckdb")
    ids = insert_photos(con)
    insert_items(con, "ffhq", "v1", [(pid, 4, AUTHOR) for pid in ids[40:44] + ids[52:55] + ids[30:33]], DAY1)
    insert_items(con, "megaface", "v1", [(pid, None, None) for pid in ids[60:70] + ids[0:5]], DAY1)
    insert_items(con, "fairface", "v1", [(None, None, None)] * 4, DAY1, auditable=False)
    # a validation run and an opt-out: wide tables of long names that must fit a phone too
    con.execute("""INSERT INTO validation_results VALUES
        ('validate-20260301T120000-0123abcd', TIMESTAMP '2026-03-01', 'yfcc_photos', 'yfcc_photos',
         'expect_column_values_to_match_strftime_format_or_be_null', 'taken_at_raw', TRUE, TRUE, 0, 73, NULL),
        ('validate-20260301T120000-0123abcd', TIMESTAMP '2026-03-01', 'dataset_items', 'dataset_items',
         'expect_column_pair_values_to_be_in_set', 'declared_license_id', FALSE, FALSE, 3, 29, NULL)""")
    con.execute(
        "INSERT INTO optouts (kind, value, requested_at, note) VALUES ('user', '33333333@N02', ?, "
        "'asked to be removed from every dataset, in a long note that has to wrap on a phone')",
        [DAY1],
    )
    publish_report(con, folder / "out", now=DAY1)
    insert_items(con, "megaface", "v2", [(pid, None, None) for pid in ids[60:70] + ids[0:20]], DAY2)
    report_dir = publish_report(con, folder / "out", now=DAY2).report_dir
    yield con, report_dir
    con.close()


def at_width(browser, width: int) -> None:
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500},
        session=True,
    )
    browser.evaluate("document.body.offsetHeight")  # force layout at the new width


LAYOUT_JS = r"""(() => {
  const vw = document.documentElement.clientWidth;
  const visible = el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0
           && !el.closest('.visually-hidden') && el.closest('details:not([open]) > :not(summary)') === null; };
  const scroller = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return p; } return null; };
  const tooWide = [], clipped = [], wideTables = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect(), box = scroller(el);
    if (!box && (r.right > vw + 1 || r.left < -1)) tooWide.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
  }
  for (const box of document.querySelectorAll('.scroll, [style*="overflow"]')) {
    if (!visible(box) || box.scrollWidth <= box.clientWidth + 1) continue;
    wideTables.push(box.getAttribute('aria-label') || box.className);
    const s = getComputedStyle(box);
    const affordance = (s.overflowX === 'auto' || s.overflowX === 'scroll') && box.classList.contains('scroll')
        && s.backgroundImage.includes('radial-gradient') && box.tabIndex === 0;
    if (!affordance) clipped.push(box.getAttribute('aria-label') || box.className);
  }
  for (const cell of document.querySelectorAll('td, th')) {
    if (!visible(cell)) continue;
    const box = scroller(cell); const r = cell.getBoundingClientRect();
    if (!box && r.right > vw + 1) clipped.push('cell ' + cell.textContent.slice(0, 30));
  }
  return {scrollWidth: document.documentElement.scrollWidth, vw, tooWide: tooWide.slice(0, 20),
          clipped, wideTables};
})()"""

CHART_TEXT_JS = r"""(() => {
  const parse = c => { const m = c.match(/[\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const lum = ({r, g, b}) => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const blend = (top, under) => ({r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
                                  b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const fill = el => { const layers = [];
    for (let p = el; p; p = p.parentElement) { const c = parse(getComputedStyle(p).backgroundColor);
      if (c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) colour = blend(layer, colour);
    return colour; };
  const out = [];
  for (const fig of document.querySelectorAll('figure.chart')) {
    const walker = document.createTreeWalker(fig, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement; const text = node.textContent.trim();
      if (!text || el.closest('.visually-hidden')) continue;
      const s = getComputedStyle(el), r = el.getBoundingClientRect();
      if (s.display === 'none' || r.width === 0) continue;
      const fg = blend(parse(s.color), fill(el)), bg = fill(el);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      out.push({text: text.slice(0, 40), figure: fig.id, size: parseFloat(s.fontSize),
                contrast: (hi + 0.05) / (lo + 0.05), colour: s.color, background: `rgb(${bg.r},${bg.g},${bg.b})`});
    }
  }
  return {texts: out, svgText: document.querySelectorAll('figure.chart svg text').length};
})()"""


@pytest.mark.parametrize("width", WIDTHS)
def test_layout_reads_at_desktop_and_phone_width(browser, publication, width):
    _, report_dir = publication
    browser.open((report_dir / "report.html").as_uri())
    at_width(browser, width)
    layout = browser.evaluate(LAYOUT_JS)
    assert layout["scrollWidth"] <= layout["vw"], layout  # the page never scrolls sideways
    assert layout["tooWide"] == [], layout["tooWide"]  # no element wider than the viewport
    assert layout["clipped"] == [], layout["clipped"]  # nothing cut off without a scroll affordance
    if width >= 1280:
        assert layout["wideTables"] == [], layout["wideTables"]  # no hidden columns on a desktop
    # on a phone a wide table becomes one card per row: every value says which column it is
    assert (
        browser.evaluate("document.querySelectorAll('table.cards-narrow td:not([data-label])').length") == 0
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_chart_text_is_large_enough_and_has_contrast(browser, publication, width):
    _, report_dir = publication
    browser.open((report_dir / "report.html").as_uri())
    at_width(browser, width)
    found = browser.evaluate(CHART_TEXT_JS)
    texts = found["texts"]
    assert found["svgText"] == 0  # chart text is HTML: it keeps its size when the chart narrows
    assert len({t["figure"] for t in texts}) >= 8 and len(texts) > 100
    small = [t for t in texts if t["size"] < 12]
    assert small == [], small[:5]
    faint = [t for t in texts if t["contrast"] < 4.5]
    assert faint == [], faint[:5]
    # the segment labels really sit on coloured fills (so the check above covered white-on-colour text)
    assert any(t["background"] not in ("rgb(255,255,255)",) and t["text"].endswith("%") for t in texts)


def test_lead_sentences_carry_numbers_equal_to_independent_sql(browser, publication):
    con, report_dir = publication
    browser.open((report_dir / "report.html").as_uri())
    lead = browser.evaluate("Array.from(document.querySelectorAll('#lead li')).map(li => li.innerText)")
    assert len(lead) == 3  # one sentence per derived dataset; the pool is not one of them
    for dataset in ("megaface", "ffhq"):
        known, forbid = con.execute(
            """
            SELECT count(l.commercial_use), count(*) FILTER (WHERE NOT l.commercial_use)
            FROM (SELECT DISTINCT photo_id FROM dataset_items JOIN latest_datasets USING (dataset, version)
                  WHERE dataset = ? AND photo_id IS NOT NULL)
            JOIN yfcc_photos USING (photo_id) JOIN licenses AS l USING (license_id)""",
            [dataset],
        ).fetchone()
        sentence = next(s for s in lead if dataset.lower() in s.lower().replace("-", ""))
        assert (
            f"{forbid / known:.1%} of its traceable photos forbid commercial use "
            f"({forbid:,} of the {known:,} whose license says)"
        ) in sentence, sentence
    nd, cc = con.execute("""
        SELECT count(*) FILTER (WHERE NOT l.derivatives), count(*)
        FROM (SELECT DISTINCT photo_id FROM dataset_items WHERE dataset = 'megaface' AND version = 'v2')
        JOIN yfcc_photos USING (photo_id) JOIN licenses AS l USING (license_id) WHERE l.is_license""").fetchone()
    megaface = next(s for s in lead if s.startswith("MegaFace"))
    assert f"{nd:,} NoDerivs photos ({nd / cc:.1%}) are cut into face crops" in megaface
    assert "it credits no photographer" in megaface
    fairface = next(s for s in lead if s.startswith("FairFace"))
    assert "its 4 items carry no pointer back to Flickr" in fairface
    pool = browser.evaluate("document.getElementById('pool').innerText")
    total = con.execute("SELECT count(*) FROM yfcc_photos").fetchone()[0]
    assert f"holds {total:,} photos and videos" in pool and "not one of them" in pool
    limits = browser.evaluate("document.getElementById('limits').innerText")
    assert "not legal advice" in limits and "not proof of a violation" in limits and "Am I in it?" in limits
    assert browser.evaluate("document.querySelectorAll('[role=alert]').length") == 0
    # every table has a caption; every chart a finding caption and a description that carries the data
    assert browser.evaluate(
        "Array.from(document.querySelectorAll('table')).every(t => t.caption && t.caption.textContent.trim())"
    )
    assert browser.evaluate("""Array.from(document.querySelectorAll('figure.chart')).every(f =>
        document.getElementById(f.getAttribute('aria-describedby')).textContent.length > 40
        && f.querySelector('figcaption').textContent.trim().length > 10)""")


@pytest.mark.parametrize("width", WIDTHS)
def test_first_screen_screenshots_for_review(browser, publication, width):
    """The first screen at both widths, kept for a reviewer in test-artifacts/screenshots/."""
    _, report_dir = publication
    browser.open((report_dir / "report.html").as_uri())
    at_width(browser, width)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = browser.screenshot(
        SCREENSHOTS / f"report-first-screen-{width}.png",
        width=width,
        full_page=False,
        mobile=width < 500,
        height=900 if width >= 1280 else 844,
    )
    assert shot.stat().st_size > 10_000
    # what the first screen shows: the headline and the first dataset's sentence, above the fold
    top = browser.evaluate("""(() => { const r = id => document.querySelector(id).getBoundingClientRect();
        return [r('#headline').bottom, r('#lead li').bottom]; })()""")
    assert max(top) < (900 if width >= 1280 else 844), top
