-- bench/seed_referrals.sql: the referrals and the other half of the history
-- (runs beside bench/seed_children.sql; see bench/seed.sql).
\set ON_ERROR_STOP on
\timing on
SET session_replication_role = replica;
SET synchronous_commit = off;
\ir functions.sql

INSERT INTO referrals (id, reference, school_urn, external_reference, child_id, status, zone_id,
    team_id, triage_reason, worker_id, eligibility_outcome, eligibility, policy_version,
    priority_band, priority_score, priority_reasons, complicating_factors, existing_plans,
    sen_provision, primary_need, year_group, consent_given_by, consent_given_on, reason,
    decline_reason, signposting, closure_outcome, closure_note, closed_at, closed_from,
    submitted_by, submitted_by_role, version, created_at, updated_at,
    submitted_upn, submitted_given_name, submitted_family_name, submitted_date_of_birth)
SELECT pg_temp.bid('00000000', p.n),
       'SCT-' || extract(year FROM p.created)::int || '-' || CASE WHEN p.n < 1000000 THEN lpad(p.n::text, 6, '0') ELSE p.n::text END,
       (100000 + p.s)::text,
       CASE WHEN p.n % 5 <> 0 THEN 'MIS-' || p.n END,
       pg_temp.bid('c0000000', 1 + (p.n - 1) % :children),
       p.st,
       pg_temp.bid('a1000000', p.z),
       CASE WHEN p.triage THEN NULL ELSE pg_temp.bid('a2000000', p.z) END,
       CASE WHEN p.triage THEN 'zone_has_no_team' END,
       CASE WHEN p.st IN ('allocated', 'active', 'closed') THEN pg_temp.bid('a3000000', (p.z - 1) * 100 + p.k) END,
       p.oc,
       CASE p.oc
         WHEN 'eligible' THEN '{"outcome":"eligible","policy_version":"2023.1","reasons":[{"code":"in_band","detail":"highest level 4 is inside the band 3-4","areas":["social_emotional_mental_health"]}],"pathway":"school_and_community_team"}'::jsonb
         WHEN 'below_threshold' THEN '{"outcome":"below_threshold","policy_version":"2023.1","reasons":[{"code":"below_band","detail":"highest level 2 is below the band 3-4","areas":["social_emotional_mental_health","speech_and_language"]}],"pathway":"ordinarily_available_provision_and_sen_support"}'::jsonb
         WHEN 'above_threshold' THEN '{"outcome":"above_threshold","policy_version":"2023.1","reasons":[{"code":"above_band","detail":"highest level 5 is above the band 3-4","areas":["social_emotional_mental_health"]}],"pathway":"specialist_assessment"}'::jsonb
         ELSE '{"outcome":"insufficient_information","policy_version":"2023.1","reasons":[{"code":"no_indes_levels","detail":"no INDES area was assessed","areas":[]}],"pathway":"complete_indes_assessment"}'::jsonb
       END,
       '2023.1',
       CASE WHEN p.oc = 'eligible' AND p.n % 3 = 0 THEN 'high' WHEN p.oc = 'above_threshold' THEN 'urgent' ELSE 'routine' END,
       CASE p.oc WHEN 'eligible' THEN 40 + (p.n % 3) * 5 WHEN 'above_threshold' THEN 60 WHEN 'below_threshold' THEN 20 ELSE 0 END,
       '["highest INDES level 4: +30","attendance: +8","risk_of_exclusion: +12"]'::jsonb,
       CASE p.n % 4 WHEN 0 THEN '{attendance,risk_of_exclusion}'::text[] WHEN 1 THEN '{attendance}'::text[]
            WHEN 2 THEN '{}'::text[] ELSE '{engagement,family_parenting}'::text[] END,
       CASE p.n % 3 WHEN 0 THEN '{sen_support_plan}'::text[] WHEN 1 THEN '{}'::text[]
            ELSE '{early_help_plan}'::text[] END,
       CASE WHEN p.n % 10 = 0 THEN 'E' ELSE 'K' END,
       'SEMH',
       ((1 + p.n % 11))::text,
       CASE WHEN p.n % 7 = 0 THEN 'young_person' ELSE 'parent_carer' END,
       (p.created - interval '3 days')::date,
       'Escalating anxiety, attendance falling',
       CASE WHEN p.st = 'declined' THEN 'Needs are met by SEN Support in school' END,
       CASE WHEN p.st = 'declined' THEN 'Ordinarily available provision guidance' END,
       CASE WHEN p.st = 'closed' THEN (ARRAY['needs_met','needs_met','needs_met','stepped_down','stepped_up','disengaged','moved_away'])[1 + p.n % 7] END,
       NULL,
       CASE WHEN p.st = 'closed' THEN p.created + (p.steps - 1) * p.gap END,
       CASE WHEN p.st = 'closed' THEN 'active' END,
       'mis-' || p.s,
       'integration',
       p.steps,
       p.created,
       p.created + (p.steps - 1) * p.gap,
       -- The referrer's snapshot of the child: the child's record as
       -- bench/seed_children.sql writes it (child c = 1 + (n - 1) % children).
       pg_temp.upn((800 + c.c % 150)::bigint * 1000000000 + c.c / 150),
       (ARRAY['Sam', 'Alex', 'Jo', 'Priya', 'Mohammed', 'Olivia', 'Noah', 'Amelia'])[1 + c.c % 8],
       (ARRAY['Smith', 'Jones', 'Taylor', 'Brown', 'Khan', 'Patel', 'Wilson', 'Evans'])[1 + (c.c / 8) % 8],
       date '2008-09-01' + (pg_temp.h(c.c, 1, 4380))::int
