-- Data protection: when a child's personal data (names, date of birth,
-- UPN, and the free text of their referrals) was anonymised, by the
-- retention job or an erasure. The rows stay, so that counts for reports
-- do not change.
ALTER TABLE children ADD COLUMN anonymised_at TIMESTAMPTZ;
ALTER TABLE referrals ADD COLUMN anonymised_at TIMESTAMPTZ;
-- The retention job looks for ended referrals by status and end time.
CREATE INDEX referrals_retention_idx ON referrals (status, updated_at)
    WHERE anonymised_at IS NULL AND status IN ('closed', 'declined', 'withdrawn');
