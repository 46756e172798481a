-- Escalation outcomes and follow-ups (issue 14, items 3 and 4).

-- A referral of a child within 12 months of a closure of one of the child's
-- referrals re-refers it (set at submission).
ALTER TABLE referrals ADD COLUMN re_referral_of UUID REFERENCES referrals (id);
CREATE INDEX referrals_re_referral_of_idx ON referrals (re_referral_of) WHERE re_referral_of IS NOT NULL;
-- The child's latest closure, looked up at each submission.
CREATE INDEX referrals_child_closed_idx ON referrals (child_id, closed_at DESC) WHERE closed_at IS NOT NULL;

-- A follow-up of a closure, due some months after it; recorded once, with
-- whether the outcome was sustained (and its escalation outcomes).
CREATE TABLE follow_ups (
    id           UUID PRIMARY KEY,
    referral_id  UUID NOT NULL REFERENCES referrals (id),
    school_urn   TEXT NOT NULL REFERENCES schools (urn),
    zone_id      UUID NOT NULL REFERENCES zones (id),
    closed_at    TIMESTAMPTZ NOT NULL,
    months       SMALLINT NOT NULL CHECK (months BETWEEN 1 AND 36),
    due_on       DATE NOT NULL,
    sustained    BOOLEAN,
    recorded_at  TIMESTAMPTZ,
    recorded_by  TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT follow_ups_once UNIQUE (referral_id, closed_at, months),
    CONSTRAINT follow_ups_recorded CHECK (
        (recorded_at IS NULL) = (sustained IS NULL) AND (recorded_at IS NULL) = (recorded_by IS NULL))
);
-- The team's list of follow-ups to record: by due date, one zone or all.
-- The planner often prefers the all-zones index for one zone (rows come in
-- due order, so its heap reads look cheaper): zone_id is a key of it too,
-- so that the other zones' entries are skipped in the index, not the heap.
CREATE INDEX follow_ups_zone_due_idx ON follow_ups (zone_id, due_on, id) WHERE recorded_at IS NULL;
CREATE INDEX follow_ups_due_idx ON follow_ups (due_on, id, zone_id) WHERE recorded_at IS NULL;
CREATE INDEX follow_ups_referral_idx ON follow_ups (referral_id, due_on);

-- Escalation outcomes as Local First Inclusion counts them, at a closure
-- (occasion 'closure', months_after_closure 0) or a follow-up: columns, so
-- that a report counts them in one statement.
CREATE TABLE escalation_outcomes (
    id                      UUID PRIMARY KEY,
    referral_id             UUID NOT NULL REFERENCES referrals (id),
    occasion                TEXT NOT NULL CHECK (occasion IN ('closure', 'follow_up')),
    follow_up_id            UUID UNIQUE REFERENCES follow_ups (id),
    closed_at               TIMESTAMPTZ NOT NULL,
    months_after_closure    SMALLINT NOT NULL CHECK (months_after_closure BETWEEN 0 AND 36),
    ehc_requested_by        TEXT CHECK (ehc_requested_by IN ('school', 'parent', 'other')),
    ehc_requested_on        DATE,
    ehc_result              TEXT CHECK (ehc_result IN ('pending', 'agreed_to_assess', 'refused_to_assess', 'plan_issued', 'no_plan')),
    placement               TEXT NOT NULL CHECK (placement IN ('mainstream_kept', 'state_special_school',
                                'specialist_resource_base', 'alternative_provision', 'independent_non_maintained')),
    suspensions             SMALLINT NOT NULL CHECK (suspensions BETWEEN 0 AND 200),
    permanent_exclusions    SMALLINT NOT NULL CHECK (permanent_exclusions BETWEEN 0 AND 200),
    attendance_at_referral  DOUBLE PRECISION CHECK (attendance_at_referral BETWEEN 0 AND 100),
    attendance_now          DOUBLE PRECISION CHECK (attendance_now BETWEEN 0 AND 100),
    step_up_social_care     BOOLEAN NOT NULL,
    step_up_health          BOOLEAN NOT NULL,
    recorded_by             TEXT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL,
    CONSTRAINT escalation_outcomes_ehc CHECK (
        (ehc_requested_by IS NULL) = (ehc_requested_on IS NULL) AND (ehc_requested_by IS NULL) = (ehc_result IS NULL)),
    CONSTRAINT escalation_outcomes_occasion CHECK (
        (occasion = 'follow_up') = (follow_up_id IS NOT NULL) AND (occasion = 'closure') = (months_after_closure = 0))
);
-- One outcome per closure; a referral's outcomes, closure by closure.
CREATE UNIQUE INDEX escalation_outcomes_closure_once ON escalation_outcomes (referral_id, closed_at) WHERE occasion = 'closure';
CREATE INDEX escalation_outcomes_referral_idx ON escalation_outcomes (referral_id, closed_at, months_after_closure);

ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen',
    'add_co_worker', 'remove_co_worker', 'correct', 'record_follow_up'));

ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_events_check;
ALTER TABLE webhook_subscriptions ADD CONSTRAINT webhook_subscriptions_events_check CHECK (
    cardinality(events) BETWEEN 1 AND 20
    AND events <@ ARRAY['referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                        'termly_conversation.scheduled', 'consultation.recorded',
                        'referral.co_workers_changed', 'referral.follow_up_recorded']::TEXT[]
);
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check CHECK (
    event_type IN ('referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                   'termly_conversation.scheduled', 'consultation.recorded',
                   'referral.co_workers_changed', 'referral.follow_up_recorded')
);
