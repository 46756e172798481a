DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE outbox_events;
DROP TABLE webhook_subscriptions;
