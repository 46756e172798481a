-- POST /referrals/{id}/accept with If-Match "v1" as zone 1's manager: one
-- statement (the version check, the caller's team and consent in force
-- inside the UPDATE's condition; the history row, audit row and outbox
-- event; the answer with the child's record, levels, zone and team).
-- Targets 0000000d-...-n (bench/targets.sql, apart from the as-sent run's).
\set n random(1, :T)
WITH u AS (
  UPDATE referrals r SET status = 'accepted', version = r.version + 1, updated_at = now()
   WHERE r.id = ('0000000d-0000-4000-8000-' || lpad(to_hex(:n::bigint), 12, '0'))::uuid
     AND r.team_id = :team::uuid AND r.version = 1 AND r.status = 'submitted'
     AND EXISTS (SELECT 1 FROM consents k
                  WHERE k.referral_id = r.id AND 'sct_involvement' = ANY (k.scopes)
                    AND k.withdrawn_at IS NULL AND (k.until IS NULL OR k.until >= current_date))
  RETURNING r.*
), h AS (
  INSERT INTO referral_history (referral_id, at, actor, actor_role, action, from_status, to_status, details,
                                request_id)
  SELECT u.id, now(), 'z001-manager', 'team_manager', 'accept', 'submitted', 'accepted', '{}', 'pgbench' FROM u
), a AS (
  INSERT INTO audit_events (occurred_at, request_id, actor, actor_role, action, method, route,
                             subject_type, subject_id, outcome, details)
  SELECT now(), 'pgbench', 'z001-manager', 'team_manager', 'accept_referral', 'POST',
         '/api/v1/referrals/{id}/accept', 'referral', u.id::text, 200, '{}' FROM u
), o AS (
  INSERT INTO outbox_events (id, event_type, school_urn, subject_id, data, occurred_at, team_id, zone_id)
  SELECT gen_random_uuid(), 'referral.status_changed', u.school_urn, u.id, :event::jsonb, now(), u.team_id, u.zone_id
    FROM u
)
SELECT u.*,
       (SELECT jsonb_agg(jsonb_build_object('area', l.area, 'level', l.level) ORDER BY l.area)
          FROM referral_indes_levels l WHERE l.referral_id = u.id) AS indes,
       to_jsonb(c) AS child,
       (SELECT to_jsonb(z) FROM zones z WHERE z.id = u.zone_id) AS zone,
       (SELECT to_jsonb(t) FROM teams t WHERE t.id = u.team_id) AS team
  FROM u
  JOIN children c ON c.id = u.child_id
;
