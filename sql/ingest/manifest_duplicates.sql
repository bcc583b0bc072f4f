-- Item keys seen more than once in a staged manifest: every occurrence after the first, with where
-- the first was. Repeated keys are found with a hash aggregate first; only those rows are ranked.
CREATE OR REPLACE TEMP TABLE _manifest_dups AS
WITH repeated AS (SELECT item_key FROM _manifest_items GROUP BY item_key HAVING count(*) > 1)
SELECT file_index, source_line, item_key, first_file, first_line FROM (
    SELECT file_index, source_line, item_key,
           row_number() OVER w AS rank,
           first_value(source_file) OVER w AS first_file,
           first_value(source_line) OVER w AS first_line
    FROM _manifest_items SEMI JOIN repeated USING (item_key)
    WINDOW w AS (PARTITION BY item_key ORDER BY file_index, source_line
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
WHERE rank > 1;

-- The items that load: every staged item but the repeated occurrences above.
CREATE OR REPLACE TEMP VIEW _manifest_kept AS
SELECT s.* FROM _manifest_items AS s
ANTI JOIN _manifest_dups AS d ON s.file_index = d.file_index AND s.source_line = d.source_line;
