-- Recorded delivery can be corrected with If-Match: sessions, reviews and
-- programme sessions carry a version (existing rows start at 1) and who
-- last corrected them.
ALTER TABLE delivery_sessions
    ADD COLUMN version    INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN updated_at TIMESTAMPTZ,
    ADD COLUMN updated_by TEXT;
ALTER TABLE plan_reviews
    ADD COLUMN version    INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN updated_at TIMESTAMPTZ,
    ADD COLUMN updated_by TEXT;
ALTER TABLE programme_sessions
    ADD COLUMN version    INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN updated_at TIMESTAMPTZ;
