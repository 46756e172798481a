-- bench/reset.sql: back to the seeded state. Removes what earlier runs
-- added (referrals and children the API or pgbench created, accept
-- targets, idempotency keys, outbox events, audit rows); seeded ids are
-- 00000000-... and c0000000-....
\set ON_ERROR_STOP on
DELETE FROM referrals WHERE id > '00000000-ffff-ffff-ffff-ffffffffffff';
DELETE FROM children
WHERE id NOT BETWEEN 'c0000000-0000-0000-0000-000000000000' AND 'c0000000-ffff-ffff-ffff-ffffffffffff';
TRUNCATE idempotency_keys, outbox_events CASCADE;
-- The audit table refuses TRUNCATE (a trigger): only this benchmark
-- database, which is nobody's record, empties it between runs, so that
-- every run starts from the same table size.
ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate;
TRUNCATE audit_events;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_truncate;
VACUUM ANALYZE referrals, children, referral_history, referral_indes_levels, audit_events;
