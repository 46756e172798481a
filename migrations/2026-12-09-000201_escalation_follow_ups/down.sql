DELETE FROM outbox_events WHERE event_type = 'referral.follow_up_recorded';
UPDATE webhook_subscriptions SET events = array_remove(events, 'referral.follow_up_recorded');
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check CHECK (
    event_type IN ('referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                   'termly_conversation.scheduled', 'consultation.recorded',
                   'referral.co_workers_changed')
);
ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_events_check;
ALTER TABLE webhook_subscriptions ADD CONSTRAINT webhook_subscriptions_events_check CHECK (
    cardinality(events) BETWEEN 1 AND 20
    AND events <@ ARRAY['referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                        'termly_conversation.scheduled', 'consultation.recorded',
                        'referral.co_workers_changed']::TEXT[]
);
DELETE FROM referral_history WHERE action = 'record_follow_up';
ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen',
    'add_co_worker', 'remove_co_worker', 'correct'));
DROP TABLE escalation_outcomes;
DROP TABLE follow_ups;
ALTER TABLE referrals DROP COLUMN re_referral_of;
