-- Issue 16, item 2: the diary. A planned appointment for a referral (or a
-- programme session), its workers, and the session it became; revocable
-- calendar tokens for a worker's iCalendar feed (stored hashed).
-- A family or a school-support record do not exist yet: a link to them
-- will be a further nullable column with the same "exactly one" rule.
CREATE TABLE appointments (
    id                   UUID PRIMARY KEY,
    team_id              UUID NOT NULL REFERENCES teams (id),
    referral_id          UUID REFERENCES referrals (id),
    programme_session_id UUID REFERENCES programme_sessions (id),
    starts_at            TIMESTAMPTZ NOT NULL,
    ends_at              TIMESTAMPTZ NOT NULL,
    mode                 TEXT NOT NULL CHECK (mode IN ('in_person', 'online')),
    -- Where (a room, a school, a home address): personal data, never in
    -- the calendar feed.
    place                TEXT CHECK (length(place) BETWEEN 1 AND 300),
    expected             TEXT[] NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('planned', 'cancelled', 'completed')),
    attendance           TEXT CHECK (attendance IN ('attended', 'did_not_attend', 'cancelled')),
    cancelled_by         TEXT CHECK (cancelled_by IN ('family', 'school', 'service')),
    cancel_reason        TEXT CHECK (length(cancel_reason) BETWEEN 1 AND 500),
    session_id           UUID REFERENCES delivery_sessions (id),
    clash_reason         TEXT CHECK (length(clash_reason) BETWEEN 1 AND 500),
    created_by           TEXT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    CHECK ((referral_id IS NULL) <> (programme_session_id IS NULL)),
    CHECK (ends_at > starts_at AND ends_at - starts_at <= INTERVAL '12 hours')
);
-- A referral's appointments (chronology); a team's diary by time.
CREATE INDEX appointments_referral_idx ON appointments (referral_id, starts_at) WHERE referral_id IS NOT NULL;
CREATE INDEX appointments_team_starts_idx ON appointments (team_id, starts_at, id);
CREATE INDEX appointments_starts_idx ON appointments (starts_at, id);

-- The workers of an appointment (one or more, of its team).
CREATE TABLE appointment_workers (
    appointment_id UUID NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    worker_id      UUID NOT NULL REFERENCES workers (id),
    PRIMARY KEY (appointment_id, worker_id)
);
-- A worker's diary by time, and the clash check.
CREATE INDEX appointment_workers_worker_idx ON appointment_workers (worker_id, appointment_id);

-- A worker's calendar feed tokens: only the SHA-256 of the token is kept.
CREATE TABLE calendar_tokens (
    id          UUID PRIMARY KEY,
    worker_id   UUID NOT NULL REFERENCES workers (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX calendar_tokens_worker_idx ON calendar_tokens (worker_id, created_at);
