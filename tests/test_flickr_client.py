"""The Flickr client against a real HTTP server on 127.0.0.1 (tests/flickr_server.py).

Recorded real responses (shared/data/real/flickr-api/) are classified and parsed; faults are
injected per call (5xx, 429 + Retry-After, slow answers, resets, truncated or non-JSON bodies,
stat=fail codes); the token bucket is checked with a fake clock and once in real time.
"""

from __future__ import annotations

import bisect
import logging
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from pipelines.config import Settings
from pipelines.errors import ConfigError
from pipelines.flickr.client import (
    DeadlineReached,
    FlickrApiKeyError,
    FlickrClient,
    MissingApiKeyError,
    classify_payload,
)
from pipelines.flickr.models import PhotoInfo
from pipelines.flickr.ratelimit import TokenBucket
from tests.conftest import shared_path
from tests.flickr_server import (
    FlickrTestServer,
    Reply,
    fail_body,
    load_recording,
    person_body,
    photo_body,
    xml_to_flickr_json,
)

KEY = "k3y-5ecret-0f-the-te5t-5erver"
FAST_RATE = 3_600_000.0  # calls/hour: the bucket never waits in functional tests


@pytest.fixture
def server():
    with FlickrTestServer(api_key=KEY) as srv:
        yield srv


