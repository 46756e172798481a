-- An appointment may be for a family or a school-support record as well as
-- for a referral or a programme session (exactly one of the four). A
-- school-support appointment completed as attended records the record's
-- session, linked here.
ALTER TABLE appointments
    ADD COLUMN family_id UUID REFERENCES families (id),
    ADD COLUMN school_support_id UUID REFERENCES school_support (id),
    ADD COLUMN support_session_id UUID REFERENCES school_support_sessions (id);

DO $$
DECLARE c text;
BEGIN
    SELECT conname INTO c FROM pg_constraint
     WHERE conrelid = 'appointments'::regclass AND contype = 'c'
       AND pg_get_constraintdef(oid) LIKE '%referral_id IS NULL%programme_session_id IS NULL%';
    EXECUTE format('ALTER TABLE appointments DROP CONSTRAINT %I', c);
END $$;

ALTER TABLE appointments ADD CONSTRAINT appointments_about_one
    CHECK (num_nonnulls(referral_id, programme_session_id, family_id, school_support_id) = 1);
ALTER TABLE appointments ADD CONSTRAINT appointments_support_session_only_for_support
    CHECK (support_session_id IS NULL OR school_support_id IS NOT NULL);

CREATE INDEX appointments_family_idx ON appointments (family_id) WHERE family_id IS NOT NULL;
CREATE INDEX appointments_school_support_idx ON appointments (school_support_id) WHERE school_support_id IS NOT NULL;
