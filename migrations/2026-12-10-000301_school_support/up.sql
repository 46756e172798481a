-- School support (issue 15, item 2): a team's work with a setting that is
-- not about one referred child. Children are counted, never named: a cohort
-- is year groups and a number, with optionally some of the setting's own
-- referrals linked; a session counts the children present.
CREATE TABLE school_support (
    id                  UUID PRIMARY KEY,
    school_urn          TEXT NOT NULL REFERENCES schools (urn),
    zone_id             UUID NOT NULL REFERENCES zones (id),
    kind                TEXT NOT NULL CHECK (kind IN ('whole_school_approach', 'staff_training',
                            'inclusion_audit', 'staff_coaching', 'cohort_group_work', 'transition_work')),
    title               TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    starts_on           DATE NOT NULL,
    ends_on             DATE CHECK (ends_on >= starts_on),
    indes_areas         TEXT[] NOT NULL DEFAULT '{}'
        CHECK (indes_areas <@ ARRAY['physical_disability','deafness','visual_impairment','speech_and_language','social_communication_and_interaction','social_emotional_mental_health','learning_and_cognition']::text[]),
    -- Staff who took part: [{"role": "senco", "count": 1}], roles only.
    staff               JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(staff) = 'array'),
    cohort_year_groups  TEXT[],
    cohort_size         INTEGER CHECK (cohort_size BETWEEN 0 AND 2000),
    referral_ids        UUID[] NOT NULL DEFAULT '{}',
    aims                TEXT CHECK (length(aims) <= 4000),
    review_outcome      TEXT CHECK (review_outcome IN ('achieved', 'partly_achieved', 'not_achieved', 'ended_early')),
    review_summary      TEXT CHECK (length(review_summary) BETWEEN 1 AND 4000),
    reviewed_on         DATE,
    reviewed_by         TEXT,
    recorded_by         TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    CHECK ((cohort_year_groups IS NULL) = (cohort_size IS NULL)),
    CHECK (cohort_size IS NOT NULL OR referral_ids = '{}'),
    CHECK ((review_outcome IS NULL) = (reviewed_on IS NULL))
);
CREATE INDEX school_support_zone_idx ON school_support (zone_id, id);
CREATE INDEX school_support_school_idx ON school_support (school_urn, starts_on);
CREATE INDEX school_support_referrals_idx ON school_support USING gin (referral_ids);

CREATE TABLE school_support_sessions (
    id                  UUID PRIMARY KEY,
    support_id          UUID NOT NULL REFERENCES school_support (id),
    held_on             DATE NOT NULL,
    duration_minutes    INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 480),
    practitioner_id     UUID NOT NULL REFERENCES workers (id),
    children_count      INTEGER NOT NULL DEFAULT 0 CHECK (children_count BETWEEN 0 AND 2000),
    staff_count         INTEGER NOT NULL DEFAULT 0 CHECK (staff_count BETWEEN 0 AND 500),
    notes               TEXT CHECK (length(notes) <= 4000),
    recorded_by         TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX school_support_sessions_support_idx ON school_support_sessions (support_id, held_on, id);
CREATE INDEX school_support_sessions_worker_idx ON school_support_sessions (practitioner_id, held_on);
CREATE INDEX school_support_sessions_held_idx ON school_support_sessions (held_on);

CREATE TABLE school_support_actions (
    id                  UUID PRIMARY KEY,
    support_id          UUID NOT NULL REFERENCES school_support (id),
    description         TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    owner               TEXT NOT NULL CHECK (owner IN ('school', 'team')),
    owner_worker_id     UUID REFERENCES workers (id),
    due_on              DATE,
    done                BOOLEAN NOT NULL DEFAULT false,
    recorded_by         TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    CHECK ((owner = 'team') = (owner_worker_id IS NOT NULL))
);
CREATE INDEX school_support_actions_support_idx ON school_support_actions (support_id, id);
