-- Canonical license facts, one row per Flickr license id (0-16). Rows are (re)loaded from
-- pipelines/licenses.py on every migration, so the Python normaliser and this table never disagree.
CREATE TABLE IF NOT EXISTS licenses (
    license_id      INTEGER PRIMARY KEY,
    code            VARCHAR NOT NULL,
    version         VARCHAR,
    name            VARCHAR NOT NULL,
    name_before_2025 VARCHAR,
    url             VARCHAR,
    spdx_id         VARCHAR,
    kind            VARCHAR NOT NULL,
    is_license      BOOLEAN NOT NULL,
    commercial_use  BOOLEAN,
    derivatives     BOOLEAN,
    share_alike     BOOLEAN,
    attribution     BOOLEAN,
    caveat          VARCHAR
);
COMMENT ON TABLE licenses IS 'Canonical facts for every Flickr license id 0-16: what each license or rights statement allows.';
COMMENT ON COLUMN licenses.license_id IS 'Flickr numeric license id (0 = All Rights Reserved, 1-6 = CC 2.0, 7-10 = statements/public domain, 11-16 = CC 4.0).';
COMMENT ON COLUMN licenses.code IS 'Short code: arr, by, by-sa, by-nd, by-nc, by-nc-sa, by-nc-nd, nkcr, usgov, cc0, pdm.';
COMMENT ON COLUMN licenses.version IS 'License version (2.0, 4.0, 1.0), NULL for statements without one.';
COMMENT ON COLUMN licenses.name IS 'Name Flickr uses today (since June 2025), e.g. CC BY-NC-SA 2.0.';
COMMENT ON COLUMN licenses.name_before_2025 IS 'Name Flickr used before June 2025 and found in YFCC100M, e.g. Attribution-NonCommercial-ShareAlike License.';
COMMENT ON COLUMN licenses.url IS 'Canonical URL of the license deed or statement.';
COMMENT ON COLUMN licenses.spdx_id IS 'SPDX identifier where one exists (CC-BY-2.0, CC0-1.0, CC-PDM-1.0), else NULL.';
COMMENT ON COLUMN licenses.kind IS 'license | waiver | public_domain_mark | rights_statement | public_domain_statute | all_rights_reserved.';
COMMENT ON COLUMN licenses.is_license IS 'TRUE for a license or waiver granted by the rights holder; FALSE for statements (7 NKCR, 8 US Gov, 10 PDM) and All Rights Reserved.';
COMMENT ON COLUMN licenses.commercial_use IS 'Commercial use allowed: TRUE, FALSE, or NULL when unknown (7, no known copyright restrictions).';
COMMENT ON COLUMN licenses.derivatives IS 'Derivative works (adaptations) allowed: TRUE, FALSE, or NULL when unknown.';
COMMENT ON COLUMN licenses.share_alike IS 'Adaptations must carry the same license (SA).';
COMMENT ON COLUMN licenses.attribution IS 'Credit to the author is legally required (BY). NULL where not applicable (All Rights Reserved).';
COMMENT ON COLUMN licenses.caveat IS 'What the booleans cannot say, e.g. US Government works are public domain in the US only.';
