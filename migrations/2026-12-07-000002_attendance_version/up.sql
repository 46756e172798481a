-- Attendance at a programme session is changed with If-Match like every
-- other change: it carries a version of its own (the session's ETag stays
-- the session's), 1 before anything is recorded.
ALTER TABLE programme_sessions
    ADD COLUMN attendance_version INTEGER NOT NULL DEFAULT 1 CHECK (attendance_version >= 1);
