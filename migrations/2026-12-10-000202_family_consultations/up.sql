-- Advice to families (issue 13, item 4): a consultation's subject may be a
-- family (`family_id`), with or without a school.
ALTER TABLE consultations ADD COLUMN family_id UUID REFERENCES families (id);
ALTER TABLE consultations ALTER COLUMN school_urn DROP NOT NULL;
ALTER TABLE consultations DROP CONSTRAINT consultations_subject_check;
ALTER TABLE consultations ADD CONSTRAINT consultations_subject_check
    CHECK (subject IN ('child', 'cohort', 'family'));
ALTER TABLE consultations ADD CONSTRAINT consultations_family_check
    CHECK ((subject = 'family') = (family_id IS NOT NULL));
ALTER TABLE consultations ADD CONSTRAINT consultations_school_check
    CHECK (school_urn IS NOT NULL OR subject = 'family');
CREATE INDEX consultations_family_idx ON consultations (family_id, id) WHERE family_id IS NOT NULL;