class SleepRecorder:
    """Fake sleep: records the delays the client asked for, returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_client(server: FlickrTestServer, **options) -> FlickrClient:
    options.setdefault("read_timeout", 0.5)
    options.setdefault("connect_timeout", 0.5)
    options.setdefault("backoff_base", 0.01)
    options.setdefault("backoff_max", 0.05)
    return FlickrClient(KEY, server.url, options.pop("rate", FAST_RATE), **options)


# --- every recorded response, classified over HTTP -------------------------------------------

# file -> (method it answered, expected status or "bad_key", code)
RECORDINGS = {
    "photos.getInfo__ok__json_2012_rotated_geotagged.json": ("flickr.photos.getInfo", "ok", None),
    "photos.getInfo__ok__json_2012_video.json": ("flickr.photos.getInfo", "ok", None),
    "photos.getInfo__ok__json_2013_geotagged_with_notes.json": ("flickr.photos.getInfo", "ok", None),
    "photos.getInfo__ok__xml_license0_empty_path_alias.xml": ("flickr.photos.getInfo", "ok", None),
    "photos.getInfo__ok__xml_license10_pdm_machine_tags.xml": ("flickr.photos.getInfo", "ok", None),
    "photos.getInfo__ok__xml_license4_ccby_geo.xml": ("flickr.photos.getInfo", "ok", None),
    "photos.getInfo__ok__xml_license7_nkcr.xml": ("flickr.photos.getInfo", "ok", None),
    "photos.getInfo__ok__xml_license8_usgov.xml": ("flickr.photos.getInfo", "ok", None),
    "photos.getInfo__ok__xml_video.xml": ("flickr.photos.getInfo", "ok", None),
    "photos.getInfo__fail_1__xml_deleted_photo.xml": ("flickr.photos.getInfo", "not_found", 1),
    "photos.getInfo__fail_1__xml_invalid_id.xml": ("flickr.photos.getInfo", "not_found", 1),
    "photos.getInfo__fail_1__xml_not_found_plain.xml": ("flickr.photos.getInfo", "not_found", 1),
    "photos.getInfo__fail_1__xml_private_photo.xml": ("flickr.photos.getInfo", "not_found", 1),
    "people.getInfo__ok__json_2012.json": ("flickr.people.getInfo", "ok", None),
    "people.getInfo__ok__json_2013.json": ("flickr.people.getInfo", "ok", None),
    "people.getInfo__ok__xml_default_icon_empty_path_alias.xml": ("flickr.people.getInfo", "ok", None),
    "people.getInfo__ok__xml_location_set.xml": ("flickr.people.getInfo", "ok", None),
    "people.getInfo__ok__xml_non_pro.xml": ("flickr.people.getInfo", "ok", None),
    "people.getInfo__ok__xml_pro_account.xml": ("flickr.people.getInfo", "ok", None),
    "people.getInfo__fail_5__xml_user_deleted.xml": ("flickr.people.getInfo", "user_deleted", 5),
    "photos.licenses.getInfo__ok__json_2012_http_cc_urls.json": (
        "flickr.photos.licenses.getInfo",
        "ok",
        None,
    ),
    "photos.licenses.getInfo__ok__json_2015_https_cc_urls.json": (
        "flickr.photos.licenses.getInfo",
        "ok",
        None,
    ),
    "photos.licenses.getInfo__ok__xml_2023-11.xml": ("flickr.photos.licenses.getInfo", "ok", None),
    "photos.licenses.getInfo__ok__xml_2025-04_pre_cc4.xml": ("flickr.photos.licenses.getInfo", "ok", None),
    "photos.licenses.getInfo__ok__xml_2025-06_with_cc4.xml": ("flickr.photos.licenses.getInfo", "ok", None),
    "photos.licenses.getLicenseHistory__ok__xml_changed.xml": (
        "flickr.photos.licenses.getLicenseHistory",
        "ok",
        None,
    ),
    "photos.licenses.getLicenseHistory__ok__xml_initial_only.xml": (
        "flickr.photos.licenses.getLicenseHistory",
        "ok",
        None,
    ),
    "photos.licenses.getLicenseHistory__fail_1__xml.xml": (
        "flickr.photos.licenses.getLicenseHistory",
        "not_found",
        1,
    ),
    "photos.getAllContexts__ok__xml_album.xml": ("flickr.photos.getAllContexts", "ok", None),
    "photos.getAllContexts__ok__xml_no_contexts.xml": ("flickr.photos.getAllContexts", "ok", None),
    "photos.getAllContexts__fail_1__xml_private_photo.xml": ("flickr.photos.getAllContexts", "not_found", 1),
    "photos.getExif__fail_2__xml_permission_denied.xml": ("flickr.photos.getExif", "error", 2),
    "urls.lookupUser__ok__xml.xml": ("flickr.urls.lookupUser", "ok", None),
    "error__1_photoset_not_found__json_2012.json": ("flickr.photosets.removePhotos", "not_found", 1),
    "error__99_insufficient_permissions__xml.xml": ("flickr.test.null", "error", 99),
    "error__100_invalid_api_key__json_2012.json": ("flickr.photos.licenses.getInfo", "bad_key", 100),
    "error__100_invalid_api_key__json_2013.json": ("flickr.test.null", "bad_key", 100),
    "error__100_invalid_api_key__xml.xml": ("flickr.urls.lookupUser", "bad_key", 100),
}


def test_every_recording_is_listed():
    folder = shared_path("flickr-api")
    recorded = {p.name for p in folder.iterdir() if p.suffix in (".json", ".xml")}
    assert recorded == set(RECORDINGS)


@pytest.mark.parametrize("name", sorted(RECORDINGS))
def test_recorded_response_is_classified(server, name):
    method, expected, code = RECORDINGS[name]
    server.set_body(method, None, load_recording(shared_path("flickr-api", name)))
    client = make_client(server)
    if expected == "bad_key":
        with pytest.raises(FlickrApiKeyError) as caught:
            client.call(method)
        assert isinstance(caught.value, ConfigError)
        assert KEY not in str(caught.value)
    else:
        result = client.call(method)
        assert (result.status, result.code, result.attempts) == (expected, code, 1)
    assert len(server.calls(method)) == 1  # permanent answers are never retried


def test_json_recordings_are_served_byte_for_byte(server):
    path = shared_path("flickr-api", "photos.getInfo__ok__json_2013_geotagged_with_notes.json")
    assert load_recording(path) == path.read_bytes()


def _photo(server, name, photo_id="1"):
    server.add_photo(photo_id, load_recording(shared_path("flickr-api", name)))
    result = make_client(server).photo_info(photo_id)
    assert result.ok
    return result.value


def test_photo_fields_from_current_xml_recordings(server):
    usgov = _photo(server, "photos.getInfo__ok__xml_license8_usgov.xml")
    assert (usgov.photo_id, usgov.license_raw, usgov.license_id) == (32812033543, "8", 8)
    assert (usgov.owner_nsid, usgov.owner_username, usgov.owner_path_alias) == (
        "30884892@N08",
        "U.S. Coast Guard",
        "coast_guard",
    )
    assert usgov.is_public is True and usgov.media == "photo"
    assert usgov.posted_at == datetime(2017, 3, 24, 17, 27, 52)
    arr = _photo(server, "photos.getInfo__ok__xml_license0_empty_path_alias.xml", "2")
    assert arr.license_id == 0 and arr.owner_path_alias is None
    assert _photo(server, "photos.getInfo__ok__xml_video.xml", "3").media == "video"
    assert _photo(server, "photos.getInfo__ok__xml_license10_pdm_machine_tags.xml", "4").license_id == 10
    assert _photo(server, "photos.getInfo__ok__xml_license7_nkcr.xml", "5").license_id == 7


def test_photo_fields_from_old_json_recordings(server):
    old = _photo(server, "photos.getInfo__ok__json_2013_geotagged_with_notes.json")
    assert (old.photo_id, old.license_id, old.owner_nsid) == (8130464513, 0, "78733179@N04")
    assert old.owner_path_alias is None  # JSON null
    assert old.posted_at is None  # owner-set "dateuploaded": "2013" is not a time
    assert old.updated_at == datetime(2013, 9, 18, 14, 41, 1)
    assert old.title == "Hana" and old.is_public is True


def test_person_fields(server):
    for nsid, name in [
        ("1", "people.getInfo__ok__xml_pro_account.xml"),
        ("2", "people.getInfo__ok__xml_location_set.xml"),
        ("3", "people.getInfo__ok__json_2012.json"),
    ]:
        server.add_person(nsid, load_recording(shared_path("flickr-api", name)))
    client = make_client(server)
    pro = client.person_info("1").value
    assert (pro.nsid, pro.is_pro, pro.photo_count, pro.location) == ("197130754@N07", True, 497, None)
    kyoto = client.person_info("2").value
    assert (kyoto.username, kyoto.location, kyoto.path_alias) == ("小川 Ogawasan", "Kyoto, Japan", "ogawasan")
    old = client.person_info("3").value
    assert (old.is_pro, old.photo_count, old.path_alias, old.username) == (False, 98, None, "Janko Marohnić")


def test_licenses_history_and_lookup(server):
    def serve(method, name):
        server.set_body(method, None, load_recording(shared_path("flickr-api", name)))

    client = make_client(server)
    serve("flickr.photos.licenses.getInfo", "photos.licenses.getInfo__ok__xml_2025-06_with_cc4.xml")
    current = client.licenses().value
    assert sorted(lic.license_id for lic in current) == list(range(17))
    assert {lic.flickr_id: lic.name for lic in current}[4] == "CC BY 2.0"
    serve("flickr.photos.licenses.getInfo", "photos.licenses.getInfo__ok__json_2012_http_cc_urls.json")
    assert sorted(lic.license_id for lic in client.licenses().value) == list(range(9))
    serve(
        "flickr.photos.licenses.getLicenseHistory", "photos.licenses.getLicenseHistory__ok__xml_changed.xml"
    )
    history = client.license_history(54450311696).value
    assert [(c.old_license_id, c.new_license_id) for c in history] == [(0, 10), (10, 7)]
    assert history[0].changed_at == datetime(2025, 4, 14, 2, 34, 50)
    serve(
        "flickr.photos.licenses.getLicenseHistory",
        "photos.licenses.getLicenseHistory__ok__xml_initial_only.xml",
    )
    assert [(c.old_license_id, c.new_license_id) for c in client.license_history(1).value] == [(7, None)]
    serve("flickr.urls.lookupUser", "urls.lookupUser__ok__xml.xml")
    user = client.lookup_user("britishlibrary").value
    assert (user.nsid, user.username) == ("12403504@N02", "The British Library")
    assert (
        server.calls("flickr.urls.lookupUser")[0].params["url"]
        == "https://www.flickr.com/photos/britishlibrary/"
    )


def test_xml_converter_follows_flickr_json_rules():
    rendered = xml_to_flickr_json(
        '<rsp stat="ok"><photo id="7" farm="5" license="4"><title>t</title><notes />'
        '<tags><tag raw="A" machine_tag="0">a</tag></tags><location latitude="1.5" accuracy="11" />'
        "</photo></rsp>"
    )
    assert rendered == {
        "photo": {
            "id": "7",
            "farm": 5,
            "license": "4",
            "title": {"_content": "t"},
            "notes": {"note": []},
            "tags": {"tag": [{"raw": "A", "machine_tag": 0, "_content": "a"}]},
            "location": {"latitude": 1.5, "accuracy": "11"},
        },
        "stat": "ok",
    }
    assert xml_to_flickr_json('<rsp stat="fail"><err code="5" msg="User deleted" /></rsp>') == fail_body(
        5, "User deleted"
    )


# --- coercion of mixed JSON types (synthetic bodies) -----------------------------------------


@pytest.mark.parametrize(
    "license_value, expected",
    [("4", 4), (4, 4), (" 9 ", 9), (16, 16), ("0", 0), ("17", None), ("", None), (None, None)],
)
def test_license_types_are_coerced(license_value, expected):
    info = PhotoInfo.from_payload(photo_body(1, license=license_value))
    assert info.license_id == expected


@pytest.mark.parametrize(
    "value, expected",
    [(1, True), ("1", True), (0, False), ("0", False), (None, None), ({"_content": "1"}, True)],
)
def test_flags_are_coerced(value, expected):
    assert PhotoInfo.from_payload(photo_body(1, ispublic=value)).is_public is expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1281906139", datetime(2010, 8, 15, 21, 2, 19)),
        (1281906139, datetime(2010, 8, 15, 21, 2, 19)),
        ("2013", None),
        ("", None),
        ("soon", None),
    ],
)
def test_upload_dates_are_coerced(value, expected):
    assert PhotoInfo.from_payload(photo_body(1, dateuploaded=value)).posted_at == expected


def test_jsonp_wrapper_is_accepted():
    assert classify_payload('jsonFlickrApi({"stat":"ok","x":1})').status == "ok"


# --- retries ----------------------------------------------------------------------------------

TRANSIENT_FAULTS = {
    "http_500": Reply(status=500, body="<error>BOOM!</error>"),
    "http_502": Reply(status=502, body="Bad Gateway"),
    "http_503": Reply(status=503, body=""),
    "http_429": Reply(status=429, body="", headers={"Retry-After": "0"}),
    "slow_beyond_read_timeout": Reply(delay=1.0),
    "connection_reset": Reply(action="reset"),
    "body_cut_short": Reply(action="truncate"),
    "truncated_json": Reply(body='{"photo":{"id":"42","license":"4"'),
    "html_not_json": Reply(body="<html><body>Service Unavailable</body></html>"),
    "code_105": Reply(body=fail_body(105, "Service currently unavailable")),
    "code_201": Reply(body=fail_body(201, "Sorry, the Flickr API service is not currently available.")),
}


@pytest.mark.parametrize("fault", sorted(TRANSIENT_FAULTS))
def test_transient_fault_is_retried(server, fault):
    server.add_photo(42, photo_body(42, license="4"))
    server.add_faults("flickr.photos.getInfo", 42, TRANSIENT_FAULTS[fault])
    result = make_client(server).photo_info(42)
    assert (result.status, result.attempts, result.value.license_id) == ("ok", 2, 4)
    assert len(server.calls("flickr.photos.getInfo", 42)) == 2


def test_retries_stop_after_max_attempts(server):
    server.add_photo(42, photo_body(42))
    server.add_faults("flickr.photos.getInfo", 42, *[Reply(status=503) for _ in range(5)])
    result = make_client(server, max_attempts=3).photo_info(42)
    assert (result.status, result.attempts) == ("error", 3)
    assert "gave up after 3 attempts" in result.message and "HTTP 503" in result.message
    assert len(server.calls("flickr.photos.getInfo")) == 3


@pytest.mark.parametrize(
    "reply, status, code",
    [
        (Reply(body=fail_body(1, "Photo not found")), "not_found", 1),
        (Reply(body=fail_body(5, "User deleted")), "user_deleted", 5),
        (Reply(body=fail_body(2, "Permission denied")), "error", 2),
        (Reply(body=fail_body(99, "Insufficient permissions")), "error", 99),
        (Reply(body={"stat": "fail", "code": "1", "message": "x"}), "not_found", 1),  # code as a string
        (Reply(status=404, body="Not Found"), "error", None),
        (Reply(status=400, body="oauth_problem=signature_invalid"), "error", None),
    ],
)
def test_permanent_answers_are_not_retried(server, reply, status, code):
    server.add_faults("flickr.photos.getInfo", 42, reply)
    result = make_client(server).photo_info(42)
    assert (result.status, result.code, result.attempts) == (status, code, 1)
    assert len(server.calls("flickr.photos.getInfo")) == 1


def test_status_follows_code_not_message(server):
    server.add_faults("flickr.photos.getInfo", 42, Reply(body=fail_body(5, "Photo not found")))
    assert make_client(server).photo_info(42).status == "user_deleted"


def test_bad_key_stops_without_retry(server):
    client = FlickrClient("wrong-key-value", server.url, FAST_RATE)
    with pytest.raises(FlickrApiKeyError) as caught:
        client.photo_info(42)
    assert "code 100" in str(caught.value) and "wrong-key-value" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert len(server.calls()) == 1


def test_retry_after_seconds_is_honoured(server):
    sleep = SleepRecorder()
    server.add_photo(42, photo_body(42))
    server.add_faults("flickr.photos.getInfo", 42, Reply(status=429, headers={"Retry-After": "7"}))
    assert make_client(server, sleep=sleep).photo_info(42).ok
    assert max(sleep.delays) == 7.0


def test_retry_after_http_date_is_honoured(server):
    sleep = SleepRecorder()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.add_photo(42, photo_body(42))
    server.add_faults("flickr.photos.getInfo", 42, Reply(status=503, headers={"Retry-After": when}))
    assert make_client(server, sleep=sleep).photo_info(42).ok
    assert 27 <= max(sleep.delays) <= 30


def test_excessive_retry_after_gives_up_without_waiting(server):
    sleep = SleepRecorder()
    server.add_faults("flickr.photos.getInfo", 42, Reply(status=429, headers={"Retry-After": "86400"}))
    result = make_client(server, sleep=sleep).photo_info(42)
    assert result.status == "error" and "Retry-After" in result.message
    assert sleep.delays == [] and len(server.calls()) == 1


def test_backoff_is_exponential_with_jitter(server):
    server.add_faults("flickr.photos.getInfo", 42, *[Reply(status=500) for _ in range(4)])
    highest, lowest = SleepRecorder(), SleepRecorder()
    make_client(server, sleep=highest, rng=lambda: 1.0, backoff_base=1, backoff_max=60).photo_info(42)
    server.add_faults("flickr.photos.getInfo", 42, *[Reply(status=500) for _ in range(4)])
    make_client(server, sleep=lowest, rng=lambda: 0.0, backoff_base=1, backoff_max=60).photo_info(42)
    assert highest.delays == [1.0, 2.0, 4.0, 8.0]
    assert lowest.delays == [0.5, 1.0, 2.0, 4.0]


def test_retry_that_would_cross_the_deadline_is_not_started(server):
    import time

    server.add_faults("flickr.photos.getInfo", 42, Reply(status=503))
    client = make_client(server, backoff_base=10, backoff_max=10)
    with pytest.raises(DeadlineReached):
        client.photo_info(42, deadline=time.monotonic() + 2)
    assert len(server.calls()) == 1


# --- the key never leaks ----------------------------------------------------------------------


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_key_is_redacted_from_network_errors_and_logs(caplog):
    caplog.set_level(logging.DEBUG)
    client = FlickrClient(
        KEY, f"http://127.0.0.1:{_unused_port()}/services/rest/", FAST_RATE, max_attempts=2, backoff_base=0.01
    )
    result = client.photo_info(42)
    assert result.status == "error" and "ConnectionError" in result.message
    assert "api_key=***" in result.message  # the URL was there, the key was not
    assert KEY not in result.message and KEY not in repr(result)
    assert KEY not in caplog.text and "retrying" in caplog.text


def test_key_is_redacted_from_urllib3_debug_log(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.add_photo(42, photo_body(42))
    assert make_client(server).photo_info(42).ok
    assert "GET /services/rest/?" in caplog.text  # urllib3 logs the request line with the query
    assert KEY not in caplog.text


def test_key_echoed_by_an_error_page_is_redacted(server):
    server.add_faults("flickr.photos.getInfo", 42, Reply(status=403, body=f"Forbidden: /?api_key={KEY}&x=1"))
    result = make_client(server).photo_info(42)
    assert result.status == "error" and "HTTP 403" in result.message and KEY not in result.message


def test_key_is_not_in_reprs():
    client = FlickrClient(KEY, "http://127.0.0.1:9/", FAST_RATE)
    settings = Settings(flickr_api_key=KEY)
    assert KEY not in repr(client) and KEY not in repr(settings) and KEY not in repr(client.bucket)


def test_unusable_api_url_is_a_config_error():
    with pytest.raises(ConfigError, match="CCAUDIT_FLICKR_API_URL"):
        FlickrClient(KEY, "api.flickr.com/services/rest/")


def test_missing_key_is_a_config_error():
    with pytest.raises(MissingApiKeyError, match="services/apps/create") as caught:
        FlickrClient(None, "http://127.0.0.1:9/")
    assert isinstance(caught.value, ConfigError)


# --- the rate limit ---------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def max_in_window(times: list[float], window: float) -> int:
    """Most events in any half-open window [t, t + window) (it suffices to start at events)."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + window) - i for i, t in enumerate(times))


