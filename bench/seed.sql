-- bench/seed.sql: set-based generation of a benchmark dataset.
--
-- psql variables (set by bench/run.sh):
--   zones, workers_per_team (practitioners), schools, children, referrals
--
-- Every id is deterministic, so that the pgbench scripts and the wrk Lua
-- scripts can draw random rows from the seeded ranges without a lookup:
--   referral n  -> 00000000-0000-4000-8000-<n as 12 hex digits>
--   child n     -> c0000000-0000-4000-8000-<n>
--   zone z      -> a1000000-0000-4000-8000-<z>, its team a2000000-...
--   worker w    -> a3000000-0000-4000-8000-<w> (w = (z-1)*100 + k; k = 0 manager, 1.. practitioners)
--   school s    -> URN 100000 + s; referral n is school 1 + (n - 1) % schools's,
--                  school s is in zone 1 + (s - 1) % zones
-- The data obeys the table's CHECK constraints and what the app writes:
-- valid UPNs (DfE check letter), history rows for every transition, the
-- version equal to the number of history rows, INDES levels that match the
-- screening outcome. Foreign-key triggers are skipped while loading (the
-- ids are consistent by construction) and secondary indexes are dropped and
-- rebuilt afterwards: both are what makes a 2M-referral load take minutes.
--
-- bench/run.sh runs this file, then bench/seed_children.sql and
-- bench/seed_referrals.sql in two sessions at once (two cores), then
-- bench/seed_finish.sql.
\set ON_ERROR_STOP on
\timing on

SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
SET synchronous_commit = off;
SET max_parallel_maintenance_workers = 2;

\ir functions.sql

BEGIN;
-- Empty every table the seed fills (a re-seed starts from scratch).
TRUNCATE referral_history, referral_indes_levels, referrals, children, idempotency_keys,
         schools, workers, teams, zones CASCADE;

INSERT INTO zones (id, code, name, created_at, updated_at)
SELECT pg_temp.bid('a1000000', z), 'Z' || lpad(z::text, 3, '0'), 'Zone ' || lpad(z::text, 3, '0'),
       timestamptz '2023-05-01 09:00Z', timestamptz '2023-05-01 09:00Z'
FROM generate_series(1, :zones) z;

INSERT INTO teams (id, zone_id, name, operational_from, created_at, updated_at)
SELECT pg_temp.bid('a2000000', z), pg_temp.bid('a1000000', z),
       'School & Community Team Z' || lpad(z::text, 3, '0'), date '2023-06-01',
       timestamptz '2023-05-01 09:00Z', timestamptz '2023-05-01 09:00Z'
FROM generate_series(1, :zones) z;

INSERT INTO workers (id, team_id, subject, name, job_role, caseload_cap, created_at, updated_at)
SELECT pg_temp.bid('a3000000', (z - 1) * 100 + k), pg_temp.bid('a2000000', z),
       CASE WHEN k = 0 THEN 'z' || lpad(z::text, 3, '0') || '-manager'
            ELSE 'z' || lpad(z::text, 3, '0') || '-practitioner-' || k END,
       CASE WHEN k = 0 THEN 'Manager Z' || lpad(z::text, 3, '0')
            ELSE 'Practitioner ' || k || ' Z' || lpad(z::text, 3, '0') END,
       CASE WHEN k = 0 THEN 'team_manager' ELSE 'practitioner' END,
       CASE WHEN k = 0 THEN 0 ELSE 200 END,
       timestamptz '2023-05-01 09:00Z', timestamptz '2023-05-01 09:00Z'
FROM generate_series(1, :zones) z, generate_series(0, :workers_per_team) k;

INSERT INTO schools (urn, name, la_code, establishment_number, phase, status, postcode, zone_id,
                     created_at, updated_at)
