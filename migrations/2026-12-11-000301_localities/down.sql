DELETE FROM practice_attendees WHERE setting_urn IS NOT NULL;
DROP INDEX practice_attendees_setting_idx;
ALTER TABLE practice_attendees
    DROP CONSTRAINT practice_attendees_setting_role,
    DROP CONSTRAINT practice_attendees_one_kind,
    DROP COLUMN staff_role,
    DROP COLUMN setting_urn,
    ADD CONSTRAINT practice_attendees_check CHECK ((worker_id IS NULL) <> (partner_id IS NULL));
ALTER TABLE practice_sessions DROP COLUMN locality_id;
DROP TABLE locality_schools;
DROP TABLE localities;