def test_bucket_never_exceeds_the_hourly_limit_fake_clock():
    clock = FakeClock()
    bucket = TokenBucket(3600, clock=clock, sleep=clock.sleep)
    assert bucket.burst == 5
    times = []
    for i in range(9000):
        if i == 4000:
            clock.sleep(600)  # idle: the bucket refills to its burst, no more
        bucket.acquire()
        times.append(clock.now)
    assert max_in_window(times, 3600) <= 3600
    for window in (1, 10, 60, 600):
        assert max_in_window(times, window) <= bucket.max_calls(window) + 1e-9
    assert max_in_window(times, 1e-6) == 5  # the burst after the idle period...
    assert max_in_window(times, 1.01) == 5 + 1  # ...then paced again
    first_hour = [t for t in times if t < 1000 + 3600]
    assert len(first_hour) >= 0.95 * 3600  # the limit is used, not wasted


def test_bucket_starts_empty_and_respects_deadline():
    clock = FakeClock()
    bucket = TokenBucket(3600, burst=5, clock=clock, sleep=clock.sleep)
    assert not bucket.acquire(deadline=clock.now + 0.5)  # first token after 3600/3595 s
    assert clock.now == 1000.0 and bucket.acquired == 0
    assert bucket.acquire(deadline=clock.now + 2)
    assert 1.0 < clock.now - 1000.0 < 1.01


