-- Co-working (docs/adr/0007-practitioner-scope.md): a second worker of the
-- referral's team works the case beside its allocated worker, from when a
-- team manager adds them until one removes them (or the referral moves to
-- another team). The allocated worker stays on referrals.worker_id.
CREATE TABLE referral_co_workers (
    id          UUID PRIMARY KEY,
    referral_id UUID NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    worker_id   UUID NOT NULL REFERENCES workers (id),
    added_at    TIMESTAMPTZ NOT NULL,
    added_by    TEXT NOT NULL,
    removed_at  TIMESTAMPTZ,
    removed_by  TEXT,
    CHECK ((removed_at IS NULL) = (removed_by IS NULL)),
    CHECK (removed_at IS NULL OR removed_at >= added_at)
);
-- At most one current co-working per referral and worker.
CREATE UNIQUE INDEX referral_co_workers_current_idx
    ON referral_co_workers (referral_id, worker_id) WHERE removed_at IS NULL;
-- A practitioner's scope: the referrals they currently co-work.
CREATE INDEX referral_co_workers_worker_idx
    ON referral_co_workers (worker_id, referral_id) WHERE removed_at IS NULL;

-- Adding and removing a co-worker are changes in the referral's history.
ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen',
    'add_co_worker', 'remove_co_worker'));

-- The webhook event of a change of co-workers.
ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_events_check;
ALTER TABLE webhook_subscriptions ADD CONSTRAINT webhook_subscriptions_events_check CHECK (
    cardinality(events) BETWEEN 1 AND 20
    AND events <@ ARRAY['referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                        'termly_conversation.scheduled', 'consultation.recorded',
                        'referral.co_workers_changed']::TEXT[]
);
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check CHECK (
    event_type IN ('referral.submitted', 'referral.status_changed', 'referral.allocated', 'referral.closed',
                   'termly_conversation.scheduled', 'consultation.recorded',
                   'referral.co_workers_changed')
);
