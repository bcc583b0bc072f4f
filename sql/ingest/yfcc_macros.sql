-- The staging connection's temporary macros: the line reader, the decoding rules for YFCC100M
-- text, and the URLs a row implies.

-- Every line of `source` as ONE column (the delimiter chr(1) does not occur in the dump), in file
-- order, an empty line a NULL row; lines the reader refuses land in reject_errors (store_rejects).
-- Called with the variables yfcc_source (plain file or FIFO), yfcc_max_line_size, yfcc_buffer_size.
CREATE OR REPLACE TEMP MACRO yfcc_lines(source, max_line, buffer) AS TABLE
    SELECT line FROM read_csv(source, columns = {'line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '',
                              header = false, auto_detect = false, store_rejects = true, rejects_limit = 0,
                              max_line_size = max_line, buffer_size = buffer, compression = 'none');

-- Decoding rules for YFCC100M free text.
-- Free text is URL-encoded with '+' for a space: undo '+' first, then the %XX escapes.
-- try() turns escapes that decode to invalid UTF-8 into NULL, which the stage query rejects
-- as 'encoding: ...' instead of failing the whole file. Empty fields become NULL.
-- Most fields hold no escape, many no '+': those skip url_decode (a fifth of the decoding time).
CREATE OR REPLACE TEMP MACRO yfcc_text(x) AS
    CASE WHEN x = '' THEN NULL
         WHEN contains(x, '%') THEN try(url_decode(replace(x, '+', ' ')))
         WHEN contains(x, '+') THEN replace(x, '+', ' ')
         ELSE x END;

-- Tags are comma-separated and a comma inside one tag is published as %2C. Decoding it would make
-- the tag list ambiguous, so %2C stays encoded: split user_tags/machine_tags on ',' to get the tags.
CREATE OR REPLACE TEMP MACRO yfcc_tags(x) AS
    CASE WHEN x = '' THEN NULL
         WHEN contains(x, '%') THEN try(url_decode(replace(replace(replace(x, '%2C', '%252C'), '%2c', '%252C'), '+', ' ')))
         WHEN contains(x, '+') THEN replace(x, '+', ' ')
         ELSE x END;

-- TRUE when a non-empty raw field did not decode (its macro returned NULL).
CREATE OR REPLACE TEMP MACRO yfcc_undecodable(raw, decoded) AS raw <> '' AND decoded IS NULL;

-- The page and download URLs YFCC100M publishes, as derived from the row: the stage stores a URL
-- only where the published one differs. yfcc_photos' generated columns (sql/schema/020) spell the
-- same formulas, which a table definition must hold literally.
CREATE OR REPLACE TEMP MACRO yfcc_page_url(owner, id) AS
    'http://www.flickr.com/photos/' || owner || '/' || CAST(id AS VARCHAR) || '/';
CREATE OR REPLACE TEMP MACRO yfcc_download_url(farm, server, id, secret_) AS
    'http://farm' || farm || '.staticflickr.com/' || server || '/' || CAST(id AS VARCHAR) || '_' || secret_ || '.jpg';
