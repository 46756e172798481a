-- GET /reports/referrals?by=status as zone 2's manager, a year: the
-- aggregate over the zone's year and the audit row, one statement (the
-- caller's zone comes with the token's team, which the server caches).
WITH a AS (
  INSERT INTO audit_events (occurred_at, request_id, actor, actor_role, action, method, route,
                             subject_type, subject_id, outcome, details)
  VALUES (now(), 'pgbench', 'z002-manager', 'team_manager', 'referral_report', 'GET', '/api/v1/reports/referrals',
          NULL, NULL, 200, '{}'::jsonb)
)
SELECT r.status, count(*) AS referrals
  FROM referrals r
 WHERE r.zone_id = :zone2::uuid AND r.created_at >= :rfrom::timestamptz AND r.created_at < :runtil::timestamptz
 GROUP BY r.status
 ORDER BY r.status;
