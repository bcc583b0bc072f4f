-- Convenience view for journalists: every YFCC100M photo with its license facts alongside.
CREATE OR REPLACE VIEW yfcc_photos_licensed AS
SELECT p.*,
       l.code           AS license_code,
       l.name           AS license_name,
       l.is_license,
       l.commercial_use,
       l.derivatives,
       l.share_alike,
       l.attribution
FROM yfcc_photos AS p
JOIN licenses AS l USING (license_id);
COMMENT ON VIEW yfcc_photos_licensed IS 'yfcc_photos joined with licenses: each photo with what its license allows (commercial_use, derivatives, share_alike, attribution).';
