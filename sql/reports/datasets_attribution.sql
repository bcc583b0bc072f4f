-- title: Attribution compliance per dataset
-- section: datasets
-- order: 50
-- description: Every Creative Commons license requires credit to the author and a notice of the license. This counts, per dataset, the items whose manifest ships an author credit, a license, and both; a dataset that ships neither leaves attribution to whoever uses it.
-- chart: hbar label=dataset value=both_share count=items_with_both of=items measure=share_of_items_shipped_with_photographer_credit_and_license
-- requires: dataset_items
SELECT i.dataset,
       count(*) AS items,
       count(*) FILTER (WHERE i.declared_author IS NOT NULL) AS items_with_author,
       count(*) FILTER (WHERE i.declared_license_raw IS NOT NULL) AS items_with_license,
       count(*) FILTER (WHERE i.declared_author IS NOT NULL AND i.declared_license_raw IS NOT NULL) AS items_with_both,
       count(*) FILTER (WHERE i.declared_author IS NOT NULL AND i.declared_license_raw IS NOT NULL) / count(*) AS both_share,
       CASE WHEN count(*) FILTER (WHERE i.declared_author IS NOT NULL AND i.declared_license_raw IS NOT NULL) = count(*)
                THEN 'author and license for every item'
            WHEN count(*) FILTER (WHERE i.declared_author IS NOT NULL OR i.declared_license_raw IS NOT NULL) = 0
                THEN 'no attribution shipped'
            ELSE 'partial' END AS verdict
FROM dataset_items AS i
JOIN latest_datasets AS d USING (dataset, version)
GROUP BY i.dataset
ORDER BY both_share DESC, i.dataset;
