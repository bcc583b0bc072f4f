"""yfcc_photos stores page_url and download_url only where the published URL differs from the one
derived from the row (page_url_stored, download_url_stored); page_url and download_url become
virtual generated columns with the same values as before. Rewrites yfcc_photos: about 3 minutes
per 10M rows on 2 cores (2M rows took 33 s, the safety copy included) and the table's size again in
free space; a copy of the database file is kept beside it first. Databases written on or after 2026-12-02 already have this shape: nothing is rewritten.
"""

from __future__ import annotations

REWRITES = "yfcc_photos"

# The table as this migration leaves it, spelled out here (not read from sql/schema/, which moves
# on): a migration must do the same thing whenever it runs.
_CREATE = """
CREATE TABLE yfcc_photos__migrating (
    photo_id         BIGINT NOT NULL,
    line_no          BIGINT,
    photo_hash       VARCHAR,
    owner_nsid       VARCHAR NOT NULL,
    owner_nickname   VARCHAR,
    taken_at         TIMESTAMP,
    taken_at_raw     VARCHAR,
    taken_at_flag    VARCHAR,
    uploaded_at      TIMESTAMP,
    capture_device   VARCHAR,
    title            VARCHAR,
    description      VARCHAR,
    user_tags        VARCHAR,
    machine_tags     VARCHAR,
    longitude        DOUBLE,
    latitude         DOUBLE,
    accuracy         TINYINT,
    page_url         VARCHAR GENERATED ALWAYS AS (
        CASE WHEN page_url_stored IS NULL
             THEN 'http://www.flickr.com/photos/' || owner_nsid || '/' || CAST(photo_id AS VARCHAR) || '/'
             ELSE nullif(page_url_stored, '') END) VIRTUAL,
    download_url     VARCHAR GENERATED ALWAYS AS (
        CASE WHEN download_url_stored IS NULL
             THEN 'http://farm' || farm_id || '.staticflickr.com/' || server_id || '/' || CAST(photo_id AS VARCHAR)
                  || '_' || secret || '.jpg'
             ELSE nullif(download_url_stored, '') END) VIRTUAL,
    license_id       INTEGER NOT NULL,
    license_name_raw VARCHAR,
    license_url_raw  VARCHAR,
    server_id        VARCHAR,
    farm_id          VARCHAR,
    secret           VARCHAR,
    secret_original  VARCHAR,
    extension        VARCHAR,
    is_video         BOOLEAN NOT NULL,
    source_file      VARCHAR NOT NULL,
    source_line      BIGINT NOT NULL,
    page_url_stored  VARCHAR,
    download_url_stored VARCHAR
)"""

# NULL = as derived, '' = the row published none (the generated column then reads NULL).
_PAGE = """CASE WHEN page_url = 'http://www.flickr.com/photos/' || owner_nsid || '/' || CAST(photo_id AS VARCHAR) || '/'
                THEN NULL ELSE coalesce(page_url, '') END"""
_DOWNLOAD = """CASE WHEN download_url = 'http://farm' || farm_id || '.staticflickr.com/' || server_id || '/'
                                   || CAST(photo_id AS VARCHAR) || '_' || secret || '.jpg'
                    THEN NULL ELSE coalesce(download_url, '') END"""


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? "
        "ORDER BY column_index", [table]).fetchall()]


def will_rewrite(con) -> bool:
    """False where there is no table yet (the schema files create it) or it has this shape already."""
    old = _columns(con, "yfcc_photos")
    return bool(old) and "page_url_stored" not in old


def upgrade(con) -> None:
    if not will_rewrite(con):
        return
    old = _columns(con, "yfcc_photos")
    con.execute(_CREATE)
    stored = [c for c in _columns(con, "yfcc_photos__migrating")
              if c in old and c not in ("page_url", "download_url")]
    names = ", ".join(f'"{c}"' for c in stored)
    con.execute(f"""
        INSERT INTO yfcc_photos__migrating ({names}, page_url_stored, download_url_stored)
        SELECT {names}, {_PAGE}, {_DOWNLOAD} FROM yfcc_photos""")
    con.execute("DROP TABLE yfcc_photos")
    con.execute("ALTER TABLE yfcc_photos__migrating RENAME TO yfcc_photos")
