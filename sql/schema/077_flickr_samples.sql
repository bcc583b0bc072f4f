-- Photos drawn into a re-check sample (ccaudit enrich --sample N --seed S), per dataset.
CREATE TABLE IF NOT EXISTS flickr_sample_photos (
    dataset     VARCHAR NOT NULL,
    seed        BIGINT NOT NULL,
    photo_id    BIGINT NOT NULL,
    sample_rank BIGINT NOT NULL,
    population  BIGINT NOT NULL,
    drawn_at    TIMESTAMP NOT NULL,
    run_id      VARCHAR,
    PRIMARY KEY (dataset, seed, photo_id)
);
COMMENT ON TABLE flickr_sample_photos IS 'Uniform random samples of each dataset''s distinct photos for re-checks: the photos with the smallest md5("<seed>:<photo_id>"). A later run with the same seed and a larger N adds the next ranks, so the sample only grows.';
COMMENT ON COLUMN flickr_sample_photos.dataset IS 'Dataset the photo was sampled from (its latest version when drawn).';
COMMENT ON COLUMN flickr_sample_photos.seed IS 'Seed of the sample (--seed).';
COMMENT ON COLUMN flickr_sample_photos.photo_id IS 'Flickr photo id drawn.';
COMMENT ON COLUMN flickr_sample_photos.sample_rank IS 'Position in the dataset''s order by sample key (1 = drawn first). Photos are checked in this order, so every checked prefix is itself a uniform sample.';
COMMENT ON COLUMN flickr_sample_photos.population IS 'Distinct photos of the dataset when the photo was drawn (the population the sample estimates).';
COMMENT ON COLUMN flickr_sample_photos.drawn_at IS 'When the photo was drawn (UTC).';
COMMENT ON COLUMN flickr_sample_photos.run_id IS 'Enrichment run that drew it (flickr_enrich_runs.run_id).';
