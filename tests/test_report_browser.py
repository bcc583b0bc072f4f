"""The report in a real browser: headless Chromium opens report.html and search.html from disk,
with no console errors, no network requests, visible charts, a phone layout that fits, and a
search that finds a known uploader (hashed index, crypto.subtle and the pure-JS fallback agree).

Chromium is driven through the DevTools protocol with a small client below (websockets only).
Screenshots go to the test's temporary folder; set CCAUDIT_SCREENSHOTS=DIR to keep them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

from pipelines.flickr_urls import encode_base58, parse_flickr_url
from pipelines.reports.build import build_report
from tests.test_report import DAY1, XSS_DATASET, insert_dataset, insert_photos

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class Browser:
    def __init__(self, binary: str, width: int = 1280, height: int = 900):
        self.profile = Path(tempfile.mkdtemp(prefix="ccaudit-chromium-"))
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             "--disable-default-apps", f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        # entered as a context manager (websockets >= 17.1 warns otherwise), left in close()
        self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=64 * 2**20, open_timeout=20).__enter__()
        self._next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, params: dict | None = None, session: bool = False, timeout: float = 30) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        for event in self.events:
            if event["method"] == method:
                self.events.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if "method" in event:
                if event["method"] == method:
                    return event
                self.events.append(event)

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str, await_promise: bool = False):
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": await_promise,
                                                "returnByValue": True}, session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def drain(self, seconds: float = 0.3) -> None:
        """Collect events that arrive without a command (console messages after a click)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                event = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            except TimeoutError:
                break
            if "method" in event:
                self.events.append(event)

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                found.append(str(params.get("exceptionDetails", {}).get("text")))
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(json.dumps(params.get("args")))
            elif event["method"] == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def screenshot(self, path: Path, width: int = 1280, full_page: bool = True, mobile: bool = False,
                   top: int = 0, height: int | None = None) -> Path:
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1,
                                                          "mobile": mobile}, session=True)
        if height is None:
            height = int(self.evaluate("document.documentElement.scrollHeight")) - top if full_page else 900
        shot = self.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": top, "width": width, "height": min(height, 16000), "scale": 1}}, session=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None,
                       reason="headless Chromium not found (install it with `make system-deps` or apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    instance = Browser(find_chromium())
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    from pipelines.db import connect as connect_db

    folder = tmp_path_factory.mktemp("browser")
    con = connect_db(folder / "report.duckdb")
    ids = insert_photos(con)
    insert_dataset(con, "faces", "1", ids[:6] + ids[:2] + [None, None], DAY1)
    insert_dataset(con, XSS_DATASET, "1", ids[40:45], DAY1)
    result = build_report(con, folder / "out", now=DAY1)  # pseudonymous, the default
    con.close()
    return result.report_dir


def keep(path: Path) -> None:
    target = os.environ.get("CCAUDIT_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def test_report_page_renders_offline_with_visible_charts(browser, report_dir, tmp_path):
    page = (report_dir / "report.html").as_uri()
    browser.open(page)
    browser.drain()
    assert browser.errors() == []
    assert browser.requests() == [page]  # nothing fetched: no CDN, no fonts, no images
    charts = browser.evaluate("""Array.from(document.querySelectorAll('svg.chart')).map(svg => {
        const box = svg.getBoundingClientRect();
        return [box.width, box.height, svg.querySelectorAll('rect, path, circle').length];
    })""")
    assert len(charts) >= 5
    assert all(width > 200 and height > 40 and marks > 0 for width, height, marks in charts), charts
    assert browser.evaluate("document.querySelectorAll('script').length") == 0
    headline = browser.evaluate("document.getElementById('headline').textContent")
    assert headline.startswith("73 photos and videos in 3 datasets")
    keep(browser.screenshot(tmp_path / "report-desktop.png", width=1280))
    # a phone: the page must not scroll sideways (wide tables scroll inside their own box)
    keep(browser.screenshot(tmp_path / "report-phone.png", width=390, mobile=True))
    assert browser.evaluate("document.documentElement.scrollWidth") <= 391
    assert (tmp_path / "report-desktop.png").stat().st_size > 20_000


def search(browser, text: str) -> str:
    browser.evaluate(f"document.getElementById('q').value = {json.dumps(text)};"
                     "document.body.removeAttribute('data-searched');"
                     "document.getElementById('search-form').requestSubmit();")
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
    """The page's URL parser agrees with pipelines.flickr_urls on every form it accepts."""
    browser.open((report_dir / "search.html").as_uri())
    for url in URLS:
        ref = parse_flickr_url(url)
        expected = {"users": [ref.owner] if ref.owner else [],
                    "photos": [str(ref.photo_id)] if ref.photo_id else []}
        assert browser.evaluate(f"ccauditParseQuery({json.dumps(url)})") == expected, url
