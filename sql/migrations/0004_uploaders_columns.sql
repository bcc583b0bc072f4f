-- uploaders gains error_code, error_detail and run_id (NULL for profiles fetched before).
ALTER TABLE IF EXISTS uploaders ADD COLUMN IF NOT EXISTS error_code INTEGER;
ALTER TABLE IF EXISTS uploaders ADD COLUMN IF NOT EXISTS error_detail VARCHAR;
ALTER TABLE IF EXISTS uploaders ADD COLUMN IF NOT EXISTS run_id VARCHAR;
