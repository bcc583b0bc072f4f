"""The record of one `ccaudit enrich` run: its counts and summary (EnrichResult), and its row in
flickr_enrich_runs, written when the run starts (continuing the pass of an unfinished one) and
when it ends (in the same transaction as the final journal merge). pipelines/enrich/run.py runs it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from ..db import utc_now
from ..flickr.client import STATUSES


@dataclass
class EnrichResult:
    run_id: str
    dataset: str | None
    status: str = "running"  # complete | partial | failed
    stop_reason: str = ""
    resumed_run_id: str | None = None
    pending_at_start: int = 0
    photos: Counter = field(default_factory=Counter)
    uploaders: Counter = field(default_factory=Counter)
    unknown_licenses: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    merge_holds: list[float] = field(default_factory=list)  # seconds each merge held the file for writing
    license_histories: Counter = field(default_factory=Counter)
    aliases: Counter = field(default_factory=Counter)  # lookupUser answers by status
    sample: int | None = None  # --sample N (per dataset), with its seed
    seed: int | None = None
    sample_drawn: int = 0  # photos newly drawn into the sample by this run

    @property
    def aliases_asked(self) -> int:
        return sum(self.aliases.values())

    @property
    def merges(self) -> int:
        return len(self.merge_holds)

    @property
    def merge_seconds_max(self) -> float:
        return max(self.merge_holds, default=0.0)

    @property
    def photos_checked(self) -> int:
        return sum(self.photos.values())

    @property
    def uploaders_fetched(self) -> int:
        return sum(self.uploaders.values())

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "dataset": self.dataset,
            "status": self.status,
            "stop_reason": self.stop_reason,
            "resumed_run_id": self.resumed_run_id,
            "pending_at_start": self.pending_at_start,
            "photos_checked": self.photos_checked,
            "photos": {s: self.photos.get(s, 0) for s in STATUSES},
            "uploaders_fetched": self.uploaders_fetched,
            "uploaders": {s: self.uploaders.get(s, 0) for s in STATUSES},
            "unknown_licenses": self.unknown_licenses,
            "api_calls": self.api_calls,
            "seconds": round(self.seconds, 3),
            "calls_per_second": round(self.api_calls / self.seconds, 3) if self.seconds else None,
            "merges": self.merges,
            "merge_seconds_max": round(self.merge_seconds_max, 3),
            "license_histories": {s: self.license_histories.get(s, 0) for s in STATUSES},
            "sample": self.sample,
            "seed": self.seed,
            "sample_drawn": self.sample_drawn,
            "aliases": {s: self.aliases.get(s, 0) for s in STATUSES},
        }

    def summary_text(self) -> str:
        scope = f"dataset {self.dataset}" if self.dataset else "all datasets, then YFCC100M"
        if self.sample is not None:
            scope = f"sample of {self.sample} per dataset, seed {self.seed}, " + (
                f"dataset {self.dataset}" if self.dataset else "all datasets"
            )
        counts = ", ".join(f"{self.photos.get(s, 0)} {s}" for s in STATUSES)
        people = ", ".join(f"{self.uploaders.get(s, 0)} {s}" for s in STATUSES)
        lines = [
            f"enrich {self.run_id} ({scope}): {self.status} - {self.stop_reason}",
            f"  photos checked: {self.photos_checked} of {self.pending_at_start} pending ({counts})",
            f"  uploaders fetched: {self.uploaders_fetched} ({people})",
            f"  API calls: {self.api_calls} in {self.seconds:.1f}s",
            (
                f"  merged into the database in {self.merges} short transaction(s), "
                f"the longest holding it {self.merge_seconds_max:.2f}s"
            ),
        ]
        if self.license_histories:
            lines.append(
                "  license histories fetched: "
                + ", ".join(f"{self.license_histories.get(s, 0)} {s}" for s in STATUSES)
            )
        if self.aliases:
            lines.append(
                "  path aliases asked (flickr.urls.lookupUser): "
                + ", ".join(f"{self.aliases.get(s, 0)} {s}" for s in STATUSES)
            )
        if self.sample is not None:
            lines.append(
                f"  sample: first {self.sample} photos per dataset by seed {self.seed} "
                f"({self.sample_drawn} newly drawn)"
            )
        if self.resumed_run_id:
            lines.append(f"  continued the pass of run {self.resumed_run_id}")
        if self.unknown_licenses:
            lines.append(
                f"  warning: {self.unknown_licenses} photo(s) carry a license id ccaudit does not "
                "know (license_id NULL, see flickr_checks.license_raw)"
            )
        if self.status == "partial":
            lines.append("  run `ccaudit enrich` again (same --dataset) to continue")
        return "\n".join(lines)


def _start_run(
    con: duckdb.DuckDBPyConnection,
    result: EnrichResult,
    started: datetime,
    max_age_days: float,
    limit: int | None,
    deadline_seconds: float | None,
) -> datetime:
    """Record the run; return the start of the pass it belongs to."""
    # We hold the enrich lock (one enrich per database), so a run still marked running is one
    # whose process died without recording its end.
    con.execute("UPDATE flickr_enrich_runs SET status = 'interrupted' WHERE status = 'running'")
    previous = con.execute(
        """
        SELECT run_id, status, pass_started_at FROM flickr_enrich_runs
        WHERE dataset IS NOT DISTINCT FROM ? ORDER BY started_at DESC LIMIT 1""",
        [result.dataset],
    ).fetchone()
    pass_started = started
    if previous and previous[1] != "complete":
        result.resumed_run_id, pass_started = previous[0], previous[2]
    con.execute(
        """
        INSERT INTO flickr_enrich_runs (run_id, pass_started_at, started_at, status, dataset, max_age_days,
                                        photo_limit, deadline_seconds)
        VALUES (?, ?, ?, 'running', ?, ?, ?, ?)""",
        [result.run_id, pass_started, started, result.dataset, max_age_days, limit, deadline_seconds],
    )
    return pass_started


def _finish_run(con: duckdb.DuckDBPyConnection, result: EnrichResult) -> None:
    con.execute(
        """
        UPDATE flickr_enrich_runs SET finished_at = ?, status = ?, photos_checked = ?, uploaders_fetched = ?,
               api_calls = ?, ok = ?, not_found = ?, user_deleted = ?, error = ?
        WHERE run_id = ?""",
        [
            utc_now(),
            result.status,
            result.photos_checked,
            result.uploaders_fetched,
            result.api_calls,
            *(result.photos.get(s, 0) for s in STATUSES),
            result.run_id,
        ],
    )
