-- `GET /me/tasks` (issue 16, item 4): a worker's open practice actions by
-- owner, in due order. The other sources are read by indexes they already
-- have (referrals by worker, co-workers by worker, follow-ups by referral,
-- termly conversations by zone).
CREATE INDEX practice_actions_owner_idx ON practice_actions (owner_id, due_on) WHERE NOT done;

-- `/reports/escalations`: a zone's closures of a period, whatever the plan
-- (the statement walks the zones and reads each one's range).
CREATE INDEX referrals_zone_closed_idx ON referrals (zone_id, closed_at) WHERE status = 'closed';

-- `GET /me/tasks`: a worker's open school-support actions.
CREATE INDEX school_support_actions_owner_idx ON school_support_actions (owner_worker_id, due_on) WHERE NOT done;
