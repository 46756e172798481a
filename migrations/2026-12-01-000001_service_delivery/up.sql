-- Service delivery (issue 4, first half): the interventions catalogue, the
-- support plan of a referral with its goals and versions, sessions delivered
-- (one row per session, linked to one or many referrals with attendance per
-- referral), reviews that rate each goal again on the 0-10 goal-based
-- outcome scale, partner organisations and their zones, and community of
-- practice / group supervision meetings. Codes are TEXT with CHECKs that
-- mirror crates/domain/src/delivery.rs.

CREATE TABLE interventions (
    id                UUID PRIMARY KEY,
    name              TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description       TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
    approach          TEXT NOT NULL CHECK (length(approach) BETWEEN 1 AND 2000),
    mode              TEXT NOT NULL CHECK (mode IN ('individual', 'group', 'family', 'setting')),
    areas             TEXT[] NOT NULL CHECK (
                          cardinality(areas) BETWEEN 1 AND 7
                          AND areas <@ ARRAY['physical_disability', 'deafness', 'visual_impairment',
                              'speech_and_language', 'social_communication_and_interaction',
                              'social_emotional_mental_health', 'learning_and_cognition']::TEXT[]),
    evidence_base     TEXT NOT NULL CHECK (length(evidence_base) BETWEEN 1 AND 4000),
    typical_sessions  INTEGER CHECK (typical_sessions BETWEEN 1 AND 200),
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    version           INTEGER NOT NULL DEFAULT 1
);
-- The list is ordered by id (UUID v7, time-ordered); filters by active and
-- mode use the composite indexes, the area filter (`areas @> ARRAY[..]`) GIN.
CREATE INDEX interventions_active_idx ON interventions (active, id);
CREATE INDEX interventions_mode_idx ON interventions (mode, id);
CREATE INDEX interventions_areas_idx ON interventions USING GIN (areas);

-- One current plan per referral; every version is kept as a snapshot.
CREATE TABLE support_plans (
    referral_id  UUID PRIMARY KEY REFERENCES referrals (id),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by   TEXT NOT NULL
);

-- Goals keep their id across plan versions so that reviews can rate them;
-- a goal dropped from the plan is retired (current = FALSE), not deleted.
CREATE TABLE plan_goals (
    id           UUID PRIMARY KEY,
    referral_id  UUID NOT NULL REFERENCES support_plans (referral_id),
    position     SMALLINT NOT NULL CHECK (position BETWEEN 0 AND 19),
    area         TEXT NOT NULL CHECK (area IN ('physical_disability', 'deafness', 'visual_impairment',
                     'speech_and_language', 'social_communication_and_interaction',
                     'social_emotional_mental_health', 'learning_and_cognition')),
    description  TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    baseline     SMALLINT NOT NULL CHECK (baseline BETWEEN 0 AND 10),
    target       SMALLINT NOT NULL CHECK (target BETWEEN 0 AND 10),
    current      BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK (target > baseline)
);
CREATE INDEX plan_goals_referral_idx ON plan_goals (referral_id, position);

CREATE TABLE plan_interventions (
    referral_id      UUID NOT NULL REFERENCES support_plans (referral_id),
    intervention_id  UUID NOT NULL REFERENCES interventions (id),
    position         SMALLINT NOT NULL,
    PRIMARY KEY (referral_id, intervention_id)
);

CREATE TABLE support_plan_versions (
    referral_id  UUID NOT NULL REFERENCES support_plans (referral_id),
    version      INTEGER NOT NULL,
    document     JSONB NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    recorded_by  TEXT NOT NULL,
    PRIMARY KEY (referral_id, version)
);

-- A session delivered: individual (one referral) or group (several
-- referrals of one team), with attendance per referral.
CREATE TABLE delivery_sessions (
    id                UUID PRIMARY KEY,
    team_id           UUID NOT NULL REFERENCES teams (id),
    held_on           DATE NOT NULL,
    intervention_id   UUID REFERENCES interventions (id),
    format            TEXT NOT NULL CHECK (format IN ('individual', 'group')),
    duration_minutes  INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 600),
    notes             TEXT CHECK (length(notes) <= 4000),
    recorded_by       TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE session_attendance (
    session_id             UUID NOT NULL REFERENCES delivery_sessions (id),
    referral_id            UUID NOT NULL REFERENCES referrals (id),
    status                 TEXT NOT NULL CHECK (status IN ('attended', 'did_not_attend', 'cancelled')),
    child_attended         BOOLEAN NOT NULL,
    parent_carer_attended  BOOLEAN NOT NULL,
    school_staff_attended  BOOLEAN NOT NULL,
    held_on                DATE NOT NULL,
    PRIMARY KEY (session_id, referral_id)
);
-- A referral's sessions, newest first, keyset (held_on, session_id).
CREATE INDEX session_attendance_referral_idx ON session_attendance (referral_id, held_on DESC, session_id DESC);

