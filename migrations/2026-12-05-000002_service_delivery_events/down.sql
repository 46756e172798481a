DELETE FROM outbox_events WHERE event_type IN ('termly_conversation.scheduled', 'consultation.recorded');
UPDATE webhook_subscriptions
   SET events = array_remove(array_remove(events, 'termly_conversation.scheduled'), 'consultation.recorded');
ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_events_check;
ALTER TABLE webhook_subscriptions ADD CONSTRAINT webhook_subscriptions_events_check CHECK (
    cardinality(events) BETWEEN 1 AND 20
    AND events <@ ARRAY['referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed']::TEXT[]
);
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check CHECK (
    event_type IN ('referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed')
);
