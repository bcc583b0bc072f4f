-- title: Photographers per dataset
-- description: Per derived dataset (latest version): its distinct photos and the distinct Flickr accounts that uploaded them (photographers), each photo's account taken from YFCC100M where it holds the photo, else from the owner the manifest names (a path alias resolved to its account where ccaudit could). This is the report's "uploaders" figure (datasets_summary); it can exceed the "uploaders named by the manifest" printed at ingest, which counts only the owners the manifest itself names.
SELECT d.dataset,
       d.version,
       count(p.photo_id) AS photos,
       count(DISTINCT p.owner) AS photographers,
       count(p.photo_id) - count(p.owner) AS photos_without_account
FROM latest_datasets AS d
LEFT JOIN dataset_photos AS p ON p.dataset = d.dataset AND p.version = d.version
GROUP BY d.dataset, d.version
ORDER BY photographers DESC, d.dataset
