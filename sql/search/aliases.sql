-- Flickr path aliases and the account each names, lower case (temporary table of the index build).
CREATE OR REPLACE TEMP TABLE _search_aliases AS
    SELECT DISTINCT owner_nsid, lower(trim(path_alias)) AS alias FROM uploaders
    WHERE path_alias IS NOT NULL AND trim(path_alias) <> '';
