DELETE FROM outbox_events WHERE event_type = 'referral.co_workers_changed';
UPDATE webhook_subscriptions SET events = array_remove(events, 'referral.co_workers_changed')
    WHERE 'referral.co_workers_changed' = ANY (events);
ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_events_check;
ALTER TABLE webhook_subscriptions ADD CONSTRAINT webhook_subscriptions_events_check CHECK (
    cardinality(events) BETWEEN 1 AND 20
    AND events <@ ARRAY['referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                        'termly_conversation.scheduled', 'consultation.recorded']::TEXT[]
);
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check CHECK (
    event_type IN ('referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                   'termly_conversation.scheduled', 'consultation.recorded')
);
DELETE FROM referral_history WHERE action IN ('add_co_worker', 'remove_co_worker');
ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen'));
DROP TABLE referral_co_workers;
