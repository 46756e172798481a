-- Webhooks (Standard Webhooks): subscriptions, the transactional outbox the
-- referral transactions write to, one delivery per (subscription, event)
-- and every attempt of each delivery.

CREATE TABLE webhook_subscriptions (
    id                    UUID PRIMARY KEY,
    -- The integration client that owns the subscription; NULL for a
    -- council (la_admin) subscription, which hears about every school.
    client_id             UUID REFERENCES integration_clients (id) ON DELETE CASCADE,
    created_by            TEXT NOT NULL,
    url                   TEXT NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    events                TEXT[] NOT NULL CHECK (
        cardinality(events) BETWEEN 1 AND 20
        AND events <@ ARRAY['referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed']::TEXT[]
    ),
    -- `whsec_` + base64 key: kept readable because signing needs the key.
    secret                TEXT NOT NULL CHECK (secret LIKE 'whsec\_%'),
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_at           TIMESTAMPTZ,
    disabled_reason       TEXT,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK (active OR disabled_at IS NOT NULL)
);
CREATE INDEX webhook_subscriptions_client_idx ON webhook_subscriptions (client_id, id);
CREATE INDEX webhook_subscriptions_active_idx ON webhook_subscriptions (id) WHERE active;

-- Written in the same transaction as the change it reports; `seq` orders
-- events (a later change of one referral waits on the row lock of the
-- earlier one, so its `seq` is larger).
CREATE TABLE outbox_events (
    id           UUID PRIMARY KEY,
    seq          BIGSERIAL NOT NULL UNIQUE,
    event_type   TEXT NOT NULL CHECK (event_type IN ('referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed')),
    school_urn   TEXT NOT NULL REFERENCES schools (urn),
    -- The object the event is about (a referral): deliveries of one
    -- subject to one subscription go out in `seq` order.
    subject_id   UUID NOT NULL,
    data         JSONB NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,
    -- Set once the event has a delivery row for every matching subscription.
    fanned_out_at TIMESTAMPTZ
);
CREATE INDEX outbox_events_pending_idx ON outbox_events (seq) WHERE fanned_out_at IS NULL;

CREATE TABLE webhook_deliveries (
    -- Also the `webhook-id` header: the same on every retry and replay.
    id               UUID PRIMARY KEY,
    subscription_id  UUID NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id         UUID NOT NULL REFERENCES outbox_events (id),
    event_seq        BIGINT NOT NULL,
    subject_id       UUID NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    -- A worker that claimed the delivery owns it until then.
    leased_until     TIMESTAMPTZ,
    last_attempt_at  TIMESTAMPTZ,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, event_seq);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (subscription_id, subject_id, event_seq) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id            BIGSERIAL PRIMARY KEY,
    delivery_id   UUID NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at  TIMESTAMPTZ NOT NULL,
    status_code   INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL CHECK (duration_ms >= 0),
    succeeded     BOOLEAN NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);
