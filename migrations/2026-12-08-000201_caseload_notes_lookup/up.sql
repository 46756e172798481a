-- Issue 16, items 1, 3 and 5: a practitioner's caseload in priority order
-- with reviews falling due, case notes, and "was this child known before?".

-- Priority order as plain columns, so that a keyset cursor is one row
-- comparison that an index can bound: band first (urgent 0, high 1,
-- routine 2), then the score, highest first (stored negated), then age.
ALTER TABLE referrals
    ADD COLUMN priority_rank SMALLINT GENERATED ALWAYS AS (
        CASE priority_band WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END) STORED,
    ADD COLUMN priority_neg_score INTEGER GENERATED ALWAYS AS (-priority_score) STORED,
    -- When the next review of the plan falls due: set when work starts,
    -- moved on by each review recorded (crates/domain: next_review_due).
    ADD COLUMN review_due_on DATE;

UPDATE referrals r
SET review_due_on = COALESCE(
        (SELECT max(pr.reviewed_on) FROM plan_reviews pr WHERE pr.referral_id = r.id),
        (SELECT max(h.at)::date FROM referral_history h
          WHERE h.referral_id = r.id AND h.to_status = 'active'),
        r.updated_at::date) + 42
WHERE r.status = 'active';

-- A team's queue (one status or none) and the council's, in priority order;
-- a team's reviews falling due. A practitioner's caseload is read by primary
-- key (crates/persistence/src/scope.rs) and sorted: no index needed.
CREATE INDEX referrals_team_status_priority_idx
    ON referrals (team_id, status, priority_rank, priority_neg_score, created_at, id);
CREATE INDEX referrals_team_priority_idx
    ON referrals (team_id, priority_rank, priority_neg_score, created_at, id);
CREATE INDEX referrals_council_priority_idx
    ON referrals (priority_rank, priority_neg_score, created_at, id) WHERE team_id IS NULL;
CREATE INDEX referrals_review_due_idx
    ON referrals (team_id, review_due_on) WHERE status = 'active';

-- Case notes: contact with the family, the school or partners beyond
-- sessions. `text` is personal data (anonymised by an erasure, in a subject
-- access export). `restricted` notes are read only by the allocated worker,
-- co-workers, team managers and la_admin.
CREATE TABLE case_notes (
    id           UUID PRIMARY KEY,
    referral_id  UUID NOT NULL REFERENCES referrals (id),
    kind         TEXT NOT NULL CHECK (kind IN ('call', 'visit', 'email', 'meeting', 'other')),
    occurred_on  DATE NOT NULL,
    text         TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 8000),
    visibility   TEXT NOT NULL CHECK (visibility IN ('team', 'restricted')),
    author_worker_id UUID REFERENCES workers (id),
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    anonymised_at TIMESTAMPTZ
);
-- A referral's notes newest first, keyset (occurred_on, recorded_at, id).
CREATE INDEX case_notes_referral_idx ON case_notes (referral_id, occurred_on DESC, recorded_at DESC, id DESC);

-- A staff lookup's reason is free text that may name people: kept here,
-- and the append-only audit rows name it by id (`details.lookup_id`).
CREATE TABLE child_lookups (
    id           UUID PRIMARY KEY,
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    actor        TEXT NOT NULL,
    looked_up_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX child_lookups_at_idx ON child_lookups (looked_up_at);
-- Lookup by names and date of birth.
CREATE INDEX children_dob_names_idx ON children (date_of_birth, lower(family_name), lower(given_name));
