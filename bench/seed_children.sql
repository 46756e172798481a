-- bench/seed_children.sql: the children, INDES levels and half of the history
-- (runs beside bench/seed_referrals.sql; see bench/seed.sql).
\set ON_ERROR_STOP on
\timing on
SET session_replication_role = replica;
SET synchronous_commit = off;
\ir functions.sql

-- Children: UPN tail = a three-digit LA code (800-949), then nine digits.
INSERT INTO children (id, upn, given_name, family_name, date_of_birth, year_group, sen_provision,
                      primary_need, created_at, updated_at)
SELECT pg_temp.bid('c0000000', n),
       pg_temp.upn((800 + n % 150)::bigint * 1000000000 + n / 150),
       (ARRAY['Sam', 'Alex', 'Jo', 'Priya', 'Mohammed', 'Olivia', 'Noah', 'Amelia'])[1 + n % 8],
       (ARRAY['Smith', 'Jones', 'Taylor', 'Brown', 'Khan', 'Patel', 'Wilson', 'Evans'])[1 + (n / 8) % 8],
       date '2008-09-01' + (pg_temp.h(n, 1, 4380))::int,
       ((1 + n % 11))::text,
       CASE WHEN n % 10 = 0 THEN 'E' ELSE 'K' END,
       (ARRAY['SEMH', 'SLCN', 'ASD', 'MLD', 'SPLD', 'SEMH', 'SLCN', 'OTH'])[1 + (n / 3) % 8],
       timestamptz '2023-09-01 08:00Z', timestamptz '2023-09-01 08:00Z'
FROM generate_series(1, :children) n;

INSERT INTO referral_indes_levels (referral_id, area, level)
SELECT pg_temp.bid('00000000', p.n), 'social_emotional_mental_health',
       CASE p.oc WHEN 'eligible' THEN 3 + p.n % 2 WHEN 'below_threshold' THEN 2 WHEN 'above_threshold' THEN 5 ELSE 1 END
FROM bench_plan p WHERE p.oc <> 'insufficient_information'
UNION ALL
SELECT pg_temp.bid('00000000', p.n), 'speech_and_language', 1 + p.n % 2
FROM bench_plan p WHERE p.oc <> 'insufficient_information';

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
WHERE p.n % 2 = 0;

