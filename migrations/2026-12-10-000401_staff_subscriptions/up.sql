-- Notifications for staff front ends (issue 16, item 6): a subscription may
-- belong to a team (its team_manager makes it) beside the integration
-- clients' and the council's; events know the team and zone they concern,
-- so that a team's subscription hears only what the team may see; four new
-- event types; and the `.due` events, emitted by a scheduled sweep, once per
-- (type, subject, due date) however many processes sweep.

ALTER TABLE webhook_subscriptions
    ADD COLUMN team_id UUID REFERENCES teams (id) ON DELETE CASCADE,
    ADD CONSTRAINT webhook_subscriptions_one_owner CHECK (client_id IS NULL OR team_id IS NULL);
CREATE INDEX webhook_subscriptions_team_idx ON webhook_subscriptions (team_id, id) WHERE team_id IS NOT NULL;

ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_events_check;
ALTER TABLE webhook_subscriptions ADD CONSTRAINT webhook_subscriptions_events_check CHECK (
    cardinality(events) BETWEEN 1 AND 20
    AND events <@ ARRAY['referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                        'termly_conversation.scheduled', 'consultation.recorded',
                        'referral.co_workers_changed', 'referral.follow_up_recorded',
                        'review.due', 'follow_up.due', 'termly_conversation.offered',
                        'enrolment.promoted']::TEXT[]
);

-- A referral's events carry the team it is routed to (a team hears its own
-- referrals; the triage queue, with no team yet, is the council's); the
-- events of a school's or a programme's zone carry the zone. A programme's
-- events concern no school.
ALTER TABLE outbox_events
    ADD COLUMN team_id UUID,
    ADD COLUMN zone_id UUID,
    ALTER COLUMN school_urn DROP NOT NULL;
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check CHECK (
    event_type IN ('referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                   'termly_conversation.scheduled', 'consultation.recorded',
                   'referral.co_workers_changed', 'referral.follow_up_recorded',
                   'review.due', 'follow_up.due', 'termly_conversation.offered',
                   'enrolment.promoted')
);

-- Each `.due` event once: the sweep inserts here first and emits only for
-- the rows it inserted, in the same transaction.
CREATE TABLE due_notices (
    event_type  TEXT NOT NULL CHECK (event_type IN ('review.due', 'follow_up.due')),
    subject_id  UUID NOT NULL,
    due_on      DATE NOT NULL,
    emitted_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_type, subject_id, due_on)
);

-- One sweep per interval across processes: a process sweeps only when it
-- moves `last_run` on (UPDATE ... WHERE last_run <= now() - interval).
CREATE TABLE sweeps (
    name      TEXT PRIMARY KEY,
    last_run  TIMESTAMPTZ NOT NULL
);
INSERT INTO sweeps (name, last_run) VALUES ('due', '-infinity');
