-- An erasure's justification is free text that may name people: it is kept
-- here, where the retention job can delete it, and the append-only audit
-- rows name it by id (`details.justification_id`) instead of holding it.
CREATE TABLE erasure_justifications (
    id             UUID PRIMARY KEY,
    child_id       UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    justification  TEXT NOT NULL CHECK (length(justification) BETWEEN 1 AND 2000),
    recorded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX erasure_justifications_recorded_idx ON erasure_justifications (recorded_at);
CREATE INDEX erasure_justifications_child_idx ON erasure_justifications (child_id);

-- Justifications already in audit rows move here (one per erasure: the
-- child's row and its referrals' rows of one erasure share time and text).
-- Only the owner of the audit table can do this, with its trigger off for
-- the length of this transaction.
CREATE TEMPORARY TABLE moved_justifications AS
SELECT gen_random_uuid() AS id,
       subject_id::uuid AS child_id,
       details->>'justification' AS justification,
       occurred_at
FROM audit_events
WHERE action = 'erase_child'
  AND subject_type = 'child'
  AND details ? 'justification'
  AND details->>'justification' IS NOT NULL;

INSERT INTO erasure_justifications (id, child_id, justification, recorded_at)
SELECT m.id, m.child_id, left(m.justification, 2000), m.occurred_at
FROM moved_justifications m
WHERE EXISTS (SELECT 1 FROM children c WHERE c.id = m.child_id)
  AND length(m.justification) > 0;

ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete;
UPDATE audit_events e
SET details = (e.details - 'justification')
              || jsonb_build_object('justification_id',
                     (SELECT m.id FROM moved_justifications m
                      WHERE m.occurred_at = e.occurred_at
                        AND m.justification = e.details->>'justification'
                        AND EXISTS (SELECT 1 FROM erasure_justifications j WHERE j.id = m.id)
                      LIMIT 1))
WHERE e.action = 'erase_child' AND e.details ? 'justification';
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete;
DROP TABLE moved_justifications;
