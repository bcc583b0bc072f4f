"""Build a database with an older ccaudit and keep it as a version-neutral fixture.

    python scripts/build_upgrade_fixture.py fda23be tests/fixtures/upgrade/2026-11-27-fda23be

checks the commit out of this repository's history (`git archive`, no worktree left behind), runs
that version's own CLI on a small generated YFCC100M file (ingest yfcc, ingest manifest (csv),
optout add, validate, enrich against that version's tests/flickr_server.py on 127.0.0.1), then
writes the database with DuckDB's EXPORT DATABASE (schema.sql + load.sql + one Parquet file per
table) into OUT, with expected.json (the row count of every table, the commit, the DuckDB version).
Where that version journals enrich answers, OUT/journal/ holds one journal in its format, not yet
merged. tests/test_migrations.py imports the fixture with today's DuckDB and upgrades it with
today's ccaudit: no git is needed at test time.

Run it with the project's Python (it must import duckdb and that version's dependencies).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROWS, SEED, BAD_LINES = 400, 7, 3
DATASET = "fixture-faces"
API_KEY = "fixture-key-0123456789abcdef"
OPTOUT_NOTE = "upgrade fixture"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="ccaudit-fixture-") as tmp:
        tmp = Path(tmp)
        src = checkout(repo, args.commit, tmp / "src")
        db = tmp / "work" / "ccaudit.duckdb"
        db.parent.mkdir()
        build(src, db)
        export(db, args.out, args.commit, repo)
        journal = write_old_journal(src, db, args.out.resolve() / "journal")
        if journal:
            print(f"old-format journal: {journal}")
    print(f"fixture written to {args.out}")
    return 0


def checkout(repo: Path, commit: str, dest: Path) -> Path:
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", commit], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def old_cli(src: Path, db: Path, *words: str, env: dict | None = None) -> str:
    """Run that version's CLI (its own package first on the path, its own sql/)."""
    environ = {**os.environ, "PYTHONPATH": str(src), "CCAUDIT_DB": str(db), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *words],
        cwd=src,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode not in (0, 1):  # validate exits 1 on a failed critical expectation
        raise SystemExit(f"{' '.join(words)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def build(src: Path, db: Path) -> None:
    data = db.parent
    sample = data / "sample.tsv"
    old_cli(
        src,
        db,
        "generate",
        "yfcc",
        str(sample),
        "--rows",
        str(ROWS),
        "--seed",
        str(SEED),
        "--bad-lines",
        str(BAD_LINES),
    )
    old_cli(src, db, "ingest", "yfcc", "--quiet", str(sample))
    with duckdb.connect(str(db), read_only=True) as con:
        photos = con.execute(
            "SELECT photo_id, owner_nsid, license_id FROM yfcc_photos ORDER BY photo_id LIMIT 24"
        ).fetchall()
    manifest = data / "faces.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["photo_id", "owner", "license"])
        for index, (photo_id, owner, license_id) in enumerate(photos):
            writer.writerow([photo_id, owner, license_id])
            if index % 4 == 0:  # a second face on every fourth photo
                writer.writerow([photo_id, owner, license_id])
        writer.writerow([999_999_999_999, "", ""])  # a photo YFCC100M does not hold
    old_cli(
        src,
        db,
        "ingest",
        "manifest",
        "--format",
        "csv",
        "--dataset",
        DATASET,
        "--version",
        "v1",
        "--id-column",
        "photo_id",
        "--owner-column",
        "owner",
        "--license-column",
        "license",
        str(manifest),
    )
    old_cli(src, db, "optout", "add", "--user", photos[0][1], "--note", OPTOUT_NOTE)
    old_cli(src, db, "validate")
    enrich(src, db, photos)


def _server_module(src: Path):
    spec = importlib.util.spec_from_file_location("old_flickr_server", src / "tests" / "flickr_server.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_flickr_server"] = module
    spec.loader.exec_module(module)
    return module


def enrich(src: Path, db: Path, photos: list[tuple]) -> None:
    """That version's `enrich --dataset` against its own local Flickr stand-in: most photos
    answered (one with a changed license, one with a license history), the rest not found."""
    fs = _server_module(src)
    with fs.FlickrTestServer(api_key=API_KEY) as server:
        for index, (photo_id, owner, license_id) in enumerate(photos[:16]):
            license_now = "9" if index == 3 else str(license_id)
            server.add_photo(
                photo_id, fs.photo_body(photo_id, license=license_now, owner=owner, title=f"photo {index}")
            )
            server.add_person(owner, fs.person_body(owner, username=f"user{index}"))
        if hasattr(fs, "history_body") and hasattr(server, "add_history"):
            server.add_history(photos[3][0], fs.history_body((1_500_000_000, int(photos[3][2]), 9)))
        old_cli(
            src,
            db,
            "enrich",
            "--dataset",
            DATASET,
            "--quiet",
            env={
                "FLICKR_API_KEY": API_KEY,
                "CCAUDIT_FLICKR_API_URL": server.url,
                "CCAUDIT_FLICKR_RATE": "1000000",
            },
        )


def export(db: Path, out: Path, commit: str, repo: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute(f"EXPORT DATABASE '{out}' (FORMAT parquet, COMPRESSION zstd)")
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
            ).fetchall()
        ]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    when = subprocess.run(
        ["git", "-C", str(repo), "log", "-1", "--format=%cI %s", commit],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (out / "expected.json").write_text(
        json.dumps(
            {
                "commit": commit,
                "commit_date_and_subject": when,
                "built_with_duckdb": duckdb.__version__,
                "rows": counts,
                "dataset": DATASET,
                "optout_note": OPTOUT_NOTE,
            },
            indent=2,
        )
        + "\n"
    )


def write_old_journal(src: Path, db: Path, folder: Path) -> Path | None:
    """A journal in that version's format (no identity line), as a killed run would leave it:
    three photo answers that are not in the database yet. None where that version has no journal."""
    code = f"""
import sys, datetime
from pathlib import Path
try:
    from pipelines.flickr.enrich import Journal
except ImportError:
    sys.exit(3)
import duckdb
con = duckdb.connect({str(db)!r}, read_only=True)
ids = [r[0] for r in con.execute(
    "SELECT photo_id FROM yfcc_photos ANTI JOIN flickr_checks USING (photo_id) ORDER BY photo_id LIMIT 3").fetchall()]
con.close()
folder = Path({str(folder)!r}); folder.mkdir(parents=True, exist_ok=True)
journal = Journal(folder, "enrich-20261202T000000-0a1d00")
for pid in ids:
    journal.append("flickr_checks", {{"photo_id": pid, "checked_at": datetime.datetime(2026, 12, 2, 0, 0, 1),
                                      "status": "not_found", "run_id": journal.run_id, "error_code": 1}})
journal.close()
print(journal.path)
"""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(src)},
        cwd=src,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode == 3:
        return None
    if proc.returncode:
        raise SystemExit(f"writing the old journal failed:\n{proc.stderr[-3000:]}")
    return Path(proc.stdout.strip())


if __name__ == "__main__":
    sys.exit(main())
