"""Which photos an enrich run still has to check, walked in photo id order (or sample order).

The selection is queried in small batches: nothing proportional to yfcc_photos is held in Python
memory. A run opens the file read-only for each query, so readers share it meanwhile.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import duckdb

from ..db import utc_now
from ..errors import InputError
from ..stats import sample_key_sql


def _one_value(row: tuple | None) -> Any:
    """The value of a statement that always returns one row (count(*), an INSERT's row count)."""
    assert row is not None
    return row[0]


NSID = re.compile(r"^[0-9]{3,12}@N[0-9]{2}$")
_NSID = NSID


class Selection:
    """Which photos still need a check in this pass, walked in photo id order.

    Besides the `done` test, a keyset cursor per tier (dataset items, then YFCC100M) makes sure
    a photo is offered once per run even if the clock stepped back between checks."""

    _DONE = """
        SELECT DISTINCT photo_id FROM flickr_checks
        WHERE (checked_at >= $fresh AND status <> 'error') OR checked_at >= $pass"""
    # The manifest's owner of a photo (per photo_id, over dataset_items d LEFT JOIN resolved_aliases a):
    # an NSID it names, else what its path alias resolves to.
    _MANIFEST_OWNER = """coalesce(any_value(d.owner_ref) FILTER (WHERE regexp_full_match(d.owner_ref, $nsid_pattern)),
                                  any_value(a.owner_nsid))"""

    def __init__(
        self,
        dataset: str | None,
        fresh_since: datetime,
        pass_since: datetime,
        sample: tuple[int, int] | None = None,
    ):
        self.dataset = dataset
        self.sample = sample  # (size, seed): only the first `size` sampled photos per dataset
        self.after_rank: tuple[int, str] = (0, "")
        self.fresh_since = fresh_since  # answered (non-error) checks since then are fresh
        self.pass_since = pass_since  # any check since then belongs to this pass
        self.after_item = -1
        self.after_yfcc = -1
        self.items_exhausted = False

    def _params(self, **extra) -> dict:
        return {"fresh": self.fresh_since, "pass": self.pass_since, **extra}

    def next_batch(self, con: duckdb.DuckDBPyConnection, size: int, advance: bool = True) -> list[tuple]:
        """Up to `size` pending photos: (photo_id, snapshot owner NSID, snapshot nickname, is a
        dataset photo). Dataset items first, then (without --dataset) the rest of yfcc_photos;
        with a sample, only the sampled photos in sample order. With advance=False only peek
        (the cursor does not move)."""
        if self.sample is not None:
            return self._next_sample_batch(con, size, advance)
        batch: list[tuple] = []
        if not self.items_exhausted:
            rows = con.execute(
                f"""
                WITH done AS ({self._DONE}),
                items AS (
                    SELECT DISTINCT photo_id FROM dataset_items
                    WHERE photo_id > $after AND ($ds IS NULL OR dataset = $ds)),
                batch AS (
                    SELECT photo_id FROM items ANTI JOIN done USING (photo_id)
                    ORDER BY photo_id LIMIT $n)
                SELECT b.photo_id, any_value(y.owner_nsid), any_value(y.owner_nickname),
                       {self._MANIFEST_OWNER}
                FROM batch b
                LEFT JOIN yfcc_photos y USING (photo_id)
                LEFT JOIN dataset_items d USING (photo_id)
                LEFT JOIN resolved_aliases a ON a.alias = lower(d.owner_ref)
                GROUP BY b.photo_id ORDER BY b.photo_id""",
                self._params(after=self.after_item, ds=self.dataset, n=size, nsid_pattern=_NSID.pattern),
            ).fetchall()
            batch = [(pid, owner or ref, nick, True) for pid, owner, nick, ref in rows]
            if batch:
                if advance:
                    self.after_item = batch[-1][0]
                return batch
            if self.dataset is not None:
                return []
            if advance:
                self.items_exhausted = True
        # Every dataset item is done: continue with the rest of YFCC100M.
        batch = [
            (*r, False)
            for r in con.execute(
                f"""
            WITH done AS ({self._DONE})
            SELECT photo_id, owner_nsid, owner_nickname FROM yfcc_photos
            ANTI JOIN done USING (photo_id)
            WHERE photo_id > $after
            ORDER BY photo_id LIMIT $n""",
                self._params(after=self.after_yfcc, n=size),
            ).fetchall()
        ]
        if batch and advance:
            self.after_yfcc = batch[-1][0]
        return batch

    _SAMPLED = """
        SELECT dataset, photo_id, sample_rank FROM flickr_sample_photos
        WHERE seed = $seed AND sample_rank <= $size AND ($ds IS NULL OR dataset = $ds)"""

    def _sample_params(self, **extra) -> dict:
        assert self.sample is not None  # only called for a sampled selection
        size, seed = self.sample
        return self._params(size=size, seed=seed, ds=self.dataset, **extra)

    def _next_sample_batch(self, con: duckdb.DuckDBPyConnection, size: int, advance: bool) -> list[tuple]:
        """Sampled photos in (rank, dataset) order, so whatever a run gets through is a prefix of
        each dataset's sample: itself a uniform sample."""
        rank, dataset = self.after_rank
        rows = con.execute(
            f"""
            WITH done AS ({self._DONE}),
            batch AS (
                SELECT s.* FROM ({self._SAMPLED}) s ANTI JOIN done USING (photo_id)
                WHERE s.sample_rank > $rank OR (s.sample_rank = $rank AND s.dataset > $after_ds)
                ORDER BY s.sample_rank, s.dataset LIMIT $n),
            refs AS (   -- the manifest's owner: an NSID, else what its path alias resolves to
                SELECT d.photo_id, {self._MANIFEST_OWNER} AS ref
                FROM dataset_items d LEFT JOIN resolved_aliases a ON a.alias = lower(d.owner_ref)
                WHERE d.photo_id IN (SELECT photo_id FROM batch) GROUP BY d.photo_id)
            SELECT b.photo_id, coalesce(y.owner_nsid, r.ref), y.owner_nickname, b.sample_rank, b.dataset
            FROM batch b LEFT JOIN yfcc_photos y USING (photo_id) LEFT JOIN refs r USING (photo_id)
            ORDER BY b.sample_rank, b.dataset""",
            self._sample_params(rank=rank, after_ds=dataset, n=size, nsid_pattern=_NSID.pattern),
        ).fetchall()
        if rows and advance:
            self.after_rank = (rows[-1][3], rows[-1][4])
        return [(pid, owner, nick, True) for pid, owner, nick, _, _ in rows]

    def count(self, con: duckdb.DuckDBPyConnection) -> int:
        """Pending photos. Two anti joins instead of a UNION, so 100M YFCC ids are streamed
        against the small sides (items, done) rather than de-duplicated in one hash table."""
        if self.sample is not None:
            return _one_value(
                con.execute(
                    f"""
                WITH done AS ({self._DONE})
                SELECT count(DISTINCT photo_id) FROM ({self._SAMPLED}) ANTI JOIN done USING (photo_id)""",
                    self._sample_params(),
                ).fetchone()
            )
        items = _one_value(
            con.execute(
                f"""
            WITH done AS ({self._DONE})
            SELECT count(*) FROM (SELECT DISTINCT photo_id FROM dataset_items
                                  WHERE photo_id IS NOT NULL AND ($ds IS NULL OR dataset = $ds))
            ANTI JOIN done USING (photo_id)""",
                self._params(ds=self.dataset),
            ).fetchone()
        )
        if self.dataset is not None:
            return items
        rest = _one_value(
            con.execute(
                f"""
            WITH done AS ({self._DONE})
            SELECT count(*) FROM yfcc_photos y
            ANTI JOIN done USING (photo_id)
            ANTI JOIN (SELECT DISTINCT photo_id FROM dataset_items WHERE photo_id IS NOT NULL) i
                 USING (photo_id)""",
                self._params(),
            ).fetchone()
        )
        return items + rest

    def pending_aliases(self, con: duckdb.DuckDBPyConnection, after: str, size: int) -> list[str]:
        """Path aliases that manifests name for the photos in scope (the sample, or the dataset's
        items), lower-cased, in order after `after`, that neither an uploader profile nor a fresh
        lookupUser answer (or one in this pass) resolves."""
        size_, seed = self.sample if self.sample is not None else (None, None)
        return [
            r[0]
            for r in con.execute(
                """
            WITH refs AS (
                SELECT DISTINCT lower(owner_ref) AS alias FROM dataset_items
                WHERE owner_ref IS NOT NULL AND NOT regexp_full_match(owner_ref, $nsid_pattern)
                  AND ($ds IS NULL OR dataset = $ds)
                  AND ($seed IS NULL OR photo_id IN (
                      SELECT photo_id FROM flickr_sample_photos
                      WHERE seed = $seed AND sample_rank <= $size AND ($ds IS NULL OR dataset = $ds)))),
            known AS (
                SELECT alias FROM resolved_aliases
                UNION ALL   -- asked recently: not_found answers too (an alias no one has)
                SELECT alias FROM flickr_alias_resolutions
                WHERE (resolved_at >= $fresh AND status <> 'error') OR resolved_at >= $pass)
            SELECT alias FROM refs ANTI JOIN known USING (alias)
            WHERE alias > $after ORDER BY alias LIMIT $n""",
                self._params(
                    ds=self.dataset, seed=seed, size=size_, after=after, n=size, nsid_pattern=_NSID.pattern
                ),
            ).fetchall()
        ]

    def fresh_uploaders(self, con: duckdb.DuckDBPyConnection, nsids: list[str]) -> set[str]:
        """Which of these uploaders were fetched recently enough (or in this pass) to skip."""
        if not nsids:
            return set()
        return {
            r[0]
            for r in con.execute(
                """
            SELECT DISTINCT owner_nsid FROM uploaders
            WHERE owner_nsid IN (SELECT unnest($nsids))
              AND ((fetched_at >= $fresh AND status <> 'error') OR fetched_at >= $pass)""",
                {"nsids": nsids, "fresh": self.fresh_since, "pass": self.pass_since},
            ).fetchall()
        }


def check_dataset(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    found = _one_value(
        con.execute("SELECT count(*) FROM dataset_items WHERE dataset = ?", [dataset]).fetchone()
    )
    if not found:
        known = [
            r[0] for r in con.execute("SELECT DISTINCT dataset FROM dataset_items ORDER BY 1").fetchall()
        ]
        raise InputError(
            f"no items of dataset {dataset!r} in the database"
            + (f" (known: {', '.join(known)})" if known else " (run `ccaudit ingest manifest` first)")
        )


def draw_sample(
    con: duckdb.DuckDBPyConnection, dataset: str | None, size: int, seed: int, run_id: str | None = None
) -> int:
    """Store the first `size` photos of each dataset (or of `dataset`) by sample key; photos
    already drawn with this seed stay, so the sample only grows. Returns the photos added."""
    return _one_value(
        con.execute(
            f"""
        INSERT INTO flickr_sample_photos (dataset, seed, photo_id, sample_rank, population, drawn_at, run_id)
        WITH ranked AS (
            SELECT dataset, photo_id,
                   row_number() OVER (PARTITION BY dataset ORDER BY {sample_key_sql()}, photo_id) AS sample_rank,
                   count(*) OVER (PARTITION BY dataset) AS population
            FROM dataset_photos WHERE $ds IS NULL OR dataset = $ds
            QUALIFY sample_rank <= $size)
        SELECT r.dataset, $seed, r.photo_id, r.sample_rank, r.population, $now, $run FROM ranked r
        ANTI JOIN (SELECT dataset, photo_id FROM flickr_sample_photos WHERE seed = $seed) USING (dataset, photo_id)""",
            {"ds": dataset, "size": size, "seed": seed, "now": utc_now(), "run": run_id},
        ).fetchone()
    )


_Selection = Selection  # the name before the split