FROM bench_plan p
CROSS JOIN LATERAL (SELECT 1 + (p.n - 1) % :children AS c) c;

-- Each referral's intake consent (its first consent record, as submission
-- writes it): without one a referral would be on hold.
INSERT INTO consents (id, referral_id, given_by, scopes, recorded_how, given_on, recorded_by,
                      recorded_at)
SELECT pg_temp.bid('00000000', p.n), pg_temp.bid('00000000', p.n), 'parent_carer',
       ARRAY['sct_involvement', 'share_with_school'], 'referral_form',
       (p.created - interval '3 days')::date, 'mis-' || p.s, p.created
FROM bench_plan p;

-- One history row per transition, p.gap apart (as updated_at above).
INSERT INTO referral_history (referral_id, at, actor, actor_role, action, from_status, to_status,
                              reason, details)
SELECT pg_temp.bid('00000000', p.n),
       p.created + (i - 1) * p.gap,
       CASE WHEN i = 1 THEN 'mis-' || p.s ELSE 'z' || lpad(p.z::text, 3, '0') || '-manager' END,
       CASE WHEN i = 1 THEN 'integration' ELSE 'team_manager' END,
       CASE WHEN i = 1 THEN 'submit'
            WHEN p.st = 'declined' THEN 'decline'
            WHEN p.st = 'withdrawn' THEN 'withdraw'
            ELSE (ARRAY['submit', 'accept', 'allocate', 'start', 'close'])[i] END,
       CASE WHEN i = 1 THEN NULL
            WHEN p.st IN ('declined', 'withdrawn') THEN 'submitted'
            ELSE (ARRAY[NULL, 'submitted', 'accepted', 'allocated', 'active'])[i] END,
       CASE WHEN i = 1 THEN 'submitted'
            WHEN p.st IN ('declined', 'withdrawn') THEN p.st
            ELSE (ARRAY['submitted', 'accepted', 'allocated', 'active', 'closed'])[i] END,
       CASE WHEN p.st = 'declined' AND i = 2 THEN 'Needs are met by SEN Support in school'
            WHEN p.st = 'withdrawn' AND i = 2 THEN 'Family moved school' END,
       CASE WHEN i = 3 AND p.st IN ('allocated', 'active', 'closed')
            THEN jsonb_build_object('from_worker', NULL, 'to_worker', pg_temp.bid('a3000000', (p.z - 1) * 100 + p.k), 'allocation', 'manual')
            WHEN i = 5 THEN '{"outcome":"needs_met"}'::jsonb
            ELSE '{}'::jsonb END
FROM bench_plan p, generate_series(1, p.steps) i
WHERE p.n % 2 = 1;

