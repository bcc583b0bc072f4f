-- title: Opt-outs still distributed
-- description: Every opt-out request and each dataset version ingested after it that still holds the photo, or items of the uploader, it names, with how many items and photos (the table optout_status, by the rule of the report's opt-out tables: an item is the uploader's through its YFCC100M photo or through the owner its manifest names). A request that no row names was honoured by every later version, or no version came after it.
SELECT kind,
       value,
       requested_at,
       dataset,
       version,
       is_latest_version,
       items,
       photos
FROM optout_status
ORDER BY requested_at, kind, value, dataset, version
