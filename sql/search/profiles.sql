-- Photo profiles numbered by how many photos share them (the most common gets 0, the shortest
-- number in every account's photo list); the page receives them in this order.
CREATE OR REPLACE TEMP TABLE _search_profiles AS
    SELECT profile, (row_number() OVER (ORDER BY count(*) DESC, profile) - 1)::BIGINT AS idx
    FROM _search_photos GROUP BY profile;
