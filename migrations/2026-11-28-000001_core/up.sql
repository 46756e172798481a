-- Core of the SCT platform: zones, teams, workers, schools, children,
-- referrals with their INDES levels and history, eligibility policies and
-- idempotency keys. Codes are TEXT with CHECK constraints so that the
-- database refuses what the domain crate refuses.

CREATE TABLE zones (
    id          UUID PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE teams (
    id                UUID PRIMARY KEY,
    zone_id           UUID NOT NULL UNIQUE REFERENCES zones (id),
    name              TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    operational_from  DATE NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    version           INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE workers (
    id             UUID PRIMARY KEY,
    team_id        UUID NOT NULL REFERENCES teams (id),
    -- The identity provider's subject (`sub` claim) of the worker's tokens.
    subject        TEXT NOT NULL UNIQUE CHECK (length(subject) BETWEEN 1 AND 200),
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    job_role       TEXT NOT NULL CHECK (job_role IN ('practitioner', 'team_manager')),
    caseload_cap   INTEGER NOT NULL CHECK (caseload_cap BETWEEN 0 AND 200),
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX workers_team_idx ON workers (team_id, id);

CREATE TABLE schools (
    urn                   TEXT PRIMARY KEY CHECK (urn ~ '^[0-9]{6}$'),
    name                  TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    la_code               TEXT CHECK (la_code ~ '^[0-9]{3}$'),
    establishment_number  TEXT CHECK (establishment_number ~ '^[0-9]{4}$'),
    phase                 TEXT,
    status                TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'proposed_to_open', 'proposed_to_close')),
    postcode              TEXT,
    zone_id               UUID REFERENCES zones (id),
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    version               INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX schools_zone_idx ON schools (zone_id, urn);

CREATE TABLE children (
    id             UUID PRIMARY KEY,
    upn            TEXT NOT NULL UNIQUE CHECK (upn ~ '^[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]$'),
    given_name     TEXT NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
    family_name    TEXT NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
    date_of_birth  DATE NOT NULL,
    year_group     TEXT NOT NULL CHECK (year_group ~ '^(N1|N2|R|X|[1-9]|1[0-4])$'),
    sen_provision  TEXT NOT NULL CHECK (sen_provision IN ('N', 'K', 'E')),
    primary_need   TEXT CHECK (primary_need IN ('SPLD','MLD','SLD','PMLD','SEMH','SLCN','HI','VI','MSI','PD','ASD','DS','OTH','NSA')),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (primary_need IS DISTINCT FROM 'NSA' OR sen_provision = 'K')
);

CREATE TABLE eligibility_policies (
    version     TEXT PRIMARY KEY,
    document    JSONB NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by  TEXT NOT NULL
);
-- At most one policy version is in force.
CREATE UNIQUE INDEX eligibility_policies_one_active ON eligibility_policies (active) WHERE active;

CREATE SEQUENCE referral_reference_seq;

CREATE TABLE referrals (
    id                   UUID PRIMARY KEY,
    reference            TEXT NOT NULL UNIQUE,
    school_urn           TEXT NOT NULL REFERENCES schools (urn),
    external_reference   TEXT CHECK (length(external_reference) BETWEEN 1 AND 100),
    child_id             UUID NOT NULL REFERENCES children (id),
    status               TEXT NOT NULL CHECK (status IN ('submitted','accepted','allocated','active','closed','declined','withdrawn')),
    zone_id              UUID REFERENCES zones (id),
    team_id              UUID REFERENCES teams (id),
    -- Why the referral waits in the council's triage queue (team_id IS NULL).
    triage_reason        TEXT,
    worker_id            UUID REFERENCES workers (id),
    eligibility_outcome  TEXT NOT NULL CHECK (eligibility_outcome IN ('eligible','below_threshold','above_threshold','insufficient_information')),
    eligibility          JSONB NOT NULL,
    policy_version       TEXT NOT NULL REFERENCES eligibility_policies (version),
    priority_band        TEXT NOT NULL CHECK (priority_band IN ('routine','high','urgent')),
    priority_score       INTEGER NOT NULL,
    priority_reasons     JSONB NOT NULL,
    complicating_factors TEXT[] NOT NULL,
    existing_plans       TEXT[] NOT NULL,
    sen_provision        TEXT NOT NULL CHECK (sen_provision IN ('N', 'K', 'E')),
    primary_need         TEXT,
    year_group           TEXT NOT NULL,
    consent_given_by     TEXT NOT NULL CHECK (consent_given_by IN ('parent_carer', 'young_person')),
    consent_given_on     DATE NOT NULL,
    reason               TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 4000),
    decline_reason       TEXT,
    signposting          TEXT,
    closure_outcome      TEXT CHECK (closure_outcome IN ('needs_met','stepped_down','stepped_up','disengaged','moved_away','other')),
    closure_note         TEXT,
    closed_at            TIMESTAMPTZ,
    closed_from          TEXT CHECK (closed_from IN ('allocated', 'active')),
    submitted_by         TEXT NOT NULL,
    submitted_by_role    TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (school_urn, external_reference),
    CHECK ((status IN ('allocated', 'active')) = (worker_id IS NOT NULL) OR status = 'closed'),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL AND closure_outcome IS NOT NULL)),
    CHECK (status <> 'declined' OR decline_reason IS NOT NULL)
);
CREATE INDEX referrals_team_status_idx ON referrals (team_id, status, created_at, id);
CREATE INDEX referrals_team_created_idx ON referrals (team_id, created_at, id);
CREATE INDEX referrals_school_created_idx ON referrals (school_urn, created_at, id);
CREATE INDEX referrals_status_created_idx ON referrals (status, created_at, id);
CREATE INDEX referrals_created_idx ON referrals (created_at, id);
CREATE INDEX referrals_updated_idx ON referrals (updated_at, id);
CREATE INDEX referrals_worker_idx ON referrals (worker_id, status) WHERE worker_id IS NOT NULL;
CREATE INDEX referrals_child_idx ON referrals (child_id);
CREATE INDEX referrals_council_triage_idx ON referrals (created_at, id) WHERE team_id IS NULL;

CREATE TABLE referral_indes_levels (
    referral_id  UUID NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    area         TEXT NOT NULL CHECK (area IN ('physical_disability','deafness','visual_impairment','speech_and_language','social_communication_and_interaction','social_emotional_mental_health','learning_and_cognition')),
    level        SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 20),
    PRIMARY KEY (referral_id, area)
);

CREATE TABLE referral_history (
    id            BIGSERIAL PRIMARY KEY,
    referral_id   UUID NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    at            TIMESTAMPTZ NOT NULL,
    actor         TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('submit','accept','decline','redirect','allocate','start','close','withdraw','reopen')),
    from_status   TEXT,
    to_status     TEXT NOT NULL,
    reason        TEXT,
    details       JSONB NOT NULL DEFAULT '{}'::jsonb,
    request_id    TEXT
);
CREATE INDEX referral_history_referral_idx ON referral_history (referral_id, id);

CREATE TABLE idempotency_keys (
    scope            TEXT NOT NULL,
    key              TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint      TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('in_progress', 'completed')),
    response_status  INTEGER,
    response_headers JSONB,
    response_body    BYTEA,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
