DROP INDEX audit_events_subjects_idx;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_subject_check;
ALTER TABLE audit_events DROP COLUMN subject_ids;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_check CHECK ((subject_type IS NULL) = (subject_id IS NULL));
