-- Needs flickr_checks (070), flickr_alias_resolutions (079) and uploaders (080).
-- Every path alias something resolved to an NSID: a fetched uploader profile, a photo check naming
-- its owner's alias, or flickr.urls.lookupUser. The latest answer wins.
CREATE OR REPLACE VIEW resolved_aliases AS
SELECT alias, arg_max(owner_nsid, seen_at) AS owner_nsid, max(seen_at) AS resolved_at FROM (
    SELECT lower(path_alias) AS alias, owner_nsid, fetched_at AS seen_at
    FROM uploaders WHERE path_alias IS NOT NULL
    UNION ALL
    SELECT lower(owner_path_alias), owner_nsid, checked_at FROM flickr_checks
    WHERE owner_path_alias IS NOT NULL AND owner_nsid IS NOT NULL
    UNION ALL
    SELECT alias, owner_nsid, resolved_at FROM flickr_alias_resolutions
    WHERE status = 'ok' AND owner_nsid IS NOT NULL)
GROUP BY alias;
COMMENT ON VIEW resolved_aliases IS 'Path alias (lower case) -> NSID, from uploader profiles, photo checks and flickr.urls.lookupUser answers; the latest wins.';
COMMENT ON COLUMN resolved_aliases.alias IS 'Path alias (the <alias> in flickr.com/photos/<alias>/), lower case; one row per alias.';
COMMENT ON COLUMN resolved_aliases.owner_nsid IS 'Account id (NSID) the alias belongs to, by the latest answer that resolved it.';
COMMENT ON COLUMN resolved_aliases.resolved_at IS 'When that latest answer came (UTC).';
