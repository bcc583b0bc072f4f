"""Versioned schema migrations, tested against REAL old databases.

tests/fixtures/upgrade/<date>-<commit>/ holds a database that ccaudit at that commit built
(scripts/build_upgrade_fixture.py: ingest, a manifest, an opt-out, validate, an enrich run against
that version's local Flickr stand-in), exported by DuckDB as schema.sql + Parquet. Each test
imports one with today's DuckDB, upgrades it with today's ccaudit and checks that every row of
every table survived and that the commands work on it. No git at test time.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from pipelines import __version__, migrations
from pipelines.cli import main
from pipelines.db import connect, migrate_file
from pipelines.errors import CcauditError
from tests.conftest import REPO
from tests.flickr_server import FlickrTestServer, person_body, photo_body

FIXTURES = REPO / "tests" / "fixtures" / "upgrade"
# Every migration must be exercised by an upgrade from a real old database: the migrations each
# fixture is expected to apply. A new migration without an entry here fails
# test_every_migration_is_covered_by_an_upgrade_fixture.
EXPECTED_MIGRATIONS = {"2026-11-27-fda23be": [1, 2, 3, 4, 5, 6], "2026-12-02-9b93301": [1, 2, 3, 4, 5, 6]}
KEY = "upgrade-test-key-5e1f0c7d"


def import_fixture(folder: Path, db: Path) -> None:
    """schema.sql, then each table's Parquet file (load.sql names them relative to where it was made)."""
    con = duckdb.connect(str(db))
    try:
        waiting = [s for s in (folder / "schema.sql").read_text(encoding="utf-8").split(";\n") if s.strip()]
        while waiting:  # EXPORT writes views in name order; one may name a view defined later
            failed = []
            for statement in waiting:
                try:
                    con.execute(statement)
                except duckdb.CatalogException:
                    failed.append(statement)
            assert len(failed) < len(waiting), failed[0]
            waiting = failed
        for line in (folder / "load.sql").read_text(encoding="utf-8").splitlines():
            if match := re.match(r"COPY (\S+) FROM '(?:.*/)?([^/']+\.parquet)'", line):
                con.execute(f"COPY {match.group(1)} FROM '{folder / match.group(2)}' (FORMAT parquet)")
    finally:
        con.close()


