-- Service delivery, second half: termly conversations with schools,
-- consultations (advice without a referral), Family Hubs, and group
-- programmes with sessions, enrolments, waiting lists and attendance.
-- Codes are TEXT with CHECK constraints mirroring crates/domain.

CREATE TABLE termly_conversations (
    id                  UUID PRIMARY KEY,
    school_urn          TEXT NOT NULL REFERENCES schools (urn),
    -- The school's zone when the conversation was offered: the team of this
    -- zone holds it even if the school later moves.
    zone_id             UUID NOT NULL REFERENCES zones (id),
    academic_year       TEXT NOT NULL CHECK (academic_year ~ '^20[0-9]{2}/[0-9]{2}$'),
    term                TEXT NOT NULL CHECK (term IN ('autumn', 'spring', 'summer')),
    status              TEXT NOT NULL CHECK (status IN ('offered', 'scheduled', 'held', 'declined')),
    scheduled_for       DATE,
    held_on             DATE,
    attendees           TEXT[] NOT NULL DEFAULT '{}',
    children_discussed  INTEGER CHECK (children_discussed BETWEEN 0 AND 1000),
    actions             JSONB NOT NULL DEFAULT '[]'::jsonb,
    notes               TEXT CHECK (length(notes) <= 4000),
    decline_reason      TEXT CHECK (length(decline_reason) <= 1000),
    offered_by          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (school_urn, academic_year, term),
    CHECK (status <> 'scheduled' OR scheduled_for IS NOT NULL),
    CHECK (status <> 'held' OR (held_on IS NOT NULL AND children_discussed IS NOT NULL))
);
CREATE INDEX termly_conversations_zone_idx ON termly_conversations (zone_id, id);
CREATE INDEX termly_conversations_school_idx ON termly_conversations (school_urn, id);
CREATE INDEX termly_conversations_term_idx ON termly_conversations (academic_year, term, zone_id, status);
CREATE INDEX termly_conversations_updated_idx ON termly_conversations (updated_at, id);

-- Referrals that came out of a termly conversation.
CREATE TABLE termly_conversation_referrals (
    conversation_id  UUID NOT NULL REFERENCES termly_conversations (id) ON DELETE CASCADE,
    referral_id      UUID NOT NULL REFERENCES referrals (id),
    linked_at        TIMESTAMPTZ NOT NULL,
    linked_by        TEXT NOT NULL,
    PRIMARY KEY (conversation_id, referral_id)
);
CREATE INDEX termly_conversation_referrals_referral_idx ON termly_conversation_referrals (referral_id);

CREATE TABLE consultations (
    id                      UUID PRIMARY KEY,
    school_urn              TEXT NOT NULL REFERENCES schools (urn),
    zone_id                 UUID NOT NULL REFERENCES zones (id),
    held_on                 DATE NOT NULL,
    topic                   TEXT NOT NULL CHECK (length(topic) BETWEEN 1 AND 300),
    subject                 TEXT NOT NULL CHECK (subject IN ('child', 'cohort')),
    -- A child is identified by UPN only: no names in a consultation.
    upn                     TEXT CHECK (upn ~ '^[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]$'),
    cohort                  TEXT CHECK (length(cohort) <= 300),
    indes_areas             TEXT[] NOT NULL DEFAULT '{}'
        CHECK (indes_areas <@ ARRAY['physical_disability','deafness','visual_impairment','speech_and_language','social_communication_and_interaction','social_emotional_mental_health','learning_and_cognition']::text[]),
    advice                  TEXT NOT NULL CHECK (length(advice) BETWEEN 1 AND 8000),
    follow_up               TEXT CHECK (length(follow_up) <= 4000),
    termly_conversation_id  UUID REFERENCES termly_conversations (id),
    referral_id             UUID UNIQUE REFERENCES referrals (id),
    recorded_by             TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    CHECK (subject <> 'cohort' OR upn IS NULL)
);
CREATE INDEX consultations_zone_idx ON consultations (zone_id, id);
CREATE INDEX consultations_school_idx ON consultations (school_urn, id);
CREATE INDEX consultations_conversation_idx ON consultations (termly_conversation_id, id)
    WHERE termly_conversation_id IS NOT NULL;