def test_bucket_counts_retries(server):
    server.add_photo(42, photo_body(42))
    server.add_faults("flickr.photos.getInfo", 42, Reply(status=500), Reply(status=500))
    client = make_client(server)
    client.photo_info(42)
    assert client.bucket.acquired == client.requests_sent == 3


def test_real_time_rate_limit_per_second_window(server):
    """36000 calls/h against the real server: no 1-second window sees more than the bucket allows."""
    import time

    server.add_photo(42, photo_body(42))
    server.add_person("1@N01", person_body("1@N01"))
    client = make_client(server, rate=36000)
    started = time.monotonic()
    while time.monotonic() - started < 1.2:
        client.photo_info(42)
    time.sleep(0.8)  # idle: a burst builds up
    while time.monotonic() - started < 3.0:
        client.person_info("1@N01")
    times = [r.time for r in server.calls()]
    jitter = 0.1  # server-side arrival times vs token times (a loaded CI box)
    assert max_in_window(times, 1.0) <= client.bucket.max_calls(1.0 + jitter)
    assert len(times) <= client.bucket.max_calls(times[-1] - started + jitter)
    assert len(times) >= 0.9 * 10 * 2.2  # the limit is used: ~10/s while calling


# --- hostile answers (issue 13, items 3 and 5) ------------------------------------------------


