-- GET /referrals?updated_since=T&limit=50 as school 1's MIS, T drawn over
-- the seeded period as bench/delta.lua draws it: one statement.
\set off random(0, 1180 * 86400)
WITH r AS (
  SELECT * FROM referrals
   WHERE school_urn = '100001'
     AND updated_at >= timestamptz '2023-09-04 08:00Z' + :off * interval '1 second'
   ORDER BY updated_at, id
   LIMIT 51
), seen AS (
  INSERT INTO audit_events (occurred_at, request_id, actor, actor_role, action, method, route,
                            subject_type, subject_ids, outcome, details)
  SELECT now(), 'pgbench', 'school-100001', 'school', 'list_referrals', 'GET', '/api/v1/referrals',
         'referral', p.ids, 200, '{}'
    FROM (SELECT array_agg(id::text ORDER BY updated_at, id) AS ids
            FROM (SELECT id, updated_at FROM r ORDER BY updated_at, id LIMIT 50) q) p
   WHERE cardinality(p.ids) > 1
)
SELECT r.*,
       (SELECT jsonb_agg(jsonb_build_object('area', l.area, 'level', l.level) ORDER BY l.area)
          FROM referral_indes_levels l WHERE l.referral_id = r.id) AS indes,
       (SELECT jsonb_agg(jsonb_build_object('area', q.area, 'level', q.level, 'assessed_on', q.assessed_on))
          FROM (SELECT DISTINCT ON (l.area) l.area, l.level, a.assessed_on
                  FROM indes_reassessments a JOIN indes_reassessment_levels l ON l.reassessment_id = a.id
                 WHERE a.referral_id = r.id
                 ORDER BY l.area, a.assessed_on DESC, a.recorded_at DESC, a.id DESC) q) AS reassessed,
       (SELECT to_jsonb(z) FROM zones z WHERE z.id = r.zone_id) AS zone,
       (SELECT to_jsonb(t) FROM teams t WHERE t.id = r.team_id) AS team,
       (SELECT to_jsonb(w) FROM workers w WHERE w.id = r.worker_id) AS worker,
       (SELECT jsonb_agg(to_jsonb(cw) ORDER BY x.added_at, x.id)
          FROM referral_co_workers x JOIN workers cw ON cw.id = x.worker_id
         WHERE x.referral_id = r.id AND x.removed_at IS NULL) AS co_workers,
       (SELECT to_jsonb(e) FROM escalation_outcomes e
         WHERE e.referral_id = r.id AND e.closed_at = r.closed_at AND e.occasion = 'closure') AS closure_escalation
  FROM r
 ORDER BY r.updated_at, r.id;
