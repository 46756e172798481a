DROP INDEX referrals_retention_idx;
ALTER TABLE referrals DROP COLUMN anonymised_at;
ALTER TABLE children DROP COLUMN anonymised_at;
