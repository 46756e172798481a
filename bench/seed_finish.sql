-- bench/seed_finish.sql: indexes back, sequence past the seeded references,
-- statistics and visibility map (see bench/seed.sql).
\set ON_ERROR_STOP on
\timing on
SET maintenance_work_mem = '512MB';
SET max_parallel_maintenance_workers = 2;
SELECT indexdef FROM bench_saved_indexes \gexec

SELECT setval('referral_reference_seq', :referrals + 1);
DROP TABLE bench_plan, bench_saved_indexes;
VACUUM ANALYZE;
