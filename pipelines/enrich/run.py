"""`ccaudit enrich`: re-check photos of interest on the live Flickr API.

Photos of interest are the items of the chosen dataset (or of every dataset), then, without
--dataset, the rest of yfcc_photos, in photo id order. Uploaders (the current owner, else the
owner YFCC100M recorded) are fetched once per run into `uploaders`.

Readers are never locked out for long: each answer is first appended to a crash-safe journal
(one JSON line per answer, fsynced, in `<db>.enrich/` beside the database), and the journal is
merged into `flickr_checks` and `uploaders` in short transactions every `merge_every` answers or
`merge_seconds` seconds and at the end. Between merges the run holds no write lock (selection
reads open the file read-only for a moment). `flickr_journal_merges` records how far each
journal is merged, in the same transaction as the rows, so a kill -9 at any point loses at most
the call in flight and never adds a row twice; the next run merges what a killed run left.

Resumption without duplicates: a pass over the photos may span several runs (a --limit, a
deadline, a crash). A run continues the pass of the previous run with the same --dataset unless
that run completed, and skips every photo (and uploader) checked since the pass started, plus
those answered within --max-age days. Errors do not count as fresh across passes, so they are
retried by the next pass, but not within one (that would loop).

The selection is queried in small batches ordered by photo id: nothing proportional to
yfcc_photos is held in Python memory.

Besides getInfo, every call shares the one client (one rate limit) and the one journal: a run
first resolves the manifests' path aliases that nothing resolves yet (flickr.urls.lookupUser ->
flickr_alias_resolutions), and fetches the license history of each dataset photo Flickr still
serves (getLicenseHistory -> flickr_license_history). With a sample (--sample N --seed S) only
the first N photos of each dataset by sample key are checked, in that order (pipelines.stats).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from ..config import Settings
from ..db import connect, transaction, utc_now
from ..errors import DatabaseLockedError
from ..flickr.client import (
    ApiResult,
    DeadlineReached,
    FlickrApiKeyError,
    FlickrClient,
    MissingApiKeyError,
    redact,
)
from ..progress import Progress
from .journal import (
    Journal,
    _enrich_lock,
    database_id,
    folder_errors,
    journal_dir,
    merge_journal,
    recover_journals,
)
from .result import EnrichResult, _finish_run, _start_run
from .selection import NSID, Selection, check_dataset, draw_sample

BATCH_SIZE = 200
MERGE_EVERY = 500  # answers between merges ...
MERGE_SECONDS = 30.0  # ... or seconds, whichever comes first
MERGE_LOCK_WAIT = 2.0  # a merge during the run waits this long for readers, then tries again later
_LOG = logging.getLogger("ccaudit.enrich")

_CHECK_FIELDS = (
    "license_id",
    "owner_nsid",
    "is_public",
    "owner_username",
    "title",
    "license_raw",
    "media",
    "posted_at",
    "updated_at",
    "owner_path_alias",
)
_UPLOADER_FIELDS = ("username", "realname", "path_alias", "location", "is_pro", "photo_count")


class _Merger:
    """Merges the journal into DuckDB every `every` answers or `seconds` seconds (and at the end),
    each time opening the file for writing just long enough for one short transaction."""

    def __init__(
        self, settings: Settings, journal: Journal, result: EnrichResult, every: int, seconds: float
    ):
        self.settings, self.journal, self.result = settings, journal, result
        self.every, self.seconds = max(1, every), seconds
        self.merged_seq = 0
        self.last = time.monotonic()
        # DuckDB's first scan of an Arrow table imports ~1 s of modules: pay that now, not while
        # holding the file in the first merge.
        with duckdb.connect() as warm:
            warm.register("warm", pa.table({"x": [1]}))
            warm.execute("SELECT * FROM warm").fetchall()

    def due(self) -> bool:
        waiting = self.journal.seq - self.merged_seq
        return waiting >= self.every or (waiting > 0 and time.monotonic() - self.last >= self.seconds)

    def merge(self, lock_wait: float, finish: bool = False) -> bool:
        """One merge; False when readers held the file for all of `lock_wait` (answers stay journaled)."""
        try:
            con = connect(self.settings.db_path, migrate_schema=False, lock_wait=lock_wait)
        except DatabaseLockedError:
            if finish:
                raise
            _LOG.warning(
                "merge postponed: the database is busy; %d answer(s) wait in the journal",
                self.journal.seq - self.merged_seq,
            )
            self.last = time.monotonic()
            return False
        opened = time.monotonic()
        try:
            merge_journal(
                con,
                self.journal.path,
                self.journal.run_id,
                finish=(lambda c: _finish_run(c, self.result)) if finish else None,
            )
        finally:
            con.close()  # closing checkpoints, so readers see the rows at once
        held = time.monotonic() - opened
        self.merged_seq = self.journal.seq
        self.last = time.monotonic()
        self.result.merge_holds.append(held)
        return True


@contextmanager
def _reading(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for one selection query: other readers may share the file meanwhile."""
    con = connect(settings.db_path, read_only=True, lock_wait=settings.lock_wait_seconds)
    try:
        yield con
    finally:
        con.close()


