-- Indexes the management reports and the metrics scrape read through, so
-- that every report is an aggregate over an index rather than a table scan.

-- Responsiveness: the first `accept` and `allocate` of each referral.
CREATE INDEX referral_history_action_idx ON referral_history (referral_id, action, at);
-- Reports filtered by zone and period of submission.
CREATE INDEX referrals_zone_created_idx ON referrals (zone_id, created_at);
-- Outcomes and shift left: closures in a period.
CREATE INDEX referrals_closed_idx ON referrals (closed_at, zone_id) WHERE closed_at IS NOT NULL;
