ALTER TABLE programme_sessions DROP COLUMN updated_at, DROP COLUMN version;
ALTER TABLE plan_reviews DROP COLUMN updated_by, DROP COLUMN updated_at, DROP COLUMN version;
ALTER TABLE delivery_sessions DROP COLUMN updated_by, DROP COLUMN updated_at, DROP COLUMN version;
