-- GET /referrals?team_id&status=submitted&limit=50 as zone 1's manager: one
-- statement (51 rows tell whether there is a next page; one audit row naming the 50).
WITH r AS (
  SELECT * FROM referrals
   WHERE team_id = :team::uuid AND status = 'submitted'
   ORDER BY created_at, id
   LIMIT 51
), seen AS (
  INSERT INTO audit_events (occurred_at, request_id, actor, actor_role, action, method, route,
                            subject_type, subject_ids, outcome, details)
  SELECT now(), 'pgbench', 'z001-manager', 'team_manager', 'list_referrals', 'GET', '/api/v1/referrals',
         'referral', p.ids, 200, '{}'
    FROM (SELECT array_agg(id::text ORDER BY created_at, id) AS ids
            FROM (SELECT id, created_at FROM r ORDER BY created_at, id LIMIT 50) q) p
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
         WHERE e.referral_id = r.id AND e.closed_at = r.closed_at AND e.occasion = 'closure') AS closure_escalation,
       to_jsonb(c) AS child
  FROM r
  JOIN children c ON c.id = r.child_id
 ORDER BY r.created_at, r.id;