CREATE TABLE plan_reviews (
    id           UUID PRIMARY KEY,
    referral_id  UUID NOT NULL REFERENCES support_plans (referral_id),
    kind         TEXT NOT NULL CHECK (kind IN ('interim', 'final')),
    reviewed_on  DATE NOT NULL,
    notes        TEXT CHECK (length(notes) <= 4000),
    recorded_by  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX plan_reviews_referral_idx ON plan_reviews (referral_id, created_at, id);

CREATE TABLE review_ratings (
    review_id  UUID NOT NULL REFERENCES plan_reviews (id),
    goal_id    UUID NOT NULL REFERENCES plan_goals (id),
    rating     SMALLINT NOT NULL CHECK (rating BETWEEN 0 AND 10),
    PRIMARY KEY (review_id, goal_id)
);
CREATE INDEX review_ratings_goal_idx ON review_ratings (goal_id);

CREATE TABLE partners (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        TEXT NOT NULL CHECK (kind IN ('health', 'social_care', 'voluntary', 'other')),
    email       TEXT CHECK (length(email) <= 200),
    phone       TEXT CHECK (length(phone) <= 50),
    address     TEXT CHECK (length(address) <= 500),
    website     TEXT CHECK (length(website) <= 300),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX partners_kind_idx ON partners (kind, id);

CREATE TABLE partner_zones (
    partner_id  UUID NOT NULL REFERENCES partners (id),
    zone_id     UUID NOT NULL REFERENCES zones (id),
    PRIMARY KEY (partner_id, zone_id)
);
CREATE INDEX partner_zones_zone_idx ON partner_zones (zone_id, partner_id);

CREATE TABLE practice_sessions (
    id              UUID PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('community_of_practice', 'group_supervision')),
    zone_id         UUID NOT NULL REFERENCES zones (id),
    held_on         DATE NOT NULL,
    facilitator_id  UUID NOT NULL REFERENCES workers (id),
    themes          TEXT[] NOT NULL DEFAULT '{}',
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX practice_sessions_zone_idx ON practice_sessions (zone_id, held_on DESC, id DESC);
CREATE INDEX practice_sessions_held_idx ON practice_sessions (held_on DESC, id DESC);

-- Attendees: a worker, or a partner's representative (name of the
-- professional, never of a child or family).
CREATE TABLE practice_attendees (
    id                   UUID PRIMARY KEY,
    practice_session_id  UUID NOT NULL REFERENCES practice_sessions (id),
    worker_id            UUID REFERENCES workers (id),
    partner_id           UUID REFERENCES partners (id),
    representative_name  TEXT CHECK (length(representative_name) BETWEEN 1 AND 200),
    CHECK ((worker_id IS NULL) <> (partner_id IS NULL)),
    CHECK (partner_id IS NULL OR representative_name IS NOT NULL)
);
CREATE INDEX practice_attendees_session_idx ON practice_attendees (practice_session_id);

CREATE TABLE case_discussions (
    id                   UUID PRIMARY KEY,
    practice_session_id  UUID NOT NULL REFERENCES practice_sessions (id),
    referral_id          UUID NOT NULL REFERENCES referrals (id),
    summary              TEXT NOT NULL CHECK (length(summary) BETWEEN 1 AND 4000)
);
CREATE INDEX case_discussions_session_idx ON case_discussions (practice_session_id);
CREATE INDEX case_discussions_referral_idx ON case_discussions (referral_id);

CREATE TABLE practice_actions (
    id                   UUID PRIMARY KEY,
    practice_session_id  UUID NOT NULL REFERENCES practice_sessions (id),
    position             SMALLINT NOT NULL,
    description          TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    owner_id             UUID NOT NULL REFERENCES workers (id),
    due_on               DATE NOT NULL,
    done                 BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX practice_actions_session_idx ON practice_actions (practice_session_id, position);
