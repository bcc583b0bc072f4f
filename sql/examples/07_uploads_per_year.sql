-- Question: When were the photos uploaded, and did the license mix change over the years?
-- uploaded_at is the Flickr upload time (UTC); rows without it are grouped under NULL.
SELECT year(p.uploaded_at) AS upload_year,
       count(*) AS items,
       round(100.0 * count(*) FILTER (WHERE l.commercial_use = FALSE) / count(*), 1) AS forbid_commercial_pct,
       round(100.0 * count(*) FILTER (WHERE l.derivatives = FALSE) / count(*), 1) AS no_derivatives_pct
FROM yfcc_photos AS p
JOIN licenses AS l USING (license_id)
GROUP BY upload_year
ORDER BY upload_year NULLS LAST;
