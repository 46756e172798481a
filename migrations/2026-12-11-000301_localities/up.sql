-- Community of practice across services (issue 15, item 5).
--
-- Localities: the sheet's "local area" below a zone, a named cluster of
-- settings within one zone, kept by la_admin. Every member setting lies in
-- the locality's zone (checked by the API when the locality is written).
CREATE TABLE localities (
    id          UUID PRIMARY KEY,
    zone_id     UUID NOT NULL REFERENCES zones (id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    retired_at  TIMESTAMPTZ,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX localities_zone_idx ON localities (zone_id, id);

CREATE TABLE locality_schools (
    locality_id UUID NOT NULL REFERENCES localities (id),
    school_urn  TEXT NOT NULL REFERENCES schools (urn),
    PRIMARY KEY (locality_id, school_urn)
);
CREATE INDEX locality_schools_school_idx ON locality_schools (school_urn);

-- A meeting may be held for one locality of its zone.
ALTER TABLE practice_sessions ADD COLUMN locality_id UUID REFERENCES localities (id);
CREATE INDEX practice_sessions_locality_idx ON practice_sessions (locality_id, held_on)
    WHERE locality_id IS NOT NULL;

-- Attendees: a worker, a partner's representative, or a member of a
-- setting's staff (the setting and their role; the name, in
-- `representative_name`, optional).
ALTER TABLE practice_attendees
    ADD COLUMN setting_urn TEXT REFERENCES schools (urn),
    ADD COLUMN staff_role TEXT CHECK (staff_role IN ('headteacher', 'senior_leader', 'senco',
        'class_teacher', 'teaching_assistant', 'pastoral_staff', 'early_years_practitioner', 'other')),
    DROP CONSTRAINT practice_attendees_check,
    ADD CONSTRAINT practice_attendees_one_kind
        CHECK (num_nonnulls(worker_id, partner_id, setting_urn) = 1),
    ADD CONSTRAINT practice_attendees_setting_role
        CHECK ((setting_urn IS NULL) = (staff_role IS NULL));
CREATE INDEX practice_attendees_setting_idx ON practice_attendees (setting_urn)
    WHERE setting_urn IS NOT NULL;
