-- New tables for enrichment: flickr_journal_merges (journal merge progress), flickr_sample_photos
-- (--sample), flickr_license_history (getLicenseHistory) and flickr_alias_resolutions
-- (lookupUser). Created empty; the next `ccaudit enrich` fills them. As first released.
CREATE TABLE IF NOT EXISTS flickr_journal_merges (
    run_id      VARCHAR NOT NULL PRIMARY KEY,
    merged_seq  BIGINT NOT NULL,
    merged_at   TIMESTAMP NOT NULL,
    merges      BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS flickr_sample_photos (
    dataset     VARCHAR NOT NULL,
    seed        BIGINT NOT NULL,
    photo_id    BIGINT NOT NULL,
    sample_rank BIGINT NOT NULL,
    population  BIGINT NOT NULL,
    drawn_at    TIMESTAMP NOT NULL,
    run_id      VARCHAR,
    PRIMARY KEY (dataset, seed, photo_id)
);
CREATE TABLE IF NOT EXISTS flickr_license_history (
    photo_id        BIGINT NOT NULL,
    fetched_at      TIMESTAMP NOT NULL,
    run_id          VARCHAR,
    status          VARCHAR NOT NULL,
    changes         INTEGER,
    change_index    INTEGER,
    changed_at      TIMESTAMP,
    old_license_id  INTEGER,
    new_license_id  INTEGER,
    old_license_raw VARCHAR,
    new_license_raw VARCHAR,
    error_code      INTEGER,
    error_detail    VARCHAR
);
CREATE TABLE IF NOT EXISTS flickr_alias_resolutions (
    alias        VARCHAR NOT NULL,
    resolved_at  TIMESTAMP NOT NULL,
    status       VARCHAR NOT NULL,
    owner_nsid   VARCHAR,
    username     VARCHAR,
    error_code   INTEGER,
    error_detail VARCHAR,
    run_id       VARCHAR
);
