"""The opt-out ledger: photographers (by NSID) or single photos (by id) that asked to be left out.

The report checks every dataset version ingested after a request against it
(sql/reports/optouts_status.sql). A repeated request for the same photo or uploader keeps the
first one: the earliest date is the one a dataset publisher had to honour.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .db import transaction, utc_now
from .errors import InputError
from .flickr.urls import normalise_nsid
from .textsafe import escape_controls

KINDS = ("user", "photo")
# ASCII digits only, matched whole: `\d` takes '９９９' and `$` a trailing newline.
PHOTO_ID_RE = re.compile(r"[0-9]{1,19}", re.ASCII)
NSID_RE = re.compile(r"[0-9]{1,20}@N[0-9]{2}", re.ASCII | re.IGNORECASE)
MAX_PHOTO_ID = 2**63 - 1  # the BIGINT range every photo_id column (and the manifest readers) use
NOTE_LIMIT = 1000
CSV_COLUMNS = ("kind", "value", "requested_at", "note")


@dataclass(frozen=True)
class OptOut:
    kind: str
    value: str
    requested_at: datetime
    note: str | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "value": self.value,
            "requested_at": self.requested_at.isoformat(sep=" "),
            "note": self.note,
        }


def normalise_value(kind: str, value: str) -> str:
    """The NSID or photo id as stored; InputError saying what is wrong otherwise."""
    if kind not in KINDS:
        raise InputError(f"opt-out kind must be 'user' or 'photo', got {kind!r}")
    text = (value or "").strip(" \t")
    shown = escape_controls(repr(text if len(text) <= 60 else text[:60] + "..."))
    if kind == "user":
        nsid = normalise_nsid(text) if NSID_RE.fullmatch(text) else None
        if nsid is None:
            raise InputError(
                f"user opt-out needs a Flickr NSID like 12345678@N00, got {shown} "
                "(find it with `ccaudit lookup USERNAME`)"
            )
        return nsid
    if not PHOTO_ID_RE.fullmatch(text) or not 0 < int(text) <= MAX_PHOTO_ID:
        raise InputError(
            f"photo opt-out needs a Flickr photo id (digits only, 1 to {MAX_PHOTO_ID}), got {shown}"
        )
    return str(int(text))


def normalise_note(note: str | None) -> str | None:
    """The note as stored (stripped; None when empty). Kept as written: printing escapes it."""
    text = (note or "").strip()
    if len(text) > NOTE_LIMIT:
        raise InputError(f"opt-out note of {len(text):,} characters is longer than {NOTE_LIMIT:,}")
    return text or None


def parse_requested_at(text: str | None) -> datetime | None:
    """ISO date or date-time; a time zone is converted to UTC (the ledger stores naive UTC)."""
    if text is None or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"requested_at {escape_controls(repr(text[:60]))} is not an ISO date (2026-01-31 or 2026-01-31T12:00:00Z)"
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if moment > utc_now() + timedelta(days=1):  # a day of slack for time zones
        raise InputError(f"requested_at {text!r} is in the future")
    return moment


def _existing(con, kind: str, value: str) -> OptOut | None:
    row = con.execute(
        "SELECT kind, value, requested_at, note FROM optouts WHERE kind = ? AND value = ? "
        "ORDER BY requested_at LIMIT 1",
        [kind, value],
    ).fetchone()
    return OptOut(*row) if row else None


def _insert(con, entry: OptOut) -> None:
    con.execute(
        "INSERT INTO optouts (kind, value, requested_at, note) VALUES (?, ?, ?, ?)",
        [entry.kind, entry.value, entry.requested_at, entry.note],
    )


def add_optout(
    con, kind: str, value: str, note: str | None = None, requested_at: datetime | None = None
) -> OptOut:
    """Record one request; if the photo or uploader is already in the ledger, return that entry."""
    value = normalise_value(kind, value)
    existing = _existing(con, kind, value)
    if existing:
        return existing
    entry = OptOut(kind, value, requested_at or utc_now(), normalise_note(note))
    _insert(con, entry)
    return entry


def optouts_for(con, nsids: list[str], photo_ids: list[int]) -> list[OptOut]:
    """Opt-outs recorded for any of these uploaders or photos (what `ccaudit lookup` shows)."""
    rows = con.execute(
        """
        SELECT kind, value, requested_at, note FROM optouts
        WHERE (kind = 'user' AND value IN (SELECT unnest(?::VARCHAR[])))
           OR (kind = 'photo' AND value IN (SELECT unnest(?::VARCHAR[])))
        ORDER BY requested_at, kind, value""",
        [nsids, [str(p) for p in photo_ids]],
    ).fetchall()
    return [OptOut(*row) for row in rows]


def list_optouts(con) -> list[OptOut]:
    rows = con.execute(
        "SELECT kind, value, requested_at, note FROM optouts ORDER BY requested_at, kind, value"
    ).fetchall()
    return [OptOut(*row) for row in rows]


def read_optouts_csv(path: Path) -> list[OptOut]:
    """Every row validated before anything is stored; the first bad row is named by its line."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"opt-out file {path} does not exist")
    if not path.is_file():
        raise InputError(f"opt-out file {path} is not a regular file")
    now = utc_now()
    entries: list[OptOut] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip().lower() for h in next(reader, [])]
            if header[:2] != ["kind", "value"] or any(h not in CSV_COLUMNS for h in header):
                raise InputError(
                    f"{path}: line 1 must be the header kind,value[,requested_at,note], "
                    f"got {','.join(header) or 'an empty file'}"
                )
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) > len(header):
                    raise InputError(f"{path}: line {line}: {len(row)} fields, the header has {len(header)}")
                fields = dict(zip(header, row, strict=False))
                try:
                    kind = fields.get("kind", "").strip().lower()
                    value = normalise_value(kind, fields.get("value", ""))
                    requested_at = parse_requested_at(fields.get("requested_at")) or now
                    note = normalise_note(fields.get("note"))
                except InputError as exc:
                    raise InputError(f"{path}: line {line}: {exc}") from None
                entries.append(OptOut(kind, value, requested_at, note))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None
    return entries


def import_optouts(con, path: Path) -> int:
    """Import a CSV (kind,value[,requested_at,note]) all-or-nothing; returns how many were new.

    A photo or uploader already in the ledger (or repeated in the file) keeps its earliest request.
    """
    earliest: dict[tuple[str, str], OptOut] = {}
    for entry in read_optouts_csv(path):
        key = (entry.kind, entry.value)
        if key not in earliest or entry.requested_at < earliest[key].requested_at:
            earliest[key] = entry
    added = 0
    with transaction(con):
        for (kind, value), entry in earliest.items():
            existing = _existing(con, kind, value)
            if existing and existing.requested_at <= entry.requested_at:
                continue
            if existing:  # the file knows of an earlier request: that one counts
                con.execute("DELETE FROM optouts WHERE kind = ? AND value = ?", [kind, value])
            else:
                added += 1
            _insert(con, entry)
    return added
