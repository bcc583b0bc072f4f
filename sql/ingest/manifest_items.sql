-- The kept items of a staged manifest into dataset_items, by column name: every staged column
-- (base.ITEM_SCHEMA plus source_file) but the file index and the record's own facts, which only
-- manifest_facts.sql counts. Parameters: $dataset, $version.
INSERT INTO dataset_items BY NAME
SELECT $dataset AS dataset, $version AS version,
       * EXCLUDE (file_index, has_coordinates, has_place_name, crawled_on)
FROM _manifest_kept;