def _answer_columns(answer, fields: tuple[str, ...]) -> dict:
    # answer.value is None unless the status is ok: every field is then NULL.
    return {name: getattr(answer.value, name, None) for name in fields} | {
        "status": answer.status,
        "error_code": answer.code,
        "error_detail": None if answer.ok else answer.message,
    }


def _record_check(journal: Journal, run_id: str, photo_id: int, answer) -> None:
    journal.append(
        "flickr_checks",
        {
            "photo_id": photo_id,
            "checked_at": utc_now(),
            "run_id": run_id,
            "attempts": answer.attempts,
            **_answer_columns(answer, _CHECK_FIELDS),
        },
    )


def _record_uploader(journal: Journal, run_id: str, nsid: str, nickname: str | None, answer) -> None:
    journal.append(
        "uploaders",
        {
            "owner_nsid": nsid,
            "nickname": nickname,
            "fetched_at": utc_now(),
            "run_id": run_id,
            **_answer_columns(answer, _UPLOADER_FIELDS),
        },
    )


def _record_license_history(journal: Journal, run_id: str, photo_id: int, answer) -> None:
    """One row per entry of the history; an empty history or a failed fetch as one row."""
    base = {
        "photo_id": photo_id,
        "fetched_at": utc_now(),
        "run_id": run_id,
        "status": answer.status,
        "error_code": answer.code,
        "error_detail": None if answer.ok else answer.message,
        "changes": None,
        "change_index": None,
        "changed_at": None,
        "old_license_id": None,
        "new_license_id": None,
        "old_license_raw": None,
        "new_license_raw": None,
    }
    changes = answer.value if answer.ok else None
    if not changes:
        journal.append("flickr_license_history", base | {"changes": 0 if answer.ok else None})
        return
    for index, change in enumerate(changes, start=1):
        journal.append(
            "flickr_license_history",
            base
            | {
                "changes": len(changes),
                "change_index": index,
                "changed_at": change.changed_at,
                "old_license_id": change.old_license_id,
                "new_license_id": change.new_license_id,
                "old_license_raw": change.old_license_raw,
                "new_license_raw": change.new_license_raw,
            },
        )


def _resolve_aliases(
    settings: Settings,
    client: FlickrClient,
    selection: Selection,
    result: EnrichResult,
    limit: int | None,
    deadline: float | None,
    journal: Journal,
    merger: _Merger,
) -> str | None:
    """Ask flickr.urls.lookupUser for the manifests' unresolved path aliases (at most `limit` per
    run, like photos); returns a stop reason when the deadline ends the run here."""
    after = ""
    while limit is None or result.aliases_asked < limit:
        room = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - result.aliases_asked)
        with _reading(settings) as con:
            batch = selection.pending_aliases(con, after, room)
        if not batch:
            return None
        for alias in batch:
            if (
                answer := _ask(client.lookup_user, "flickr.urls.lookupUser", alias, deadline=deadline)
            ) is None:
                return "deadline reached"
            found = answer.value if answer.ok else None
            nsid = found.nsid if found is not None and found.nsid and NSID.match(found.nsid) else None
            status = "not_found" if answer.ok and nsid is None else answer.status
            journal.append(
                "flickr_alias_resolutions",
                {
                    "alias": alias,
                    "resolved_at": utc_now(),
                    "status": status,
                    "owner_nsid": nsid,
                    "username": found.username if found is not None and nsid else None,
                    "error_code": answer.code,
                    "error_detail": None if answer.ok else answer.message,
                    "run_id": result.run_id,
                },
            )
            result.aliases[status] += 1
            after = alias
            if merger.due():
                merger.merge(min(MERGE_LOCK_WAIT, settings.lock_wait_seconds))
    return None


