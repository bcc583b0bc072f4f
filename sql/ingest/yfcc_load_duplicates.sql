-- Candidate rows whose photo id was seen before: earlier in the batch (files in the order given,
-- then by line) or in rows already loaded from another file. The first occurrence wins and stays;
-- each later one becomes a duplicate_photo_id reject naming where the id was first seen.
-- Run after the batch's own files were deleted from yfcc_photos, so yfcc_photos holds other files only.
CREATE OR REPLACE TEMP TABLE yfcc_batch_duplicates AS
WITH repeated AS (
    SELECT photo_id FROM yfcc_batch_candidates GROUP BY photo_id HAVING count(*) > 1
    UNION
    SELECT DISTINCT c.photo_id FROM yfcc_batch_candidates AS c SEMI JOIN yfcc_photos AS y USING (photo_id)
),
occurrences AS (
    SELECT -1 AS file_idx, y.source_file, y.source_line, y.photo_id
    FROM yfcc_photos AS y SEMI JOIN repeated USING (photo_id)
    UNION ALL
    SELECT c.file_idx, c.source_file, c.source_line, c.photo_id
    FROM yfcc_batch_candidates AS c SEMI JOIN repeated USING (photo_id)
),
ranked AS (
    SELECT *,
           row_number() OVER w AS occurrence,
           first_value(source_file) OVER w AS first_file,
           first_value(source_line) OVER w AS first_line
    FROM occurrences
    WINDOW w AS (PARTITION BY photo_id ORDER BY file_idx, source_line)
)
SELECT file_idx, source_line,
       format('duplicate_photo_id: photo {} also in {} line {}', photo_id, first_file, first_line) AS reason
FROM ranked
WHERE occurrence > 1 AND file_idx >= 0;
