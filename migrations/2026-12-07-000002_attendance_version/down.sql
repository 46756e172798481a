ALTER TABLE programme_sessions DROP COLUMN attendance_version;