def _ask(call, method: str, *args, deadline: float | None):
    """One client call, or None when the run's deadline has come (before the call or while it
    waited). Any client failure other than a rejected key becomes an error answer for that photo
    or person (recorded, retried by the next pass), never a stop."""
    if deadline is not None and time.monotonic() >= deadline:
        return None
    try:
        return call(*args, deadline=deadline)
    except DeadlineReached:
        return None
    except FlickrApiKeyError:
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. an answer the models cannot read
        _LOG.warning("flickr %s %s failed: %s", method, args[0], redact(f"{type(exc).__name__}: {exc}"))
        return ApiResult(method, "error", None, redact(f"{type(exc).__name__}: {exc}")[:1000])


def enrich(
    settings: Settings,
    dataset: str | None = None,
    limit: int | None = None,
    max_age_days: float = 30,
    progress: bool = False,
    deadline_seconds: float | None = None,
    client: FlickrClient | None = None,
    batch_size: int = BATCH_SIZE,
    merge_every: int = MERGE_EVERY,
    merge_seconds: float = MERGE_SECONDS,
    sample: int | None = None,
    seed: int = 0,
    license_history: bool = True,
) -> EnrichResult:
    """Check pending photos (and their uploaders) on Flickr; see the module doc.

    `sample` re-checks only a uniform sample of that many photos per dataset (drawn with `seed`,
    see pipelines.stats; the same seed with a larger `sample` extends it). With
    `license_history`, each dataset photo that Flickr still serves also gets its license history
    (flickr.photos.licenses.getLicenseHistory): one more call, under the same rate limit.

    `limit` caps the photos checked, `deadline_seconds` the wall time (no call starts after it):
    an hourly Airflow task can pass e.g. deadline_seconds=3300 and run again next hour.
    Raises MissingApiKeyError without a key and FlickrApiKeyError when Flickr rejects it.
    """
    if client is None and not settings.flickr_api_key:
        raise MissingApiKeyError()
    folder = journal_dir(settings.db_path)
    with _enrich_lock(folder):
        return _enrich_locked(
            settings,
            folder,
            dataset,
            limit,
            max_age_days,
            progress,
            deadline_seconds,
            client,
            batch_size,
            merge_every,
            merge_seconds,
            sample,
            seed,
            license_history,
        )


def _enrich_locked(
    settings: Settings,
    folder: Path,
    dataset,
    limit,
    max_age_days,
    progress,
    deadline_seconds,
    client,
    batch_size,
    merge_every,
    merge_seconds,
    sample=None,
    seed=0,
    license_history=True,
) -> EnrichResult:
    started_clock = time.monotonic()
    deadline = started_clock + deadline_seconds if deadline_seconds is not None else None
    own_client = client is None
    client = client or FlickrClient.from_settings(settings)
    calls_before = client.requests_sent
    result = EnrichResult(
        run_id=f"enrich-{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
        dataset=dataset,
        sample=sample,
        seed=seed if sample is not None else None,
    )
    try:
        # One short write: schema, leftovers of a killed run, the run's start.
        with connect(settings.db_path, lock_wait=settings.lock_wait_seconds) as con:
            recover_journals(con, folder)
            this_database = database_id(con)
            if dataset is not None:
                check_dataset(con, dataset)
            started = utc_now()
            with transaction(con):
                pass_since = _start_run(con, result, started, max_age_days, limit, deadline_seconds)
                if sample is not None:
                    result.sample_drawn = draw_sample(con, dataset, sample, seed, result.run_id)
        selection = Selection(
            dataset,
            started - timedelta(days=max_age_days),
            pass_since,
            sample=(sample, seed) if sample is not None else None,
        )
        with _reading(settings) as con:
            result.pending_at_start = selection.count(con)
        total = min(result.pending_at_start, limit) if limit is not None else result.pending_at_start
        with folder_errors(folder):
            journal = Journal(folder, result.run_id, database_id=this_database)
        merger = _Merger(settings, journal, result, merge_every, merge_seconds)
        try:
            stop = _resolve_aliases(settings, client, selection, result, limit, deadline, journal, merger)
            if result.aliases and merger.merged_seq < journal.seq:
                # so the photo selection sees the owners the aliases resolved to (uploader checks)
                merger.merge(min(MERGE_LOCK_WAIT, settings.lock_wait_seconds))
            with Progress(total, unit=" photos", label="enrich", enabled=None if progress else False) as bar:
                result.stop_reason = stop or _run(
                    settings,
                    client,
                    selection,
                    result,
                    limit,
                    deadline,
                    batch_size,
                    bar,
                    journal,
                    merger,
                    license_history,
                )
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
            journal.close()
            _final_merge(merger, settings, journal)
    finally:
        if own_client:
            client.close()
    return result