@pytest.mark.parametrize("echo", [str.upper, str.lower, str.swapcase, lambda k: k])
def test_key_echoed_in_any_case_is_redacted_from_non_json_bodies(server, echo):
    server.add_faults("flickr.photos.getInfo", 42, Reply(body=f"<html>{echo(KEY)}</html>"))
    result = make_client(server, max_attempts=1).photo_info(42)
    assert result.status == "error" and "***" in result.message
    assert KEY.lower() not in result.message.lower()


def test_key_in_an_ok_answer_is_redacted_from_every_field(server):
    server.add_photo(42, photo_body(42, title=f"t {KEY.upper()}", username=f"u{KEY.lower()}"))
    result = make_client(server).photo_info(42)
    assert result.ok and result.value.title == "t ***" and result.value.owner_username == "u***"
    assert KEY.lower() not in repr(result.payload).lower()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_is_never_followed(server, status):
    with FlickrTestServer(api_key=KEY) as other:
        other.add_photo(42, photo_body(42))
        server.add_faults("flickr.photos.getInfo", 42, Reply(status=status, headers={"Location": other.url}))
        result = make_client(server).photo_info(42)
        assert other.calls() == []
    assert result.status == "error" and f"HTTP {status} redirect" in result.message
    assert len(server.calls("flickr.photos.getInfo")) == 1


