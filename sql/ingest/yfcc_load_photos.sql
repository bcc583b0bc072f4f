-- Load the batch's rows: candidates that are not a repeated photo id.
INSERT INTO yfcc_photos BY NAME
SELECT photo_id, line_no, photo_hash, owner_nsid, owner_nickname, taken_at, taken_at_raw, taken_at_flag,
       uploaded_at, capture_device, title, description, user_tags, machine_tags, longitude, latitude,
       accuracy, page_url_stored, download_url_stored, license_id, license_name_raw, license_url_raw, server_id,
       farm_id, secret, secret_original, extension, is_video, source_file, source_line
FROM yfcc_batch_candidates AS c
WHERE NOT EXISTS (SELECT 1 FROM yfcc_batch_duplicates AS d
                  WHERE d.file_idx = c.file_idx AND d.source_line = c.source_line);