SELECT (100000 + s)::text, 'School ' || s, lpad((800 + s % 150)::text, 3, '0'),
       lpad((1000 + s % 9000)::text, 4, '0'),
       (ARRAY['Primary', 'Primary', 'Primary', 'Secondary', 'Special'])[1 + s % 5], 'open',
       'AB' || (s % 99) || ' ' || (s % 9) || 'CD',
       pg_temp.bid('a1000000', 1 + (s - 1) % :zones),
       timestamptz '2023-05-01 09:00Z', timestamptz '2023-05-01 09:00Z'
FROM generate_series(1, :schools) s;
COMMIT;

-- Secondary indexes go while the big tables load and are rebuilt below,
-- exactly as the migrations defined them (pg_indexes.indexdef).
DROP TABLE IF EXISTS bench_saved_indexes;
CREATE UNLOGGED TABLE bench_saved_indexes AS
SELECT i.indexname, i.indexdef
FROM pg_indexes i
WHERE i.schemaname = 'public'
  AND i.tablename IN ('children', 'referrals', 'referral_indes_levels', 'referral_history')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname);
SELECT format('DROP INDEX %I', indexname) FROM bench_saved_indexes \gexec

-- Referrals. Age fraction f = n / referrals: the newest are still open,
-- older ones mostly closed. r picks within a bucket.
DROP TABLE IF EXISTS bench_plan;
CREATE UNLOGGED TABLE bench_plan AS
SELECT n,
       s,
       1 + (s - 1) % :zones AS z,
       created,
       st,
       CASE WHEN st IN ('allocated', 'active', 'closed') THEN 1 + pg_temp.h(n, 3, :workers_per_team) END AS k,
       CASE st WHEN 'submitted' THEN 1 WHEN 'accepted' THEN 2 WHEN 'allocated' THEN 3
               WHEN 'active' THEN 4 WHEN 'closed' THEN 5 ELSE 2 END AS steps,
       oc,
       -- days between two steps: 24, less for recent referrals so that
       -- nothing happens after the end of the seeded period
       LEAST(interval '24 days', (timestamptz '2026-11-27 12:00Z' - created) / 5) AS gap,
       -- the council triage queue: 1 in 50 submitted referrals, never in
       -- zone 1 (whose team's manager the benchmark reads as)
       (st = 'submitted' AND n % 50 = 0 AND (s - 1) % :zones <> 0) AS triage
FROM (
    SELECT n, s, created, oc,
           CASE
             WHEN f > 0.97 THEN (ARRAY['submitted','submitted','submitted','submitted','submitted','submitted','submitted','submitted','submitted',
                                       'accepted','accepted','accepted','allocated','allocated','allocated',
                                       'active','active','active','declined','withdrawn'])[1 + r % 20]
             WHEN f > 0.85 THEN (ARRAY['active','active','active','active','active','allocated','allocated',
                                       'closed','closed','closed','closed','closed','closed','declined','withdrawn'])[1 + r % 15]
             ELSE (ARRAY['closed','closed','closed','closed','closed','closed','closed','closed','closed','closed',
                         'closed','closed','closed','closed','closed','closed','declined','declined','declined','withdrawn'])[1 + r % 20]
           END AS st
    FROM (
        SELECT n,
               -- school s = 1 + (n - 1) % schools: the referrals of a school (and
               -- of a zone) can be enumerated by arithmetic (bench/*.lua, *.sql)
               1 + (n - 1) % :schools AS s,
               n::float8 / :referrals AS f,
               pg_temp.h(n, 4, 1000) AS r,
               timestamptz '2023-09-04 08:00Z'
                 + make_interval(secs => (n::float8 / :referrals) * 86400 * 1180)
                 + make_interval(secs => pg_temp.h(n, 5, 1000000) / 1e6) AS created,
               -- screening outcome: 70% eligible, 15% below, 10% above, 5% insufficient
               CASE WHEN pg_temp.h(n, 6, 100) < 70 THEN 'eligible'
                    WHEN pg_temp.h(n, 6, 100) < 85 THEN 'below_threshold'
                    WHEN pg_temp.h(n, 6, 100) < 95 THEN 'above_threshold'
                    ELSE 'insufficient_information' END AS oc
        FROM generate_series(1, :referrals) n
    ) a
) b;

