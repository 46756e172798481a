CREATE INDEX referrals_worker_idx ON referrals (worker_id, status) WHERE worker_id IS NOT NULL;
DROP INDEX referrals_worker_status_idx;
DROP INDEX referrals_worker_created_idx;
DROP INDEX referrals_school_updated_idx;
