-- bench/seed_finish.sql: indexes back, sequence past the seeded references,
-- statistics and visibility map (see bench/seed.sql).
\set ON_ERROR_STOP on
\timing on
SET maintenance_work_mem = '512MB';
SET max_parallel_maintenance_workers = 2;
SELECT indexdef FROM bench_saved_indexes \gexec

SELECT setval('referral_reference_seq', :referrals + 1);

-- What a closure leaves for /reports/escalations and the escalations of
-- /reports/schools: every closed referral reassessed at closure (each
-- area's level down by one, or not), follow-ups 3 and 6 months after it
-- (recorded when due), and escalation outcomes at closure and at each
-- recorded follow-up: about 1 in 10 with an EHC request, 1 in 25 a
-- specialist placement, 1 in 50 alternative provision, 1 in 100 excluded.
SET session_replication_role = replica;
INSERT INTO indes_reassessments (id, referral_id, occasion, assessed_on, recorded_by, recorded_at)
SELECT md5('ra' || r.id)::uuid, r.id, 'closure', r.closed_at::date, 'seed', r.closed_at
FROM referrals r WHERE r.status = 'closed';
INSERT INTO indes_reassessment_levels (reassessment_id, area, level)
SELECT md5('ra' || l.referral_id)::uuid, l.area,
       greatest(l.level - (hashtext(l.referral_id::text || l.area) & 1), 0)
FROM referral_indes_levels l JOIN referrals r ON r.id = l.referral_id
WHERE r.status = 'closed';
INSERT INTO follow_ups (id, referral_id, school_urn, zone_id, closed_at, months, due_on,
    sustained, recorded_at, recorded_by, created_at)
SELECT md5('fu' || r.id || m)::uuid, r.id, r.school_urn, r.zone_id, r.closed_at, m,
       (r.closed_at + make_interval(months => m))::date,
       CASE WHEN due <= now() THEN hashtext(r.id::text) % 5 <> 0 END,
       CASE WHEN due <= now() THEN due END,
       CASE WHEN due <= now() THEN 'seed' END,
       r.closed_at
FROM referrals r, (VALUES (3), (6)) AS months(m),
     LATERAL (SELECT r.closed_at + make_interval(months => m) AS due) d
WHERE r.status = 'closed';
INSERT INTO escalation_outcomes (id, referral_id, occasion, follow_up_id, closed_at,
    months_after_closure, ehc_requested_by, ehc_requested_on, ehc_result, placement, suspensions,
    permanent_exclusions, step_up_social_care, step_up_health, recorded_by, created_at)
SELECT md5('eo' || o.referral_id || o.months)::uuid, o.referral_id,
       CASE WHEN o.follow_up_id IS NULL THEN 'closure' ELSE 'follow_up' END, o.follow_up_id,
       o.closed_at, o.months,
       CASE WHEN o.h % 10 = 0 THEN 'school' END,
       CASE WHEN o.h % 10 = 0 THEN o.closed_at::date END,
       CASE WHEN o.h % 10 = 0 THEN 'pending' END,
       CASE WHEN o.months > 0 AND o.h % 25 = 1 THEN 'state_special_school'
            WHEN o.months > 0 AND o.h % 50 = 2 THEN 'alternative_provision'
            ELSE 'mainstream_kept' END,
       o.h % 3, CASE WHEN o.months > 0 AND o.h % 100 = 3 THEN 1 ELSE 0 END,
       false, false, 'seed', o.closed_at
FROM (SELECT r.id AS referral_id, NULL::uuid AS follow_up_id, r.closed_at, 0 AS months,
             abs(hashtext(r.id::text)) AS h
      FROM referrals r WHERE r.status = 'closed'
      UNION ALL
      SELECT f.referral_id, f.id, f.closed_at, f.months, abs(hashtext(f.referral_id::text)) AS h
      FROM follow_ups f WHERE f.recorded_at IS NOT NULL) o;
SET session_replication_role = DEFAULT;
DROP TABLE bench_plan, bench_saved_indexes;
VACUUM ANALYZE;
