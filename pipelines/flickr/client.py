"""A thin Flickr REST client on `requests`: rate limit, timeouts, retries, classified results.

Every response is classified by `stat` and the numeric `code`, never by the message (Flickr
changes messages: "Photo not found" vs 'Photo "1" not found (invalid ID)'):

    ok            stat=ok
    not_found     code 1 (deleted, private or never existed: Flickr does not distinguish)
    user_deleted  code 5
    bad key       code 100 -> FlickrApiKeyError (a ConfigError: the run stops)
    error         any other code, an HTTP error, a body that is not JSON, or retries exhausted

Retried with exponential backoff and jitter: network errors and timeouts, HTTP 5xx, HTTP 429
(honouring Retry-After), unreadable bodies, and codes 105/201 ("service currently unavailable";
code 0 has been seen with the same message). Not retried: every other code and HTTP 4xx.

The API key is sent as a query parameter, so anything that prints a request URL would leak it:
exception texts are redacted before they leave this module (and raised `from None`), the
client's repr omits it, and urllib3's debug log lines are filtered.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Generic, Self, TypeVar
from urllib.parse import quote_plus, urlsplit

import requests

from .. import __version__
from ..errors import ConfigError
from .models import (
    LicenseChange,
    LicenseInfo,
    LookedUpUser,
    MalformedAnswer,
    PersonInfo,
    PhotoInfo,
    parse_answer,
)
from .ratelimit import TokenBucket

log = logging.getLogger(__name__)

GET_KEY_URL = "https://www.flickr.com/services/apps/create/"
TRANSIENT_CODES = frozenset({0, 105, 201})
STATUS_BY_CODE = {1: "not_found", 5: "user_deleted"}
STATUSES = ("ok", "not_found", "user_deleted", "error")

T = TypeVar("T")


class MissingApiKeyError(ConfigError):
    def __init__(self) -> None:
        super().__init__(
            "no Flickr API key: set FLICKR_API_KEY (get a free non-commercial key at "
            f"{GET_KEY_URL}); only `ccaudit enrich` needs it"
        )


class FlickrApiKeyError(ConfigError):
    """Flickr answered code 100: the key is invalid or expired. Stops the run."""

    def __init__(self, method: str) -> None:
        super().__init__(
            f"Flickr rejected the API key (code 100, invalid or expired) on {method}; check "
            f"FLICKR_API_KEY or get a new key at {GET_KEY_URL}"
        )


MAX_BODY_BYTES = 8 << 20  # a getInfo answer is a few KB; a larger one is not Flickr's


class _AnswerRefused(Exception):
    def __init__(self, message: str, transient: bool):
        super().__init__(message)
        self.transient = transient


class DeadlineReached(Exception):
    """The next call (or retry) could not start before the caller's deadline."""


# --- redaction -------------------------------------------------------------------------------

_API_KEY_PARAM = re.compile(r"(api_key=)[^&\s'\"]*", re.IGNORECASE)


class _Redactor(logging.Filter):
    """Scrubs known keys and any `api_key=` value from log records of the HTTP libraries."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self._pattern: re.Pattern | None = None

    def add(self, secret: str) -> None:
        """Remember a key; it is then redacted in any letter case and URL-encoded."""
        self.secrets.add(secret)
        forms = sorted(
            {form for s in self.secrets for form in (s, quote_plus(s)) if form}, key=len, reverse=True
        )
        self._pattern = re.compile("|".join(re.escape(f) for f in forms), re.IGNORECASE) if forms else None

    def redact(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub("***", text)
        return _API_KEY_PARAM.sub(r"\1***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record is not ours to fix
            return True
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_REDACTOR = _Redactor()
for _name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3", "requests", __name__):
    logging.getLogger(_name).addFilter(_REDACTOR)


def redact(text: str) -> str:
    """`text` with every API key this process has used replaced by ***."""
    return _REDACTOR.redact(text)


def redact_payload(value: Any) -> Any:
    """A decoded JSON answer with every string (keys too) redacted: an answer that echoes the
    key (in any case) must not carry it into a stored field."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: redact_payload(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_payload(v) for v in value]
    return value


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiResult(Generic[T]):
    """One classified answer. `message` is Flickr's (or our) text for people, never for logic."""

    method: str
    status: str
    code: int | None = None
    message: str | None = None
    attempts: int = 1
    value: T | None = None
    payload: dict | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class _Outcome:
    """Result of one HTTP attempt: final (a result) or transient (retry after `retry_after`)."""

    status: str
    code: int | None = None
    message: str | None = None
    payload: dict | None = None
    transient: bool = False
    retry_after: float | None = None


def _strip_jsonp(text: str) -> str:
    text = text.strip()
    if text.startswith("jsonFlickrApi(") and text.endswith(")"):
        return text[len("jsonFlickrApi(") : -1]
    return text


