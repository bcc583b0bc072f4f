-- dataset_items gains group_ref (the item's group in the manifest, e.g. a MegaFace identity;
-- NULL for items ingested before).
ALTER TABLE IF EXISTS dataset_items ADD COLUMN IF NOT EXISTS group_ref VARCHAR;
