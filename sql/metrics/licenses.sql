-- Every license and rights statement with what it allows, for the report's methods section.
SELECT license_id, code, name, name_before_2025, url, kind, is_license, commercial_use,
       derivatives, share_alike, attribution, caveat
FROM licenses ORDER BY license_id;
