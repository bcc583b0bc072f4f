-- `--format yfcc-columns` JSON lines: one block of lines (relation `block`: line, raw) as the text
-- columns manifest_yfcc_columns_items.sql reads. Blank lines are skipped; a line that is not a
-- JSON object is a reject. A reject keeps its record without the coordinates (re-serialised JSON
-- then); the CAST keeps the CASE's type VARCHAR, else DuckDB would cast every line to JSON.
WITH parsed AS (
    SELECT line, raw,
           CASE WHEN NOT is_object THEN 'json: not a JSON object' END AS problem,
           CASE WHEN is_object THEN json_extract_string(raw, ['$.photoid', '$.uid', '$.unickname',
               '$.licensename', '$.licenseurl', '$.downloadurl', '$.pageurl', '$.longitude', '$.latitude'])
           END AS v,
           CASE WHEN is_object THEN json_exists(raw, '$.longitude') OR json_exists(raw, '$.latitude') END AS located
    FROM (SELECT *, coalesce(CASE WHEN json_valid(raw) THEN json_type(raw) = 'OBJECT' END, false) AS is_object
          FROM block WHERE trim(raw) <> '')
)
SELECT line,
       CASE WHEN located THEN CAST(json_merge_patch(raw, '{"longitude": null, "latitude": null}') AS VARCHAR)
            ELSE raw END AS raw,
       problem, located,
       v[1] AS photoid, v[2] AS uid, v[3] AS unickname, v[4] AS licensename, v[5] AS licenseurl,
       v[6] AS downloadurl, v[7] AS pageurl, v[8] AS longitude, v[9] AS latitude
FROM parsed;
