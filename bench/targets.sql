-- bench/targets.sql: :count submitted referrals at version 1 in zone 1's
-- team (school 151 of zone 1: not school 1, whose delta sync they would
-- swamp with rows changed today), ids :'prefix'-0000-4000-8000-<n>, for the accept
-- benchmark (one referral per request) and its pgbench ceiling. Each has
-- its INDES levels and its submit history row, like one the API stored.
-- Their children are seeded children 1-9000 (both scales seed at least
-- 9000), in turn.
\set ON_ERROR_STOP on
\ir functions.sql
SET session_replication_role = replica;
BEGIN;
INSERT INTO referrals (id, reference, school_urn, external_reference, child_id, status, zone_id,
    team_id, eligibility_outcome, eligibility, policy_version, priority_band, priority_score,
    priority_reasons, complicating_factors, existing_plans, sen_provision, primary_need,
    year_group, consent_given_by, consent_given_on, reason, submitted_by, submitted_by_role,
    version, created_at, updated_at, submitted_upn, submitted_given_name, submitted_family_name,
    submitted_date_of_birth)
SELECT pg_temp.bid(:'prefix', n), 'SCT-BENCH-' || :'prefix' || '-' || n, '100151', NULL,
       pg_temp.bid('c0000000', 1 + (n - 1) % 9000), 'submitted', pg_temp.bid('a1000000', 1),
       pg_temp.bid('a2000000', 1), 'eligible',
       '{"outcome":"eligible","policy_version":"2023.1","reasons":[{"code":"in_band","detail":"highest INDES level 4 is inside the band 3-4","areas":["social_emotional_mental_health"]}],"pathway":"school_and_community_team"}'::jsonb,
       '2023.1', 'high', 48, '["highest INDES level 4 scores 40","attendance adds 8"]'::jsonb,
       '{attendance,risk_of_exclusion}', '{sen_support_plan}', 'K', 'SEMH', '5', 'parent_carer',
       date '2026-11-20', 'Escalating anxiety, attendance falling', 'mis-1', 'integration', 1,
       timestamptz '2026-11-27 12:00Z' + n * interval '1 millisecond',
       timestamptz '2026-11-27 12:00Z' + n * interval '1 millisecond',
       -- The referrer's snapshot: the seeded child's record (bench/seed_children.sql).
       pg_temp.upn((800 + c % 150)::bigint * 1000000000 + c / 150),
       (ARRAY['Sam', 'Alex', 'Jo', 'Priya', 'Mohammed', 'Olivia', 'Noah', 'Amelia'])[1 + c % 8],
       (ARRAY['Smith', 'Jones', 'Taylor', 'Brown', 'Khan', 'Patel', 'Wilson', 'Evans'])[1 + (c / 8) % 8],
       date '2008-09-01' + (pg_temp.h(c, 1, 4380))::int
FROM generate_series(1, :count) n
CROSS JOIN LATERAL (SELECT 1 + (n - 1) % 9000 AS c) k;
INSERT INTO referral_indes_levels (referral_id, area, level)
SELECT pg_temp.bid(:'prefix', n), a, l
FROM generate_series(1, :count) n,
     (VALUES ('social_emotional_mental_health', 4), ('speech_and_language', 2)) v (a, l);
INSERT INTO referral_history (referral_id, at, actor, actor_role, action, from_status, to_status)
SELECT pg_temp.bid(:'prefix', n), timestamptz '2026-11-27 12:00Z' + n * interval '1 millisecond',
       'mis-1', 'integration', 'submit', NULL, 'submitted'
FROM generate_series(1, :count) n;
INSERT INTO consents (id, referral_id, given_by, scopes, recorded_how, given_on, recorded_by,
                      recorded_at)
SELECT pg_temp.bid(:'prefix', n), pg_temp.bid(:'prefix', n), 'parent_carer',
       ARRAY['sct_involvement', 'share_with_school'], 'referral_form', date '2026-11-20', 'mis-1',
       timestamptz '2026-11-27 12:00Z' + n * interval '1 millisecond'
FROM generate_series(1, :count) n;
COMMIT;
