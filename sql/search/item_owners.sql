-- Every dataset item with the account(s) it belongs to, by the rules of lookup._fill_account: the
-- photo's owner in YFCC100M, and the account the manifest names (an NSID, a path alias Flickr resolved
-- to an NSID, or else the alias itself, lower case). One pass; a list of at most two accounts per item.
-- $sources: the source names, the pool first (an item's source is its position).
CREATE OR REPLACE TEMP TABLE _search_item_owners AS
    SELECT source, item_key, photo_id, unnest(accounts) AS account FROM (
        SELECT list_position($sources, i.dataset || ' ' || i.version) - 1 AS source, i.item_key, i.photo_id,
               list_distinct(list_filter([y.owner_nsid,
                   CASE WHEN i.owner_ref IS NULL OR i.owner_ref = '' THEN NULL
                        WHEN regexp_full_match(trim(i.owner_ref), '[0-9]+@[Nn][0-9][0-9]')
                            THEN upper(trim(i.owner_ref))
                        ELSE coalesce(a.owner_nsid, lower(i.owner_ref)) END], lambda x: x IS NOT NULL)) AS accounts
        FROM dataset_items AS i
        LEFT JOIN (SELECT photo_id, any_value(owner_nsid) AS owner_nsid FROM yfcc_photos GROUP BY photo_id) AS y
            USING (photo_id)
        LEFT JOIN _search_aliases AS a ON i.owner_ref IS NOT NULL AND lower(i.owner_ref) = a.alias);
