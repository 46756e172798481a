-- What the GIAS import records about a school beyond the core columns.
-- A school of an imported LA that a newer extract no longer lists keeps its
-- row (referrals point at it) and gets `missing_from_extract_at`; the next
-- extract that lists it again clears the mark.

ALTER TABLE schools
    ADD COLUMN la_name                  TEXT,
    ADD COLUMN type_name                TEXT,
    ADD COLUMN district_code            TEXT,
    ADD COLUMN district_name            TEXT,
    ADD COLUMN pupil_count              INTEGER CHECK (pupil_count >= 0),
    ADD COLUMN open_date                DATE,
    ADD COLUMN close_date               DATE,
    ADD COLUMN missing_from_extract_at  TIMESTAMPTZ;

CREATE INDEX schools_la_idx ON schools (la_code, urn);