def dump(db: Path, raw: bool = True) -> dict[str, Counter]:
    """Every row of every table as a multiset of {column: value} (read without the version gate)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for table in tables:
            cursor = con.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            out[table] = Counter(tuple(zip(names, map(repr, row), strict=True)) for row in cursor.fetchall())
        return out
    finally:
        con.close()


def project(rows: Counter, columns: set[str]) -> Counter:
    return Counter(tuple(pair for pair in row if pair[0] in columns) for row in rows.elements())


def shape(db: Path) -> dict:
    """Tables with their columns (name, type, nullability, default, order), constraints and the views."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute("""
            SELECT table_name, list((column_name, data_type, is_nullable, column_default) ORDER BY column_index)
            FROM duckdb_columns() WHERE schema_name = 'main' AND table_name IN
                 (SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main')
            GROUP BY table_name ORDER BY table_name""").fetchall()
        constraints = con.execute("""
            SELECT table_name, constraint_type, constraint_column_names, expression FROM duckdb_constraints()
            WHERE schema_name = 'main' ORDER BY ALL""").fetchall()
        views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
        return {"columns": columns, "constraints": constraints, "views": views}
    finally:
        con.close()


def cli(capsys, *words: str) -> tuple[int, str, str]:
    code = main(list(words))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(params=sorted(EXPECTED_MIGRATIONS))
def old_db(request, tmp_path) -> tuple[str, Path]:
    folder = FIXTURES / request.param
    if not (folder / "schema.sql").exists():
        pytest.fail(f"upgrade fixture {folder} is missing (scripts/build_upgrade_fixture.py makes it)")
    db = tmp_path / "old.duckdb"
    import_fixture(folder, db)
    return request.param, db


# --- the real old databases ---------------------------------------------------------------------


def test_every_migration_is_covered_by_an_upgrade_fixture():
    """Adding a migration without an upgrade test from a real older database fails here."""
    versions = [m.version for m in migrations.migrations()]
    covered = set().union(*EXPECTED_MIGRATIONS.values())
    assert sorted(covered) == versions, (
        f"migrations {sorted(set(versions) - covered)} are applied by no upgrade fixture test: build a database "
        "with the version before them (scripts/build_upgrade_fixture.py) and list them in EXPECTED_MIGRATIONS"
    )
    for name in EXPECTED_MIGRATIONS:
        assert (FIXTURES / name / "expected.json").exists(), name


def test_an_old_database_keeps_every_row_of_every_table(old_db, tmp_path):
    name, db = old_db
    expected = json.loads((FIXTURES / name / "expected.json").read_text())
    before = dump(db)
    assert {t: sum(rows.values()) for t, rows in before.items()} == expected["rows"]  # the fixture is whole
    plan, _ = migrate_file(db)
    assert [m.version for m in plan.todo] == EXPECTED_MIGRATIONS[name]
    after = dump(db)
    for table, rows in before.items():
        if table == "licenses":  # facts, reloaded from pipelines/licenses.py on every upgrade
            assert {dict(r)["license_id"] for r in rows} <= {dict(r)["license_id"] for r in after[table]}
            continue
        old_columns = {pair[0] for row in rows for pair in row} or set()
        assert project(after[table], old_columns) == rows, f"{table}: rows changed by the upgrade"
    with connect(db, read_only=True) as con:
        recorded = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
        meta = dict(con.execute("SELECT key, value FROM ccaudit_meta").fetchall())
    assert recorded == [m.version for m in migrations.migrations()]
    assert meta["last_written_by"] == __version__ and len(meta["database_id"]) == 32


def test_every_table_newer_than_the_oldest_fixture_is_created_by_a_migration(tmp_path):
    """A new table needs a migration too, so the schema version says whether a database has it."""
    fresh = tmp_path / "fresh.duckdb"
    connect(fresh).close()
    oldest = FIXTURES / min(EXPECTED_MIGRATIONS) / "schema.sql"
    old_tables = set(re.findall(r"^CREATE TABLE (\w+)", oldest.read_text(), flags=re.MULTILINE))
    created = set()
    for migration in migrations.migrations():
        created |= set(
            re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", migration.path.read_text(), re.IGNORECASE)
        )
    with duckdb.connect(str(fresh), read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            ).fetchall()
        }
    missing = tables - old_tables - created - {"schema_migrations", "ccaudit_meta"}
    assert not missing, f"tables without a migration that creates them: {sorted(missing)}"


def test_an_upgraded_database_has_the_shape_of_a_new_one(old_db, tmp_path):
    """Migrations plus sql/schema/ give exactly the tables a new database gets: a schema change
    made in sql/schema/ without its migration fails here."""
    _, db = old_db
    migrate_file(db)
    fresh = tmp_path / "fresh.duckdb"
    connect(fresh).close()
    assert shape(db) == shape(fresh)


def test_an_old_database_upgrades_on_the_first_write_and_every_command_works(old_db, tmp_path, capsys):
    _, db = old_db
    before = dump(db)
    counts = {t: sum(r.values()) for t, r in before.items()}
    code, _, err = cli(capsys, "optout", "list", "--db", str(db))  # reading: one line, asks for migrate
    assert code == 2 and "written by an older ccaudit" in err and "ccaudit migrate" in err
    assert err.count("\n") == 1 and dump(db) == before  # and nothing changed

    code, out, err = cli(
        capsys, "optout", "add", "--user", "99999999@N01", "--db", str(db), "--note", "after"
    )
    assert code == 0, err
    sample = tmp_path / "more.tsv"
    assert cli(capsys, "generate", "yfcc", str(sample), "--rows", "50", "--seed", "11")[0] == 0
    code, out, err = cli(capsys, "ingest", "yfcc", "--quiet", str(sample), "--db", str(db))
    assert code == 0, err
    code, out, err = cli(capsys, "validate", "--db", str(db))
    assert code == 0, out + err
    after = {t: sum(r.values()) for t, r in dump(db).items()}
    assert after["optouts"] == counts["optouts"] + 1
    for table in ("dataset_items", "flickr_checks", "uploaders", "datasets"):
        assert after[table] == counts[table], table
    assert after["yfcc_photos"] == counts["yfcc_photos"] + 50
    assert after["validation_results"] > counts["validation_results"]

    owner = next(dict(r)["value"] for r in before["optouts"])
    code, out, err = cli(capsys, "lookup", owner.strip("'"), "--db", str(db))
    assert code == 0, err
    code, out, err = cli(capsys, "report", "--db", str(db), "--out", str(tmp_path / "reports"))
    assert code == 0, err
    assert list((tmp_path / "reports").glob("*/report.html"))


def test_enrich_on_an_upgraded_database_merges_an_old_journal_once(old_db, tmp_path, capsys, monkeypatch):
    """A journal a killed run of the old version left (no identity line) is merged exactly once."""
    name, db = old_db
    old_journals = sorted((FIXTURES / name / "journal").glob("*.jsonl"))
    folder = db.parent / (db.name + ".enrich")
    folder.mkdir()
    for path in old_journals:
        shutil.copy(path, folder / path.name)
    journaled = [
        json.loads(line)["row"]["photo_id"] for p in old_journals for line in p.read_text().splitlines()
    ]
    counts = {t: sum(r.values()) for t, r in dump(db).items()}
    with duckdb.connect(str(db), read_only=True) as con:
        photos = con.execute(
            "SELECT photo_id, owner_nsid FROM yfcc_photos ORDER BY photo_id LIMIT 4"
        ).fetchall()
    with FlickrTestServer(api_key=KEY) as server:
        for photo_id, owner in photos:
            server.add_photo(photo_id, photo_body(photo_id, owner=owner))
            server.add_person(owner, person_body(owner))
        monkeypatch.setenv("FLICKR_API_KEY", KEY)
        monkeypatch.setenv("CCAUDIT_FLICKR_API_URL", server.url)
        monkeypatch.setenv("CCAUDIT_FLICKR_RATE", "3600000")
        for _ in range(2):  # the second run finds the journal gone and merges nothing twice
            code, _, err = cli(
                capsys,
                "enrich",
                "--db",
                str(db),
                "--quiet",
                "--max-age",
                "0",
                "--limit",
                "3",
                "--no-license-history",
            )
            assert code == 0, err
    with connect(db, read_only=True) as con:
        merged = con.execute(
            "SELECT count(*) FROM flickr_checks WHERE run_id LIKE 'enrich-20261202T000000%'"
        ).fetchone()[0]
        total = con.execute("SELECT count(*) FROM flickr_checks").fetchone()[0]
    assert merged == len(journaled)
    assert total == counts["flickr_checks"] + len(journaled) + 6  # two runs of 3 photos each
    assert not list(folder.glob("*.jsonl"))


# --- the mechanism ------------------------------------------------------------------------------


def test_a_new_database_records_every_version_and_the_program(tmp_path, capsys):
    db = tmp_path / "new.duckdb"
    connect(db).close()
    with connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT version, name, program_version FROM schema_migrations ORDER BY 1"
        ).fetchall()
        meta = dict(con.execute("SELECT key, value FROM ccaudit_meta").fetchall())
    assert [(v, n) for v, n, _ in rows] == [(m.version, m.name) for m in migrations.migrations()]
    assert {p for _, _, p in rows} == {__version__} and meta["created_by"] == __version__
    code, out, _ = cli(capsys, "migrate", "--db", str(db))
    assert code == 0 and "up to date" in out
    with pytest.raises(SystemExit):
        main(["--version"])
    out = capsys.readouterr().out
    assert __version__ in out and f"schema version {migrations.latest_version()}" in out


def test_a_database_from_a_newer_ccaudit_is_refused_by_every_command(tmp_path):
    db = tmp_path / "future.duckdb"
    connect(db).close()
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO schema_migrations VALUES (9999, 'from_the_future', now(), '99.0.0')")
        con.execute("UPDATE ccaudit_meta SET value = '99.0.0' WHERE key = 'last_written_by'")
    sample = tmp_path / "s.tsv"
    sample.write_text("")
    for words in (
        ["ingest", "yfcc", "--quiet", str(sample)],
        ["optout", "add", "--user", "1@N01"],
        ["optout", "list"],
        ["validate"],
        ["report", "--out", str(tmp_path / "r")],
        ["lookup", "1@N01"],
        ["migrate"],
        ["migrate", "--dry-run"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", *words, "--db", str(db)],
            check=False,
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        err = proc.stderr.strip()
        assert proc.returncode == 2, (words, err)
        assert err.startswith("ccaudit: error: ") and "\n" not in err and "Traceback" not in err, err
        assert "newer" in err and "9999" in err and str(migrations.latest_version()) in err, err


def test_a_failing_migration_changes_nothing_and_is_named(tmp_path):
    folder = FIXTURES / "2026-11-27-fda23be"
    db = tmp_path / "old.duckdb"
    import_fixture(folder, db)
    before, before_shape = dump(db), shape(db)
    broken = tmp_path / "migrations"
    shutil.copytree(REPO / "sql" / "migrations", broken)
    (broken / "0999_broken.sql").write_text(
        "-- a migration that fails half way\n"
        "ALTER TABLE optouts ADD COLUMN oops INTEGER;\n"
        "UPDATE optouts SET oops = 1;\nSELECT * FROM no_such_table;\n"
    )
    con = duckdb.connect(str(db))
    try:
        with pytest.raises(CcauditError, match="migration 0999 broken failed") as info:
            migrations.upgrade(con, db, known=migrations.migrations(broken), backup=False)
        assert "nothing was changed" in str(info.value)
    finally:
        con.close()
    assert dump(db) == before and shape(db) == before_shape


def test_dry_run_lists_and_changes_nothing_and_the_rewrite_keeps_a_copy(tmp_path, capsys, caplog):
    db = tmp_path / "old.duckdb"
    import_fixture(FIXTURES / "2026-11-27-fda23be", db)
    before = dump(db)
    code, out, err = cli(capsys, "migrate", "--dry-run", "--db", str(db))
    assert code == 0, err
    assert "would apply 6 migration(s)" in out and "0006 yfcc_photos_derived_urls" in out
    assert "rewrites yfcc_photos (400 rows)" in out and " MB) to " in out
    assert dump(db) == before and not list(tmp_path.glob("*.before-migration-*"))
    code, out, err = cli(capsys, "migrate", "--db", str(db))
    assert code == 0 and "applied 6 migration(s)" in out, err
    copy = tmp_path / "old.before-migration-0006.duckdb"
    assert copy.exists() and dump(copy) == before  # the copy is the database as it was
    said = caplog.text  # the CLI prints it on stderr: that the copy is made, of what size, where
    assert "copying old.duckdb (" in said and " MB) to " in said and copy.name in said


def test_a_database_already_in_the_new_url_shape_is_not_rewritten(tmp_path, capsys):
    db = tmp_path / "old.duckdb"
    import_fixture(FIXTURES / "2026-12-02-9b93301", db)
    code, out, err = cli(capsys, "migrate", "--db", str(db))
    assert code == 0, err
    assert "rewrites" not in out and not list(tmp_path.glob("*.before-migration-*"))


def test_validate_first_upgrades_an_old_database(old_db, capsys):
    """validate reads read-only, then writes its results: on an older database it migrates first."""
    _, db = old_db
    code, out, err = cli(capsys, "validate", "--db", str(db))
    assert code == 0, out + err
    with connect(db, read_only=True) as con:
        assert (
            con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
            == migrations.latest_version()
        )


def test_a_file_that_is_not_a_ccaudit_database_is_not_migrated(tmp_path, capsys):
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    code, _, err = cli(capsys, "migrate", "--db", str(other))
    assert code == 2 and "not a ccaudit database" in err
    code, _, err = cli(capsys, "migrate", "--db", str(tmp_path / "missing.duckdb"))
    assert code == 2 and "does not exist" in err and not (tmp_path / "missing.duckdb").exists()


def test_migration_files_are_named_and_numbered_once(tmp_path):
    for migration in migrations.migrations():
        assert migration.note, f"{migration.path.name} has no upgrading note (leading comment or docstring)"
    bad = tmp_path / "m"
    bad.mkdir()
    (bad / "0001_a.sql").write_text("SELECT 1;")
    (bad / "0001_b.sql").write_text("SELECT 1;")
    with pytest.raises(RuntimeError, match="two migrations numbered 0001"):
        migrations.migrations(bad)