MALFORMED = {
    "owner_not_object": {"stat": "ok", "photo": {"id": "1", "owner": "notadict"}},
    "photo_string": {"stat": "ok", "photo": "x"},
    "photo_list": {"stat": "ok", "photo": [{"id": "1"}]},
    "urls_not_object": {"stat": "ok", "photo": {"id": "1", "urls": "x"}},
    "visibility_list": {"stat": "ok", "photo": {"id": "1", "visibility": [1]}},
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_ok_answer_is_an_error_result_not_an_exception(server, name):
    server.add_photo(42, MALFORMED[name])
    result = make_client(server).photo_info(42)
    if result.ok:  # a shape the parser can read around (a missing part) is fine, as long as no crash
        assert result.value is not None
    else:
        assert result.status == "error" and result.message.startswith("malformed answer")
    assert len(server.calls("flickr.photos.getInfo")) == 1


@pytest.mark.parametrize(
    "method, body",
    [
        ("person_info", {"stat": "ok", "person": "x"}),
        ("licenses", {"stat": "ok", "licenses": {"license": ["x", 1]}}),
        ("license_history", {"stat": "ok", "license_history": [7]}),
        ("lookup_user", {"stat": "ok", "user": ["x"]}),
    ],
)
def test_every_typed_method_turns_a_malformed_answer_into_an_error(server, method, body):
    server.set_body(
        {
            "person_info": "flickr.people.getInfo",
            "licenses": "flickr.photos.licenses.getInfo",
            "license_history": "flickr.photos.licenses.getLicenseHistory",
            "lookup_user": "flickr.urls.lookupUser",
        }[method],
        None,
        body,
    )
    client = make_client(server)
    result = getattr(client, method)(*(() if method == "licenses" else ("42",)))
    assert result.status == "error" and result.message.startswith("malformed answer")


@pytest.mark.parametrize("value", ["9" * 5000, 10**30, -(10**30), float("1e300"), "１２３", "12" * 10])
def test_integers_outside_bigint_or_not_ascii_are_dropped(value):
    from pipelines.flickr.models import as_int

    assert as_int(value) is None


def test_huge_answer_is_refused_without_reading_it_all(server):
    server.add_faults(
        "flickr.photos.getInfo", 42, Reply(body=b'{"stat":"ok","photo":{"title":"' + b"x" * (20 << 20))
    )
    result = make_client(server).photo_info(42)
    assert result.status == "error" and "larger than 8 MB" in result.message
    assert len(server.calls("flickr.photos.getInfo")) == 1  # not retried: it is not a passing fault


def test_answer_dribbled_past_the_total_timeout_is_a_transient_error(server):
    server.add_photo(42, photo_body(42))
    server.add_faults("flickr.photos.getInfo", 42, Reply(body=b"x" * 400, action="dribble", delay=0.02))
    result = make_client(server, total_timeout=1.0, max_attempts=2).photo_info(42)
    assert result.ok and result.attempts == 2  # the dribbled answer was given up, the retry answered
