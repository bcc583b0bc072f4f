-- title: License breakdown (YFCC100M)
-- section: yfcc
-- order: 20
-- description: Photos and videos in YFCC100M per license, with what each license allows. Commercial use is forbidden by every NonCommercial (NC) license; sharing adaptations (edits, crops, composites; whether training a model is one is legally unsettled) is forbidden by NoDerivs (ND).
-- chart: hbar label=license value=share count=items of=all_items measure=share_of_the_pool_per_license
-- requires: yfcc_photos
SELECT l.license_id,
       l.name AS license,
       count(*) AS items,
       count(*) / sum(count(*)) OVER () AS share,
       sum(count(*)) OVER ()::BIGINT AS all_items,
       l.commercial_use,
       l.derivatives,
       l.share_alike
FROM yfcc_photos AS y
JOIN licenses AS l USING (license_id)
GROUP BY ALL
ORDER BY items DESC, l.license_id;
