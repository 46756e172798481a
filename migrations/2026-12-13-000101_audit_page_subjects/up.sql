-- One audit row per list page (issue 18, item 4): a page that showed 50
-- referrals writes one row naming all 50 in `subject_ids` instead of 50
-- rows. A row names either one subject (`subject_id`, as before) or
-- several of one type (`subject_ids`, two or more), never both.
--
-- "Who saw this child" stays one index lookup: the GIN index is over
-- coalesce(subject_ids, ARRAY[subject_id]), so rows written before this
-- migration (one subject each) and page rows are found by the same
-- expression, `coalesce(subject_ids, ARRAY[subject_id]) @> ARRAY[$1]`,
-- without rewriting the append-only table.
ALTER TABLE audit_events ADD COLUMN subject_ids TEXT[]
    CHECK (cardinality(subject_ids) BETWEEN 2 AND 10000 AND array_position(subject_ids, NULL) IS NULL);
ALTER TABLE audit_events DROP CONSTRAINT audit_events_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_subject_check CHECK (
    (subject_type IS NULL AND subject_id IS NULL AND subject_ids IS NULL)
    OR (subject_type IS NOT NULL AND (subject_id IS NULL) <> (subject_ids IS NULL))
);
CREATE INDEX audit_events_subjects_idx ON audit_events
    USING gin ((coalesce(subject_ids, ARRAY[subject_id])));
