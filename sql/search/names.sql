-- Names that lead to accounts: YFCC100M nicknames, Flickr usernames/nicknames/path aliases, path
-- aliases `ccaudit enrich` resolved with flickr.urls.lookupUser (the latest answer, as lookup reads
-- them), and the path aliases that only manifests name (their own account).
SELECT DISTINCT owner_nsid, owner_nickname FROM yfcc_photos WHERE coalesce(owner_nickname, '') <> ''
UNION SELECT owner_nsid, username FROM uploaders WHERE coalesce(username, '') <> ''
UNION SELECT owner_nsid, nickname FROM uploaders WHERE coalesce(nickname, '') <> ''
UNION SELECT owner_nsid, path_alias FROM uploaders WHERE coalesce(path_alias, '') <> ''
UNION SELECT nsid, alias FROM (
          SELECT arg_max(owner_nsid, resolved_at) AS nsid, alias FROM flickr_alias_resolutions
          WHERE status <> 'error' GROUP BY alias) WHERE nsid IS NOT NULL
UNION SELECT DISTINCT account, account FROM _search_item_owners
      WHERE NOT regexp_full_match(trim(account), '[0-9]+@[Nn][0-9][0-9]');
