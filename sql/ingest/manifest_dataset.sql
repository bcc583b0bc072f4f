-- The datasets row of a loaded manifest version (one per dataset and version; the load deleted the
-- previous one). Parameters: as named, from load_staged_manifest.
INSERT INTO datasets (dataset, version, format, items, auditable, source_files, ingested_at, run_id,
                      catalog_entry, items_with_coordinates, items_with_place_name, collected_on,
                      collected_on_source, catalog_content)
VALUES ($dataset, $version, $format, $items, $auditable, $source_files, $ingested_at, $run_id,
        $catalog_entry, $items_with_coordinates, $items_with_place_name, $collected_on,
        $collected_on_source, $catalog_content);
