-- title: Datasets that cannot be traced to Flickr
-- section: datasets
-- order: 80
-- description: Datasets (latest version) whose items carry no pointer back to a Flickr photo, so their licenses and uploaders cannot be audited from the manifest; and, for the others, items without a photo id.
-- requires: datasets
SELECT d.dataset, d.version, d.format, d.items,
       count(i.item_key) FILTER (WHERE i.photo_id IS NULL) AS items_without_photo_id,
       CASE WHEN NOT d.auditable THEN 'manifest has no Flickr id, URL or owner'
            ELSE 'some items name an owner but no photo' END AS reason
FROM latest_datasets AS d
LEFT JOIN dataset_items AS i USING (dataset, version)
GROUP BY d.dataset, d.version, d.format, d.items, d.auditable
HAVING NOT d.auditable OR count(i.item_key) FILTER (WHERE i.photo_id IS NULL) > 0
ORDER BY d.dataset;