def classify_payload(body: bytes | str) -> _Outcome:
    """Classify one HTTP-200 body by `stat` and `code` (see the module doc)."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    try:
        payload = json.loads(_strip_jsonp(text))
    except (ValueError, RecursionError):  # also numbers past 4300 digits and nesting past the stack
        # Redact the whole text before cutting the excerpt: a cut could split the key and hide it.
        snippet = redact(text)[:60].replace("\n", " ")
        return _Outcome(
            "error", message=f"body is not JSON (truncated or HTML/XML?): {snippet!r}", transient=True
        )
    if not isinstance(payload, dict) or payload.get("stat") not in ("ok", "fail"):
        return _Outcome("error", message="JSON body without stat=ok|fail", transient=True)
    payload = redact_payload(payload)
    if payload["stat"] == "ok":
        return _Outcome("ok", payload=payload)
    code = _code(payload.get("code"))
    message = redact(str(payload.get("message") or ""))[:200]
    if code in TRANSIENT_CODES:
        return _Outcome("error", code=code, message=message, payload=payload, transient=True)
    status = STATUS_BY_CODE.get(code, "error") if code is not None else "error"
    return _Outcome(status, code=code, message=message, payload=payload)


def _code(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _retry_after_seconds(header: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        return max(0.0, parsedate_to_datetime(header).timestamp() - now())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# --- the client ------------------------------------------------------------------------------


class FlickrClient:
    """Calls Flickr REST methods with `format=json&nojsoncallback=1`.

    One client (and so one token bucket) per run: every HTTP request of the run, retries
    included, takes a token. `sleep`, `clock` and `rng` are injectable for tests.
    """

    def __init__(
        self,
        api_key: str | None,
        base_url: str,
        rate_per_hour: float = 3600.0,
        *,
        burst: int | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        total_timeout: float | None = None,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 900.0,
        session: requests.Session | None = None,
        bucket: TokenBucket | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ):
        if not api_key:
            raise MissingApiKeyError()
        split = urlsplit(base_url or "")
        if split.scheme not in ("http", "https") or not split.netloc:
            raise ConfigError(
                f"CCAUDIT_FLICKR_API_URL must be an http(s) URL, got {base_url!r} "
                "(default https://api.flickr.com/services/rest/)"
            )
        self._api_key = api_key
        _REDACTOR.add(api_key)
        self.base_url = base_url
        self.timeout = (connect_timeout, read_timeout)
        # The whole of one answer, however slowly its bytes arrive.
        self.total_timeout = (
            total_timeout if total_timeout is not None else connect_timeout + 2 * read_timeout
        )
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self._clock, self._sleep, self._rng = clock, sleep, rng
        # The bucket sleeps for real unless the clock is fake too: a fake sleep on the real clock
        # (a test recording retry delays) would make it spin.
        bucket_sleep = sleep if clock is not time.monotonic else time.sleep
        self.bucket = bucket or TokenBucket(rate_per_hour, burst, clock=clock, sleep=bucket_sleep)
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"ccaudit/{__version__} (+dataset license audit)"
        self.requests_sent = 0

    @classmethod
    def from_settings(cls, settings, **options) -> FlickrClient:
        return cls(settings.flickr_api_key, settings.flickr_api_url, settings.flickr_rate_per_hour, **options)

    def __repr__(self) -> str:
        return f"FlickrClient(base_url={self.base_url!r}, bucket={self.bucket!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- one HTTP attempt --

    def _attempt(self, params: dict[str, str]) -> _Outcome:
        started = time.monotonic()
        try:
            # Never follow a redirect: it would hand the api_key parameter to whatever host it names.
            # Streamed, so the body is read within a size and a total time limit.
            with self.session.get(
                self.base_url, params=params, timeout=self.timeout, allow_redirects=False, stream=True
            ) as response:
                body = self._read_body(response, started)
                return self._classify_response(response, body)
        except _AnswerRefused as exc:
            return _Outcome("error", message=str(exc), transient=exc.transient)
        except requests.RequestException as exc:
            # str(exc) carries the full URL with the key: redact, and never chain the original.
            return _Outcome(
                "error", message=f"network: {type(exc).__name__}: {redact(str(exc))[:300]}", transient=True
            )

    def _read_body(self, response: requests.Response, started: float) -> bytes:
        """The body, refused past MAX_BODY_BYTES or when the whole answer takes longer than
        total_timeout (a server dribbling a byte at a time never trips the per-read timeout)."""
        chunks, size = [], 0
        for chunk in response.iter_content(64 << 10):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise _AnswerRefused(
                    f"answer larger than {MAX_BODY_BYTES >> 20} MB (not read)", transient=False
                )
            if time.monotonic() - started > self.total_timeout:
                raise _AnswerRefused(f"answer took longer than {self.total_timeout:.0f}s", transient=True)
            chunks.append(chunk)
        return b"".join(chunks)

    def _classify_response(self, response: requests.Response, body: bytes) -> _Outcome:
        if response.status_code == 429:
            return _Outcome(
                "error",
                message="HTTP 429 Too Many Requests",
                transient=True,
                retry_after=_retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code >= 500:
            return _Outcome(
                "error",
                message=f"HTTP {response.status_code}",
                transient=True,
                retry_after=_retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.is_redirect or 300 <= response.status_code < 400:
            target = urlsplit(response.headers.get("Location") or "")
            where = f"{target.scheme}://{target.netloc}" if target.netloc else "a relative location"
            return _Outcome(
                "error",
                message=f"HTTP {response.status_code} redirect to {redact(where)} not followed "
                "(requests carry the API key; check CCAUDIT_FLICKR_API_URL)",
            )
        if not 200 <= response.status_code < 300:
            # An error page may echo the request URL: redact before keeping any of it.
            text = body.decode("utf-8", errors="replace")
            return _Outcome("error", message=f"HTTP {response.status_code}: {redact(text)[:100]!r}")
        return classify_payload(body)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + self._rng() * ceiling / 2

    # -- the public call --

    def call(self, method: str, deadline: float | None = None, **args: Any) -> ApiResult[dict]:
        """Call `method` with `args`; retries transient failures. Raises FlickrApiKeyError on
        code 100 and DeadlineReached when the call or a retry could not start before `deadline`
        (a `clock()` value)."""
        params = {
            "method": method,
            **{k: str(v) for k, v in args.items() if v is not None},
            "format": "json",
            "nojsoncallback": "1",
            "api_key": self._api_key,
        }
        attempt = 0
        while True:
            attempt += 1
            if not self.bucket.acquire(deadline):
                raise DeadlineReached(method)
            self.requests_sent += 1
            outcome = self._attempt(params)
            if outcome.code == 100:
                raise FlickrApiKeyError(method) from None
            if not outcome.transient:
                return ApiResult(
                    method,
                    outcome.status,
                    outcome.code,
                    outcome.message,
                    attempt,
                    outcome.payload,
                    outcome.payload,
                )
            if outcome.retry_after is not None and outcome.retry_after > self.max_retry_after:
                return ApiResult(
                    method,
                    "error",
                    outcome.code,
                    f"{outcome.message}; Retry-After {outcome.retry_after:.0f}s is too long",
                    attempt,
                )
            if attempt >= self.max_attempts:
                return ApiResult(
                    method,
                    "error",
                    outcome.code,
                    f"gave up after {attempt} attempts: {outcome.message}",
                    attempt,
                )
            delay = max(self._backoff(attempt), outcome.retry_after or 0.0)
            if deadline is not None and self._clock() + delay > deadline:
                raise DeadlineReached(method)
            log.warning(
                "flickr %s attempt %d failed (%s); retrying in %.1fs", method, attempt, outcome.message, delay
            )
            self._sleep(delay)

    # -- typed methods --

    def _typed(self, result: ApiResult[dict], parse: Callable[[dict], T]) -> ApiResult[T]:
        """Parse an ok answer; one of the wrong shape becomes an error result for this call only
        (recorded like any error, so enrichment goes on with the next photo)."""
        if not result.ok or result.payload is None:
            return ApiResult(
                result.method,
                result.status,
                result.code,
                result.message,
                result.attempts,
                None,
                result.payload,
            )
        try:
            value = parse_answer(parse, result.payload)
        except MalformedAnswer as exc:
            log.warning("flickr %s: %s", result.method, exc)
            return ApiResult(
                result.method, "error", None, redact(str(exc))[:300], result.attempts, None, result.payload
            )
        return ApiResult(
            result.method, result.status, result.code, result.message, result.attempts, value, result.payload
        )

    def photo_info(self, photo_id: int | str, deadline: float | None = None) -> ApiResult[PhotoInfo]:
        return self._typed(
            self.call("flickr.photos.getInfo", deadline, photo_id=photo_id), PhotoInfo.from_payload
        )

    def person_info(self, nsid: str, deadline: float | None = None) -> ApiResult[PersonInfo]:
        return self._typed(
            self.call("flickr.people.getInfo", deadline, user_id=nsid), PersonInfo.from_payload
        )

    def licenses(self, deadline: float | None = None) -> ApiResult[list[LicenseInfo]]:
        return self._typed(
            self.call("flickr.photos.licenses.getInfo", deadline), LicenseInfo.list_from_payload
        )

    def license_history(
        self, photo_id: int | str, deadline: float | None = None
    ) -> ApiResult[list[LicenseChange]]:
        return self._typed(
            self.call("flickr.photos.licenses.getLicenseHistory", deadline, photo_id=photo_id),
            LicenseChange.list_from_payload,
        )

    def lookup_user(self, url_or_alias: str, deadline: float | None = None) -> ApiResult[LookedUpUser]:
        """Resolve a profile URL or a bare path alias (flickr.com/photos/<alias>/) to an NSID."""
        url = url_or_alias if "/" in url_or_alias else f"https://www.flickr.com/photos/{url_or_alias}/"
        return self._typed(self.call("flickr.urls.lookupUser", deadline, url=url), LookedUpUser.from_payload)
