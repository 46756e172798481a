-- The waiting list's trend (issue 14, item 5, /reports/waiting): for every
-- complete day (UTC), how many referrals waited at its end for acceptance
-- (status submitted) and for allocation (status accepted), per team, and in
-- the council's triage queue (team_id NULL). The server takes each day once;
-- a day it missed (it was not running) is filled in from referral_history.
CREATE TABLE waiting_snapshot_days (
    day       DATE PRIMARY KEY,
    taken_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE waiting_snapshots (
    day                  DATE NOT NULL REFERENCES waiting_snapshot_days (day),
    team_id              UUID REFERENCES teams (id),
    zone_id              UUID REFERENCES zones (id),
    awaiting_acceptance  INTEGER NOT NULL CHECK (awaiting_acceptance >= 0),
    awaiting_allocation  INTEGER NOT NULL CHECK (awaiting_allocation >= 0),
    CONSTRAINT waiting_snapshots_one_per_team_and_day UNIQUE NULLS NOT DISTINCT (day, team_id)
);

-- The report reads a zone's days in order.
CREATE INDEX waiting_snapshots_zone_day ON waiting_snapshots (zone_id, day);
