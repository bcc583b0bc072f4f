-- The version of each dataset that reports speak of: the one ingested last.
CREATE OR REPLACE VIEW latest_datasets AS
SELECT * FROM datasets
QUALIFY row_number() OVER (PARTITION BY dataset ORDER BY ingested_at DESC, version DESC) = 1;
COMMENT ON VIEW latest_datasets IS 'One row per dataset: its most recently ingested version.';
