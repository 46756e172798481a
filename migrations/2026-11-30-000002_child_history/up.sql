-- Children across referrals: one record per UPN. A later referral that
-- brings other details updates the record and leaves a history row; one
-- that brings the same UPN with another date of birth is not merged: it is
-- linked to the recorded child and flagged for an la_admin to review.

CREATE TABLE child_history (
    id           BIGSERIAL PRIMARY KEY,
    child_id     UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    -- The referral whose details (or the resolved conflict) changed the record.
    referral_id  UUID REFERENCES referrals (id) ON DELETE SET NULL,
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    -- `{field: {from, to}}` for every changed field.
    changes      JSONB NOT NULL CHECK (jsonb_typeof(changes) = 'object')
);
CREATE INDEX child_history_child_idx ON child_history (child_id, id);

CREATE TABLE child_conflicts (
    id                       UUID PRIMARY KEY,
    child_id                 UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    referral_id              UUID NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    status                   TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    recorded_date_of_birth   DATE NOT NULL,
    -- What the referral said about the child, kept until the conflict is resolved.
    submitted_given_name     TEXT NOT NULL,
    submitted_family_name    TEXT NOT NULL,
    submitted_date_of_birth  DATE NOT NULL,
    resolution               TEXT CHECK (resolution IN ('keep_recorded', 'use_submitted')),
    resolution_note          TEXT CHECK (length(resolution_note) <= 2000),
    resolved_by              TEXT,
    resolved_at              TIMESTAMPTZ,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    version                  INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK ((status = 'resolved') = (resolution IS NOT NULL AND resolved_at IS NOT NULL)),
    CHECK (recorded_date_of_birth <> submitted_date_of_birth)
);
CREATE INDEX child_conflicts_status_idx ON child_conflicts (status, id);
CREATE INDEX child_conflicts_child_idx ON child_conflicts (child_id);
