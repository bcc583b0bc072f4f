-- When a dataset's photos were collected from Flickr: the date its licenses are judged at.
ALTER TABLE datasets ADD COLUMN IF NOT EXISTS collected_on DATE;
COMMENT ON COLUMN datasets.collected_on IS 'Date the dataset''s photos were collected from Flickr (ingest manifest --collected-on, else the catalogue entry''s collected_on); NULL when unknown. The license at collection time is read from the license history at this date.';
ALTER TABLE datasets ADD COLUMN IF NOT EXISTS catalog_content VARCHAR;
COMMENT ON COLUMN datasets.catalog_content IS 'What the dataset distributes, from its catalogue entry when ingested ("face crops", "photos" ...); NULL for a dataset the catalogue does not know. The privacy section counts a dataset whose content mentions faces as a face dataset.';
