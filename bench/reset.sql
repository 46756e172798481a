-- bench/reset.sql: back to the seeded state. Removes what earlier runs
-- added (referrals and children the API or pgbench created, accept
-- targets, idempotency keys); seeded ids are 00000000-... and c0000000-....
\set ON_ERROR_STOP on
DELETE FROM referrals WHERE id > '00000000-ffff-ffff-ffff-ffffffffffff';
DELETE FROM children
WHERE id NOT BETWEEN 'c0000000-0000-0000-0000-000000000000' AND 'c0000000-ffff-ffff-ffff-ffffffffffff';
TRUNCATE idempotency_keys;
VACUUM ANALYZE referrals, children, referral_history, referral_indes_levels;