def _final_merge(merger: _Merger, settings: Settings, journal: Journal) -> None:
    """Merge the rest and record the run's end; the journal goes only once all of it is in."""
    try:
        merger.merge(settings.lock_wait_seconds, finish=True)
    except DatabaseLockedError as exc:
        raise DatabaseLockedError(
            exc.path,
            exc.holder,
            exc.pid,
            exc.waited,
            exc.wanted_write,
            note=f"{journal.seq - merger.merged_seq} answer(s) are safe in {journal.path}; "
            "the next `ccaudit enrich` merges them",
        ) from None
    with folder_errors(journal.path.parent):
        journal.path.unlink(missing_ok=True)


def _run(
    settings: Settings,
    client: FlickrClient,
    selection: Selection,
    result: EnrichResult,
    limit: int | None,
    deadline: float | None,
    batch_size: int,
    bar: Progress,
    journal: Journal,
    merger: _Merger,
    license_history: bool = True,
) -> str:
    """The loop: returns why it stopped."""
    seen_owners: set[str] = set()
    # Answers not merged yet are not in flickr_checks, so the YFCC100M tier would offer the dataset
    # photos of this run again: remember them (a run makes at most a few thousand calls an hour).
    checked: set[int] = set()
    while True:
        room = batch_size if limit is None else min(batch_size, limit - result.photos_checked)
        if room <= 0:
            with _reading(settings) as con:
                peek = selection.next_batch(con, min(len(checked), 10_000) + 1, advance=False)
            more = any(row[0] not in checked for row in peek)
            return "limit reached" if more else "nothing left to check"
        with _reading(settings) as con:
            offered = selection.next_batch(con, room)
            batch = [row for row in offered if row[0] not in checked]
            fresh = selection.fresh_uploaders(con, sorted({row[1] for row in batch if row[1]}))
        if not offered:
            return "nothing left to check"
        for photo_id, snapshot_owner, snapshot_nickname, dataset_photo in batch:
            if (
                answer := _ask(client.photo_info, "flickr.photos.getInfo", photo_id, deadline=deadline)
            ) is None:
                return "deadline reached"
            _record_check(journal, result.run_id, photo_id, answer)
            checked.add(photo_id)
            result.photos[answer.status] += 1
            bar.update(1)
            if answer.ok and answer.value.license_id is None and answer.value.license_raw is not None:
                result.unknown_licenses += 1
            # A photo Flickr no longer serves has no history to ask for.
            if license_history and dataset_photo and answer.ok:
                history = _ask(
                    client.license_history,
                    "flickr.photos.licenses.getLicenseHistory",
                    photo_id,
                    deadline=deadline,
                )
                if history is None:
                    return "deadline reached"
                _record_license_history(journal, result.run_id, photo_id, history)
                result.license_histories[history.status] += 1
            owner = answer.value.owner_nsid if answer.ok and answer.value.owner_nsid else snapshot_owner
            if owner and owner not in seen_owners:
                seen_owners.add(owner)
                if owner != snapshot_owner and owner not in fresh:  # a new owner: not in the batch query
                    with _reading(settings) as con:
                        fresh |= selection.fresh_uploaders(con, [owner])
                if owner not in fresh:
                    if (
                        person := _ask(client.person_info, "flickr.people.getInfo", owner, deadline=deadline)
                    ) is None:
                        return "deadline reached"
                    nickname = snapshot_nickname if owner == snapshot_owner else None
                    _record_uploader(journal, result.run_id, owner, nickname, person)
                    result.uploaders[person.status] += 1
            if merger.due():
                merger.merge(min(MERGE_LOCK_WAIT, settings.lock_wait_seconds))
