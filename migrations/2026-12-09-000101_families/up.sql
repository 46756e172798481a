-- Families as the unit of work (issue 13, items 1 and 5): a household in a
-- zone, its members (children linked to the LA's child record; adults with
-- their contact details and what must never be disclosed to whom), each
-- adult's relationship to each child member; a referral belongs to a family
-- and says where it came from.
CREATE TABLE families (
    id          UUID PRIMARY KEY,
    zone_id     UUID NOT NULL REFERENCES zones (id),
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
-- A zone's families in id order (the team's list).
CREATE INDEX families_zone_idx ON families (zone_id, id);

CREATE TABLE family_members (
    id                       UUID PRIMARY KEY,
    family_id                UUID NOT NULL REFERENCES families (id),
    kind                     TEXT NOT NULL CHECK (kind IN ('child', 'adult')),
    -- A child: the LA's record, and the school or setting they attend.
    child_id                 UUID REFERENCES children (id),
    school_urn               TEXT REFERENCES schools (urn),
    -- An adult.
    role                     TEXT CHECK (role IN ('parent', 'carer', 'other')),
    given_name               TEXT CHECK (char_length(given_name) BETWEEN 1 AND 100),
    family_name              TEXT CHECK (char_length(family_name) BETWEEN 1 AND 100),
    phone                    TEXT CHECK (char_length(phone) BETWEEN 1 AND 40),
    email                    TEXT CHECK (char_length(email) BETWEEN 1 AND 254),
    address                  TEXT CHECK (char_length(address) BETWEEN 1 AND 500),
    preferred_contact_method TEXT CHECK (preferred_contact_method IN ('phone', 'email', 'letter', 'in_person')),
    preferred_language       TEXT CHECK (char_length(preferred_language) BETWEEN 1 AND 100),
    interpreter_needed       BOOLEAN NOT NULL DEFAULT false,
    safe_contact_notes       TEXT CHECK (char_length(safe_contact_notes) BETWEEN 1 AND 2000),
    version                  INTEGER NOT NULL DEFAULT 1,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    anonymised_at            TIMESTAMPTZ,
    CONSTRAINT family_members_kind CHECK (
        (kind = 'child' AND child_id IS NOT NULL AND role IS NULL AND given_name IS NULL)
        OR (kind = 'adult' AND child_id IS NULL AND school_urn IS NULL AND role IS NOT NULL))
);
-- A child is a member of a family once.
CREATE UNIQUE INDEX family_members_child_once ON family_members (family_id, child_id)
    WHERE child_id IS NOT NULL;
-- The families of a child (the list's child filter; siblings by family).
CREATE INDEX family_members_child_idx ON family_members (child_id, family_id)
    WHERE child_id IS NOT NULL;
-- The families of a school's children (the list's school filter).
CREATE INDEX family_members_school_idx ON family_members (school_urn, family_id)
    WHERE school_urn IS NOT NULL;
-- A family's members.
CREATE INDEX family_members_family_idx ON family_members (family_id, id);

-- An adult's relationship to a child member of the same family.
CREATE TABLE member_relationships (
    adult_member_id         UUID NOT NULL REFERENCES family_members (id) ON DELETE CASCADE,
    child_member_id         UUID NOT NULL REFERENCES family_members (id) ON DELETE CASCADE,
    relationship            TEXT NOT NULL CHECK (relationship IN (
        'mother', 'father', 'step_parent', 'grandparent', 'foster_carer',
        'kinship_carer', 'guardian', 'sibling', 'other')),
    parental_responsibility BOOLEAN NOT NULL,
    PRIMARY KEY (adult_member_id, child_member_id)
);
CREATE INDEX member_relationships_child_idx ON member_relationships (child_member_id);

-- A referral's family, and where the referral came from (a school, or a
-- practitioner on behalf of a family).
ALTER TABLE referrals
    ADD COLUMN family_id UUID REFERENCES families (id),
    ADD COLUMN source_type TEXT NOT NULL DEFAULT 'school' CHECK (source_type IN (
        'school', 'family_hub', 'health_visitor', 'parent_carer', 'social_care',
        'health', 'other')),
    ADD COLUMN source_organisation TEXT CHECK (char_length(source_organisation) BETWEEN 1 AND 200);
-- A family's referrals (the family page).
CREATE INDEX referrals_family_idx ON referrals (family_id) WHERE family_id IS NOT NULL;

-- Linking a referral to a family is a history entry of the referral.
ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen',
    'add_co_worker', 'remove_co_worker', 'correct', 'link_family'));
