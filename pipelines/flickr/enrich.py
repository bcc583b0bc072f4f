"""`ccaudit enrich`: re-check photos of interest on the live Flickr API.

Photos of interest are the items of the chosen dataset (or of every dataset), then, without
--dataset, the rest of yfcc_photos, in photo id order. Each answer is appended to
`flickr_checks` and committed at once (DuckDB autocommit), so a killed run loses at most the
call in flight. Uploaders (the current owner, else the owner YFCC100M recorded) are fetched once
per run into `uploaders`.

Resumption without duplicates: a pass over the photos may span several runs (a --limit, a
deadline, a crash). A run continues the pass of the previous run with the same --dataset unless
that run completed, and skips every photo (and uploader) checked since the pass started, plus
those answered within --max-age days. Errors do not count as fresh across passes, so they are
retried by the next pass, but not within one (that would loop).

The selection is queried in small batches ordered by photo id: nothing proportional to
yfcc_photos is held in Python memory.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from ..config import Settings
from ..db import connect, utc_now
from ..errors import InputError
from ..progress import Progress
from .client import STATUSES, DeadlineReached, FlickrApiKeyError, FlickrClient, MissingApiKeyError

BATCH_SIZE = 200
_NSID = re.compile(r"^[0-9]{3,12}@N[0-9]{2}$")




@dataclass
class EnrichResult:
    run_id: str
    dataset: str | None
    status: str = "running"          # complete | partial | failed
    stop_reason: str = ""
    resumed_run_id: str | None = None
    pending_at_start: int = 0
    photos: Counter = field(default_factory=Counter)
    uploaders: Counter = field(default_factory=Counter)
    unknown_licenses: int = 0
    api_calls: int = 0
    seconds: float = 0.0

    @property
    def photos_checked(self) -> int:
        return sum(self.photos.values())

    @property
    def uploaders_fetched(self) -> int:
        return sum(self.uploaders.values())

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id, "dataset": self.dataset, "status": self.status,
            "stop_reason": self.stop_reason, "resumed_run_id": self.resumed_run_id,
            "pending_at_start": self.pending_at_start, "photos_checked": self.photos_checked,
            "photos": {s: self.photos.get(s, 0) for s in STATUSES},
            "uploaders_fetched": self.uploaders_fetched,
            "uploaders": {s: self.uploaders.get(s, 0) for s in STATUSES},
            "unknown_licenses": self.unknown_licenses, "api_calls": self.api_calls,
            "seconds": round(self.seconds, 3),
            "calls_per_second": round(self.api_calls / self.seconds, 3) if self.seconds else None,
        }

    def summary_text(self) -> str:
        scope = f"dataset {self.dataset}" if self.dataset else "all datasets, then YFCC100M"
        counts = ", ".join(f"{self.photos.get(s, 0)} {s}" for s in STATUSES)
        people = ", ".join(f"{self.uploaders.get(s, 0)} {s}" for s in STATUSES)
        lines = [
            f"enrich {self.run_id} ({scope}): {self.status} - {self.stop_reason}",
            f"  photos checked: {self.photos_checked} of {self.pending_at_start} pending ({counts})",
            f"  uploaders fetched: {self.uploaders_fetched} ({people})",
            f"  API calls: {self.api_calls} in {self.seconds:.1f}s",
        ]
        if self.resumed_run_id:
            lines.append(f"  continued the pass of run {self.resumed_run_id}")
        if self.unknown_licenses:
            lines.append(f"  warning: {self.unknown_licenses} photo(s) carry a license id ccaudit does not "
                         "know (license_id NULL, see flickr_checks.license_raw)")
        if self.status == "partial":
            lines.append("  run `ccaudit enrich` again (same --dataset) to continue")
        return "\n".join(lines)


class _Selection:
    """Which photos still need a check in this pass, walked in photo id order.

    Besides the `done` test, a keyset cursor per tier (dataset items, then YFCC100M) makes sure
    a photo is offered once per run even if the clock stepped back between checks."""

    _DONE = """
        SELECT DISTINCT photo_id FROM flickr_checks
        WHERE (checked_at >= $fresh AND status <> 'error') OR checked_at >= $pass"""

    def __init__(self, dataset: str | None, fresh_since: datetime, pass_since: datetime):
        self.dataset = dataset
        self.fresh_since = fresh_since   # answered (non-error) checks since then are fresh
        self.pass_since = pass_since     # any check since then belongs to this pass
        self.after_item = -1
        self.after_yfcc = -1
        self.items_exhausted = False

    def _params(self, **extra) -> dict:
        return {"fresh": self.fresh_since, "pass": self.pass_since, **extra}

    def next_batch(self, con: duckdb.DuckDBPyConnection, size: int, advance: bool = True) -> list[tuple]:
        """Up to `size` pending photos: (photo_id, snapshot owner NSID, snapshot nickname).
        Dataset items first, then (without --dataset) the rest of yfcc_photos. With
        advance=False only peek (the cursor does not move)."""
        batch: list[tuple] = []
        if not self.items_exhausted:
            rows = con.execute(f"""
                WITH done AS ({self._DONE}),
                items AS (
                    SELECT DISTINCT photo_id FROM dataset_items
                    WHERE photo_id > $after AND ($ds IS NULL OR dataset = $ds)),
                batch AS (
                    SELECT photo_id FROM items ANTI JOIN done USING (photo_id)
                    ORDER BY photo_id LIMIT $n)
                SELECT b.photo_id, any_value(y.owner_nsid), any_value(y.owner_nickname),
                       any_value(d.owner_ref) FILTER (WHERE regexp_full_match(d.owner_ref, $nsid_pattern))
                FROM batch b
                LEFT JOIN yfcc_photos y USING (photo_id)
                LEFT JOIN dataset_items d USING (photo_id)
                GROUP BY b.photo_id ORDER BY b.photo_id""",
                               self._params(after=self.after_item, ds=self.dataset, n=size,
                                            nsid_pattern=_NSID.pattern)).fetchall()
            batch = [(pid, owner or ref, nick) for pid, owner, nick, ref in rows]
            if batch:
                if advance:
                    self.after_item = batch[-1][0]
                return batch
            if self.dataset is not None:
                return []
            if advance:
                self.items_exhausted = True
        # Every dataset item is done: continue with the rest of YFCC100M.
        batch = [tuple(r) for r in con.execute(f"""
            WITH done AS ({self._DONE})
            SELECT photo_id, owner_nsid, owner_nickname FROM yfcc_photos
            ANTI JOIN done USING (photo_id)
            WHERE photo_id > $after
            ORDER BY photo_id LIMIT $n""", self._params(after=self.after_yfcc, n=size)).fetchall()]
        if batch and advance:
            self.after_yfcc = batch[-1][0]
        return batch

    def count(self, con: duckdb.DuckDBPyConnection) -> int:
        """Pending photos. Two anti joins instead of a UNION, so 100M YFCC ids are streamed
        against the small sides (items, done) rather than de-duplicated in one hash table."""
        items = con.execute(f"""
            WITH done AS ({self._DONE})
            SELECT count(*) FROM (SELECT DISTINCT photo_id FROM dataset_items
                                  WHERE photo_id IS NOT NULL AND ($ds IS NULL OR dataset = $ds))
            ANTI JOIN done USING (photo_id)""", self._params(ds=self.dataset)).fetchone()[0]
        if self.dataset is not None:
            return items
        rest = con.execute(f"""
            WITH done AS ({self._DONE})
            SELECT count(*) FROM yfcc_photos y
            ANTI JOIN done USING (photo_id)
            ANTI JOIN (SELECT DISTINCT photo_id FROM dataset_items WHERE photo_id IS NOT NULL) i
                 USING (photo_id)""", self._params()).fetchone()[0]
        return items + rest

    def uploader_is_fresh(self, con: duckdb.DuckDBPyConnection, nsid: str) -> bool:
        return con.execute("""
            SELECT count(*) > 0 FROM uploaders
            WHERE owner_nsid = $nsid AND ((fetched_at >= $fresh AND status <> 'error') OR fetched_at >= $pass)""",
                           {"nsid": nsid, "fresh": self.fresh_since, "pass": self.pass_since}).fetchone()[0]


def _check_dataset(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    found = con.execute("SELECT count(*) FROM dataset_items WHERE dataset = ?", [dataset]).fetchone()[0]
    if not found:
        known = [r[0] for r in con.execute("SELECT DISTINCT dataset FROM dataset_items ORDER BY 1").fetchall()]
        raise InputError(f"no items of dataset {dataset!r} in the database"
                         + (f" (known: {', '.join(known)})" if known else " (run `ccaudit ingest manifest` first)"))


def _start_run(con: duckdb.DuckDBPyConnection, result: EnrichResult, started: datetime, max_age_days: float,
               limit: int | None, deadline_seconds: float | None) -> datetime:
    """Record the run; return the start of the pass it belongs to."""
    # We hold the only write connection (DuckDB allows one writer), so a run still marked
    # running is one whose process died without recording its end.
    con.execute("UPDATE flickr_enrich_runs SET status = 'interrupted' WHERE status = 'running'")
    previous = con.execute("""
        SELECT run_id, status, pass_started_at FROM flickr_enrich_runs
        WHERE dataset IS NOT DISTINCT FROM ? ORDER BY started_at DESC LIMIT 1""", [result.dataset]).fetchone()
    pass_started = started
    if previous and previous[1] != "complete":
        result.resumed_run_id, pass_started = previous[0], previous[2]
    con.execute("""
        INSERT INTO flickr_enrich_runs (run_id, pass_started_at, started_at, status, dataset, max_age_days,
                                        photo_limit, deadline_seconds)
        VALUES (?, ?, ?, 'running', ?, ?, ?, ?)""",
                [result.run_id, pass_started, started, result.dataset, max_age_days, limit, deadline_seconds])
    return pass_started


def _finish_run(con: duckdb.DuckDBPyConnection, result: EnrichResult) -> None:
    con.execute("""
        UPDATE flickr_enrich_runs SET finished_at = ?, status = ?, photos_checked = ?, uploaders_fetched = ?,
               api_calls = ?, ok = ?, not_found = ?, user_deleted = ?, error = ?
        WHERE run_id = ?""",
                [utc_now(), result.status, result.photos_checked, result.uploaders_fetched, result.api_calls,
                 *(result.photos.get(s, 0) for s in STATUSES), result.run_id])


_CHECK_FIELDS = ("license_id", "owner_nsid", "is_public", "owner_username", "title", "license_raw", "media",
                 "posted_at", "updated_at")
_UPLOADER_FIELDS = ("username", "realname", "path_alias", "location", "is_pro", "photo_count")


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict) -> None:
    """One parameterised INSERT, committed at once (autocommit): a crash loses nothing recorded."""
    columns = ", ".join(row)
    con.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def _answer_columns(answer, fields: tuple[str, ...]) -> dict:
    # answer.value is None unless the status is ok: every field is then NULL.
    return {name: getattr(answer.value, name, None) for name in fields} | {
        "status": answer.status, "error_code": answer.code,
        "error_detail": None if answer.ok else answer.message}


def _record_check(con: duckdb.DuckDBPyConnection, run_id: str, photo_id: int, answer) -> None:
    _insert(con, "flickr_checks", {"photo_id": photo_id, "checked_at": utc_now(), "run_id": run_id,
                                   "attempts": answer.attempts, **_answer_columns(answer, _CHECK_FIELDS)})


def _record_uploader(con: duckdb.DuckDBPyConnection, run_id: str, nsid: str, nickname: str | None,
                     answer) -> None:
    _insert(con, "uploaders", {"owner_nsid": nsid, "nickname": nickname, "fetched_at": utc_now(),
                               "run_id": run_id, **_answer_columns(answer, _UPLOADER_FIELDS)})


def enrich(settings: Settings, dataset: str | None = None, limit: int | None = None,
           max_age_days: float = 30, progress: bool = False, deadline_seconds: float | None = None,
           client: FlickrClient | None = None, batch_size: int = BATCH_SIZE) -> EnrichResult:
    """Check pending photos (and their uploaders) on Flickr; see the module doc.

    `limit` caps the photos checked, `deadline_seconds` the wall time (no call starts after it):
    an hourly Airflow task can pass e.g. deadline_seconds=3300 and run again next hour.
    Raises MissingApiKeyError without a key and FlickrApiKeyError when Flickr rejects it.
    """
    if client is None and not settings.flickr_api_key:
        raise MissingApiKeyError()
    started_clock = time.monotonic()
    deadline = started_clock + deadline_seconds if deadline_seconds is not None else None
    own_client = client is None
    client = client or FlickrClient.from_settings(settings)
    calls_before = client.requests_sent
    result = EnrichResult(run_id=f"enrich-{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}", dataset=dataset)
    con = connect(settings.db_path)
    try:
        if dataset is not None:
            _check_dataset(con, dataset)
        started = utc_now()
        pass_since = _start_run(con, result, started, max_age_days, limit, deadline_seconds)
        selection = _Selection(dataset, started - timedelta(days=max_age_days), pass_since)
        result.pending_at_start = selection.count(con)
        total = min(result.pending_at_start, limit) if limit is not None else result.pending_at_start
        try:
            with Progress(total, unit=" photos", label="enrich", enabled=None if progress else False) as bar:
                result.stop_reason = _run(con, client, selection, result, limit, deadline, batch_size, bar)
            result.status = "complete" if result.stop_reason == "nothing left to check" else "partial"
        except FlickrApiKeyError:
            result.status, result.stop_reason = "failed", "Flickr rejected the API key"
            raise
        except BaseException as exc:
            result.status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            raise
        finally:
            result.api_calls = client.requests_sent - calls_before
            result.seconds = time.monotonic() - started_clock
            _finish_run(con, result)
    finally:
        con.close()
        if own_client:
            client.close()
    return result


def _run(con, client: FlickrClient, selection: _Selection, result: EnrichResult, limit: int | None,
         deadline: float | None, batch_size: int, bar: Progress) -> str:
    """The loop: returns why it stopped."""
    seen_owners: set[str] = set()
    while True:
        room = batch_size if limit is None else min(batch_size, limit - result.photos_checked)
        if room <= 0:
            return "limit reached" if selection.next_batch(con, 1, advance=False) else "nothing left to check"
        batch = selection.next_batch(con, room)
        if not batch:
            return "nothing left to check"
        for photo_id, snapshot_owner, snapshot_nickname in batch:
            if deadline is not None and time.monotonic() >= deadline:
                return "deadline reached"
            try:
                answer = client.photo_info(photo_id, deadline=deadline)
            except DeadlineReached:
                return "deadline reached"
            _record_check(con, result.run_id, photo_id, answer)
            result.photos[answer.status] += 1
            bar.update(1)
            if answer.ok and answer.value.license_id is None and answer.value.license_raw is not None:
                result.unknown_licenses += 1
            owner = answer.value.owner_nsid if answer.ok and answer.value.owner_nsid else snapshot_owner
            if owner and owner not in seen_owners:
                seen_owners.add(owner)
                if not selection.uploader_is_fresh(con, owner):
                    try:
                        person = client.person_info(owner, deadline=deadline)
                    except DeadlineReached:
                        return "deadline reached"
                    nickname = snapshot_nickname if owner == snapshot_owner else None
                    _record_uploader(con, result.run_id, owner, nickname, person)
                    result.uploaders[person.status] += 1
