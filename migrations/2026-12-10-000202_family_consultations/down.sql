DELETE FROM consultations WHERE subject = 'family';
DROP INDEX consultations_family_idx;
ALTER TABLE consultations DROP CONSTRAINT consultations_school_check;
ALTER TABLE consultations DROP CONSTRAINT consultations_family_check;
ALTER TABLE consultations DROP CONSTRAINT consultations_subject_check;
ALTER TABLE consultations ADD CONSTRAINT consultations_subject_check
    CHECK (subject IN ('child', 'cohort'));
ALTER TABLE consultations ALTER COLUMN school_urn SET NOT NULL;
ALTER TABLE consultations DROP COLUMN family_id;
