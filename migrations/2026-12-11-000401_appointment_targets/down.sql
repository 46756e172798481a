DROP INDEX appointments_school_support_idx;
DROP INDEX appointments_family_idx;
ALTER TABLE appointments DROP CONSTRAINT appointments_support_session_only_for_support;
ALTER TABLE appointments DROP CONSTRAINT appointments_about_one;
DELETE FROM appointment_workers WHERE appointment_id IN
    (SELECT id FROM appointments WHERE family_id IS NOT NULL OR school_support_id IS NOT NULL);
DELETE FROM appointments WHERE family_id IS NOT NULL OR school_support_id IS NOT NULL;
ALTER TABLE appointments
    DROP COLUMN support_session_id,
    DROP COLUMN school_support_id,
    DROP COLUMN family_id;
ALTER TABLE appointments ADD CHECK ((referral_id IS NULL) <> (programme_session_id IS NULL));
