-- The 95% Wilson score interval with continuity correction (Newcombe 1998, method 4) for a share
-- of k in n, for every report table that states a re-check share: the one SQL copy of
-- pipelines.stats.wilson_interval (tests/test_stats.py checks the two agree). Exact ends at k = 0
-- and k = n; NULL when n is 0. DuckDB keeps macros in the database file, so its readers can call
-- them too: SELECT wilson_low(2, 400), wilson_high(2, 400).
CREATE OR REPLACE MACRO wilson_low(k, n, z := 1.959963984540054) AS
    CASE WHEN n > 0 THEN
        CASE WHEN k <= 0 THEN 0.0
             ELSE greatest(0.0, (2 * k + z * z - 1
                                 - z * sqrt(greatest(0.0, z * z - 2 - 1 / n + 4 * (k / n) * (n * (1 - k / n) + 1))))
                                / (2 * (n + z * z)))
        END
    END;
CREATE OR REPLACE MACRO wilson_high(k, n, z := 1.959963984540054) AS
    CASE WHEN n > 0 THEN
        CASE WHEN k >= n THEN 1.0
             ELSE least(1.0, (2 * k + z * z + 1
                              + z * sqrt(greatest(0.0, z * z + 2 - 1 / n + 4 * (k / n) * (n * (1 - k / n) - 1))))
                             / (2 * (n + z * z)))
        END
    END;
