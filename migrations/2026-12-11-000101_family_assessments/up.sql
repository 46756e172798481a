-- A family's early help assessment and plan (issue 13, item 2): who
-- assessed and when, strengths and needs by area (a child's INDES areas and
-- the family's own areas), the family's view; the family plan (goals on the
-- 0-10 scale, actions with an owner and a due date, review dates), versioned
-- like a support plan; a support plan may name the family plan it serves; a
-- programme enrolment may name the adult family member enrolled.
CREATE TABLE family_assessments (
    id           UUID PRIMARY KEY,
    family_id    UUID NOT NULL REFERENCES families (id),
    assessed_by  TEXT NOT NULL,
    assessed_on  DATE NOT NULL,
    family_view  TEXT CHECK (char_length(family_view) BETWEEN 1 AND 4000),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX family_assessments_family_idx ON family_assessments (family_id, id);

CREATE TABLE family_assessment_areas (
    assessment_id   UUID NOT NULL REFERENCES family_assessments (id) ON DELETE CASCADE,
    position        SMALLINT NOT NULL,
    -- A child's INDES area names the child member it is about.
    child_member_id UUID REFERENCES family_members (id) ON DELETE SET NULL,
    area            TEXT NOT NULL CHECK (area IN (
        'physical_disability', 'deafness', 'visual_impairment', 'speech_and_language',
        'social_communication_and_interaction', 'social_emotional_mental_health',
        'learning_and_cognition',
        'parenting', 'routines', 'housing', 'health', 'finances', 'relationships')),
    needs           TEXT NOT NULL CHECK (char_length(needs) BETWEEN 1 AND 4000),
    strengths       TEXT NOT NULL CHECK (char_length(strengths) BETWEEN 1 AND 4000),
    PRIMARY KEY (assessment_id, position)
);

CREATE TABLE family_plans (
    family_id    UUID PRIMARY KEY REFERENCES families (id),
    id           UUID NOT NULL UNIQUE,
    review_dates DATE[] NOT NULL DEFAULT '{}' CHECK (cardinality(review_dates) <= 20),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    updated_by   TEXT NOT NULL
);

CREATE TABLE family_plan_goals (
    id          UUID PRIMARY KEY,
    family_id   UUID NOT NULL REFERENCES family_plans (family_id),
    position    SMALLINT NOT NULL,
    area        TEXT NOT NULL CHECK (area IN (
        'parenting', 'routines', 'housing', 'health', 'finances', 'relationships')),
    description TEXT NOT NULL CHECK (char_length(description) BETWEEN 1 AND 2000),
    baseline    SMALLINT NOT NULL CHECK (baseline BETWEEN 0 AND 10),
    target      SMALLINT NOT NULL CHECK (target BETWEEN 0 AND 10),
    current     BOOLEAN NOT NULL DEFAULT true
);
CREATE INDEX family_plan_goals_family_idx ON family_plan_goals (family_id, position);

CREATE TABLE family_plan_actions (
    id              UUID PRIMARY KEY,
    family_id       UUID NOT NULL REFERENCES family_plans (family_id),
    position        SMALLINT NOT NULL,
    description     TEXT NOT NULL CHECK (char_length(description) BETWEEN 1 AND 500),
    owner_worker_id UUID REFERENCES workers (id),
    owner_member_id UUID REFERENCES family_members (id) ON DELETE SET NULL,
    due_on          DATE,
    done            BOOLEAN NOT NULL DEFAULT false,
    CHECK (num_nonnulls(owner_worker_id, owner_member_id) <= 1)
);
CREATE INDEX family_plan_actions_family_idx ON family_plan_actions (family_id, position);
-- A worker's open actions by due date (`/me/tasks`).
CREATE INDEX family_plan_actions_owner_idx ON family_plan_actions (owner_worker_id, due_on)
    WHERE NOT done AND owner_worker_id IS NOT NULL;

CREATE TABLE family_plan_versions (
    family_id   UUID NOT NULL REFERENCES family_plans (family_id),
    version     INTEGER NOT NULL,
    document    JSONB NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (family_id, version)
);

ALTER TABLE support_plans ADD COLUMN family_plan_id UUID REFERENCES family_plans (id);

-- An enrolment names the adult family member (the free-text name is kept
-- for enrolments written before, and for clients that still send it).
ALTER TABLE programme_enrolments
    ADD COLUMN family_member_id UUID REFERENCES family_members (id) ON DELETE SET NULL,
    ALTER COLUMN parent_carer_name DROP NOT NULL;
CREATE INDEX programme_enrolments_member_idx ON programme_enrolments (family_member_id)
    WHERE family_member_id IS NOT NULL;