CREATE INDEX consultations_updated_idx ON consultations (updated_at, id);

CREATE TABLE family_hubs (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address     TEXT NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
    postcode    TEXT NOT NULL CHECK (postcode ~ '^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}$'),
    zone_id     UUID NOT NULL REFERENCES zones (id),
    version     INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX family_hubs_zone_idx ON family_hubs (zone_id, id);

CREATE TABLE programmes (
    id               UUID PRIMARY KEY,
    programme_type   TEXT NOT NULL CHECK (programme_type IN ('parenting_programme', 'support_group', 'workshop')),
    title            TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description      TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
    -- The intervention of the catalogue it delivers. No foreign key yet: the
    -- interventions table arrives with another branch, which adds it.
    intervention_id  UUID,
    hub_id           UUID REFERENCES family_hubs (id),
    zone_id          UUID NOT NULL REFERENCES zones (id),
    capacity         INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 500),
    starts_on        DATE NOT NULL,
    ends_on          DATE NOT NULL,
    age_from         INTEGER NOT NULL CHECK (age_from BETWEEN 0 AND 25),
    age_to           INTEGER NOT NULL CHECK (age_to BETWEEN 0 AND 25),
    needs            TEXT[] NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL CHECK (status IN ('draft', 'open', 'running', 'completed', 'cancelled')),
    created_by       TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK (age_to >= age_from)
);
CREATE INDEX programmes_zone_idx ON programmes (zone_id, id);
CREATE INDEX programmes_status_idx ON programmes (status, id);
CREATE INDEX programmes_hub_idx ON programmes (hub_id, id) WHERE hub_id IS NOT NULL;
CREATE INDEX programmes_updated_idx ON programmes (updated_at, id);

CREATE TABLE programme_sessions (
    id            UUID PRIMARY KEY,
    programme_id  UUID NOT NULL REFERENCES programmes (id),
    session_date  DATE NOT NULL,
    starts_at     TIME,
    ends_at       TIME,
    topic         TEXT CHECK (length(topic) <= 300),
    created_at    TIMESTAMPTZ NOT NULL,
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX programme_sessions_programme_idx ON programme_sessions (programme_id, session_date, id);

CREATE TABLE programme_enrolments (
    id                 UUID PRIMARY KEY,
    programme_id       UUID NOT NULL REFERENCES programmes (id),
    parent_carer_name  TEXT NOT NULL CHECK (length(parent_carer_name) BETWEEN 1 AND 200),
    contact_consent    BOOLEAN NOT NULL,
    referral_id        UUID REFERENCES referrals (id),
    status             TEXT NOT NULL CHECK (status IN ('enrolled', 'waiting', 'cancelled', 'completed')),
    -- Order of the waiting list: when the family joined it.
    waiting_since      TIMESTAMPTZ,
    enrolled_at        TIMESTAMPTZ,
    cancelled_at       TIMESTAMPTZ,
    completed_at       TIMESTAMPTZ,
    enrolled_by        TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    CHECK (status <> 'waiting' OR waiting_since IS NOT NULL),
    CHECK (status NOT IN ('enrolled', 'completed') OR enrolled_at IS NOT NULL)
);
CREATE INDEX programme_enrolments_programme_idx ON programme_enrolments (programme_id, id);
CREATE INDEX programme_enrolments_waiting_idx ON programme_enrolments (programme_id, waiting_since, id)
    WHERE status = 'waiting';
CREATE INDEX programme_enrolments_referral_idx ON programme_enrolments (referral_id)
    WHERE referral_id IS NOT NULL;

CREATE TABLE programme_attendance (
    session_id     UUID NOT NULL REFERENCES programme_sessions (id),
    enrolment_id   UUID NOT NULL REFERENCES programme_enrolments (id),
    status         TEXT NOT NULL CHECK (status IN ('attended', 'did_not_attend', 'cancelled')),
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_id, enrolment_id)
);
CREATE INDEX programme_attendance_enrolment_idx ON programme_attendance (enrolment_id);
