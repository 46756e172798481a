-- Indexes for list shapes that had none (found by tests/indexes.rs and
-- make bench at national scale):
-- * a school MIS's delta sync: school_urn = $1 ORDER BY (updated_at, id)
--   walked referrals_updated_idx over every school's changes;
-- * a practitioner's caseload, ordered by (created_at, id), with or without
--   a status: referrals_worker_idx (worker_id, status) could not give the
--   order, so the planner walked referrals_created_idx.
CREATE INDEX referrals_school_updated_idx ON referrals (school_urn, updated_at, id);
CREATE INDEX referrals_worker_created_idx ON referrals (worker_id, created_at, id)
    WHERE worker_id IS NOT NULL;
-- Replaces referrals_worker_idx: same leading columns (caseload counts use
-- them), plus the order of a list.
CREATE INDEX referrals_worker_status_idx ON referrals (worker_id, status, created_at, id)
    WHERE worker_id IS NOT NULL;
DROP INDEX referrals_worker_idx;
