-- /reports/capacity reads each team's and each worker's period of work
-- (issue 14, item 5): sessions by team and day, consultations by zone and
-- day, and the supervision sessions a worker attended.
CREATE INDEX delivery_sessions_team_held_idx ON delivery_sessions (team_id, held_on);
CREATE INDEX consultations_zone_held_idx ON consultations (zone_id, held_on);
CREATE INDEX practice_attendees_worker_idx ON practice_attendees (worker_id) WHERE worker_id IS NOT NULL;
CREATE INDEX practice_sessions_facilitator_idx ON practice_sessions (facilitator_id, held_on);
