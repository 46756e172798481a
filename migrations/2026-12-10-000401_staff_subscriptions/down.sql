DROP TABLE sweeps;
DROP TABLE due_notices;
DELETE FROM webhook_deliveries WHERE event_id IN (SELECT id FROM outbox_events
    WHERE event_type IN ('review.due', 'follow_up.due', 'termly_conversation.offered', 'enrolment.promoted')
       OR school_urn IS NULL);
DELETE FROM outbox_events
    WHERE event_type IN ('review.due', 'follow_up.due', 'termly_conversation.offered', 'enrolment.promoted')
       OR school_urn IS NULL;
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check CHECK (
    event_type IN ('referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                   'termly_conversation.scheduled', 'consultation.recorded',
                   'referral.co_workers_changed', 'referral.follow_up_recorded')
);
ALTER TABLE outbox_events
    ALTER COLUMN school_urn SET NOT NULL,
    DROP COLUMN zone_id,
    DROP COLUMN team_id;
DELETE FROM webhook_subscriptions WHERE team_id IS NOT NULL
    OR NOT events <@ ARRAY['referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                           'termly_conversation.scheduled', 'consultation.recorded',
                           'referral.co_workers_changed', 'referral.follow_up_recorded']::TEXT[];
ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_events_check;
ALTER TABLE webhook_subscriptions ADD CONSTRAINT webhook_subscriptions_events_check CHECK (
    cardinality(events) BETWEEN 1 AND 20
    AND events <@ ARRAY['referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                        'termly_conversation.scheduled', 'consultation.recorded',
                        'referral.co_workers_changed', 'referral.follow_up_recorded']::TEXT[]
);
DROP INDEX webhook_subscriptions_team_idx;
ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_one_owner, DROP COLUMN team_id;
