-- The audit trail: who read or changed what, when, with what outcome. One
-- row per (request, subject): a list page that showed 50 referrals writes
-- 50 rows, so that "who saw this child" is one index lookup. Rows hold
-- identifiers only (no names, dates of birth or free text), so anonymising
-- or erasing a child never needs to touch them.
--
-- Append-only: triggers refuse UPDATE, DELETE and TRUNCATE for every role
-- that cannot drop the trigger. In production the application's role
-- should also lack UPDATE, DELETE and TRUNCATE privileges on this table
-- and not own it (see docs/architecture.md).

CREATE TABLE audit_events (
    id            BIGSERIAL PRIMARY KEY,
    occurred_at   TIMESTAMPTZ NOT NULL,
    request_id    TEXT CHECK (length(request_id) BETWEEN 1 AND 200),
    actor         TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    actor_role    TEXT NOT NULL CHECK (actor_role IN ('la_admin', 'team_manager', 'practitioner', 'school', 'integration', 'system')),
    client_id     TEXT CHECK (length(client_id) BETWEEN 1 AND 200),
    action        TEXT NOT NULL CHECK (action ~ '^[A-Za-z0-9_.:/{} -]{1,200}$'),
    method        TEXT CHECK (method IN ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CLI')),
    route         TEXT CHECK (length(route) BETWEEN 1 AND 300),
    subject_type  TEXT CHECK (subject_type ~ '^[a-z_]{1,40}$'),
    subject_id    TEXT CHECK (length(subject_id) BETWEEN 1 AND 100),
    outcome       SMALLINT NOT NULL CHECK (outcome BETWEEN 100 AND 599),
    details       JSONB NOT NULL DEFAULT '{}'::jsonb,
    CHECK ((subject_type IS NULL) = (subject_id IS NULL))
);
-- The list's order and each of its filters, each with the keyset.
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, occurred_at, id);
CREATE INDEX audit_events_subject_idx ON audit_events (subject_id, occurred_at, id)
    WHERE subject_id IS NOT NULL;
CREATE INDEX audit_events_action_idx ON audit_events (action, occurred_at, id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
