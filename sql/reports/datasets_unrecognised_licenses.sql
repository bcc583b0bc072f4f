-- title: Declared licenses not recognised
-- section: datasets
-- order: 90
-- description: License values that manifests declare but that match no Flickr license id (name, URL or id); they are kept as written and left out of the license breakdowns rather than guessed.
-- requires: dataset_items
SELECT i.dataset, i.declared_license_raw AS declared_as, count(*) AS items
FROM dataset_items AS i
JOIN latest_datasets AS d USING (dataset, version)
WHERE i.declared_license_raw IS NOT NULL AND i.declared_license_id IS NULL
GROUP BY i.dataset, i.declared_license_raw
ORDER BY items DESC, i.dataset, declared_as;
