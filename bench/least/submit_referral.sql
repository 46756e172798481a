-- POST /referrals as an integration client, a new child each time: one
-- statement (routing by the school's zone, the child upserted by UPN, the
-- referral, INDES levels, the intake consent, the first history row, two
-- audit rows, the outbox event and the stored idempotent response), so one
-- transaction. A concurrent request with the same key waits on the key's
-- unique index and then finds the stored response. Screening and priority
-- are computed by the server from its cached policy, so they are values
-- here. Ids: referrals 0000000e-..., children c00000ef-... (bench/reset.sql).
\set u random(1, 100000000000)
WITH s AS (
  SELECT s.urn, s.zone_id, t.id AS team_id
    FROM schools s JOIN teams t ON t.zone_id = s.zone_id
   WHERE s.urn = :urn AND s.status <> 'closed'
   LIMIT 1
), c AS (
  INSERT INTO children (id, upn, given_name, family_name, date_of_birth, year_group, sen_provision,
                        primary_need, created_at, updated_at)
  SELECT ('c00000ef-0000-4000-8000-' || lpad(to_hex(:u::bigint), 12, '0'))::uuid,
         'B' || lpad(:u::text, 12, '0'), 'Sam', 'Example', '2016-03-14', '5', 'K', 'SEMH', now(), now()
    FROM s -- no child is stored for an unknown or closed school
  ON CONFLICT (upn) DO UPDATE SET updated_at = children.updated_at
  RETURNING id
), r AS (
  INSERT INTO referrals (id, reference, school_urn, external_reference, child_id, status, zone_id, team_id,
                         eligibility_outcome, eligibility, policy_version, priority_band, priority_score,
                         priority_reasons, complicating_factors, existing_plans, sen_provision, primary_need,
                         year_group, consent_given_by, consent_given_on, reason, submitted_by,
                         submitted_by_role, version, created_at, updated_at, submitted_upn,
                         submitted_given_name, submitted_family_name, submitted_date_of_birth)
  SELECT ('0000000e-0000-4000-8000-' || lpad(to_hex(:u::bigint), 12, '0'))::uuid,
         'SCT-2026-' || nextval('referral_reference_seq'), s.urn, 'LEAST-' || :u::text, c.id, 'submitted',
         s.zone_id, s.team_id, 'eligible', :elig::jsonb, '2023.1', 'high', 50, :prio::jsonb,
         '{attendance,risk_of_exclusion}', '{sen_support_plan}', 'K', 'SEMH', '5', 'parent_carer',
         '2026-11-20', 'Escalating anxiety, attendance falling', 'mis-vendor', 'integration', 1, now(), now(),
         'B' || lpad(:u::text, 12, '0'), 'Sam', 'Example', '2016-03-14'
    FROM s, c
  RETURNING id, reference, school_urn, zone_id, team_id, child_id
), l AS (
  INSERT INTO referral_indes_levels (referral_id, area, level)
  SELECT r.id, v.a, v.l FROM r, (VALUES ('social_emotional_mental_health', 4::smallint),
                                        ('speech_and_language', 2::smallint)) v (a, l)
), k AS (
  INSERT INTO consents (id, referral_id, given_by, scopes, recorded_how, given_on, recorded_by, recorded_at)
  SELECT gen_random_uuid(), r.id, 'parent_carer', ARRAY['sct_involvement', 'share_with_school'],
         'referral_form', '2026-11-20', 'mis-vendor', now() FROM r
), h AS (
  INSERT INTO referral_history (referral_id, at, actor, actor_role, action, from_status, to_status, reason,
                                details, request_id)
  SELECT r.id, now(), 'mis-vendor', 'integration', 'submit', NULL, 'submitted',
         'Escalating anxiety, attendance falling', jsonb_build_object('routed_to_team', r.team_id), 'pgbench'
    FROM r
), a AS (
  INSERT INTO audit_events (occurred_at, request_id, actor, actor_role, action, method, route,
                             subject_type, subject_id, outcome, details)
  SELECT now(), 'pgbench', 'mis-vendor', 'integration', 'submit_referral', 'POST', '/api/v1/referrals',
         v.t, v.i, 201, '{}'
    FROM r, LATERAL (VALUES ('referral', r.id::text), ('child', r.child_id::text)) v (t, i)
), o AS (
  INSERT INTO outbox_events (id, event_type, school_urn, subject_id, data, occurred_at, team_id, zone_id)
  SELECT gen_random_uuid(), 'referral.submitted', r.school_urn, r.id, :event::jsonb, now(), r.team_id, r.zone_id
    FROM r
), i AS (
  INSERT INTO idempotency_keys (scope, key, fingerprint, state, response_status, response_headers,
                                response_body, created_at, expires_at)
  SELECT :idem_scope, 'least-' || :u::text, 'f411eda06837c62f599cfda887092d033271d9a337ca27470eac58d67925ef0f',
         'completed', 201, '[]', convert_to(:elig, 'UTF8'), now(), now() + interval '24 hours'
    FROM r
)
SELECT r.id, r.reference FROM r;
