-- title: Datasets at a glance
-- section: datasets
-- order: 10
-- description: Each ingested dataset (latest version): items in its manifest, distinct Flickr photos they point to (several faces of one photo count once), how many of those photos YFCC100M holds, their uploaders (YFCC100M owner, else the owner the manifest names) and how many YFCC100M shows geotagged. Items per photo counts only the items that point to a photo. Datasets whose manifest has no Flickr pointer show items only.
-- chart: hbar label=dataset value=matched_share count=matched_photos of=photos measure=share_of_photos_found_in_the_pool
-- requires: datasets
WITH photos AS (
    SELECT dataset,
           count(*) AS photos,
           sum(items) AS items_with_photo,
           count(*) FILTER (WHERE in_yfcc) AS matched_photos,
           count(DISTINCT owner) AS uploaders,
           count(*) FILTER (WHERE geotagged) AS geotagged_photos
    FROM dataset_photos
    GROUP BY dataset
)
SELECT d.dataset, d.version, d.format, d.auditable, d.items,
       coalesce(p.photos, 0) AS photos,
       coalesce(p.matched_photos, 0) AS matched_photos,
       p.matched_photos / nullif(p.photos, 0) AS matched_share,
       coalesce(p.uploaders, 0) AS uploaders,
       p.items_with_photo / nullif(p.photos, 0) AS items_per_photo,
       p.geotagged_photos / nullif(p.matched_photos, 0) AS geotagged_share
FROM latest_datasets AS d
LEFT JOIN photos AS p USING (dataset)
ORDER BY d.items DESC, d.dataset;
