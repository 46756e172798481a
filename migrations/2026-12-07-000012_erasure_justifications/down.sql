-- The justifications stay out of the audit rows (they are append-only).
DROP TABLE erasure_justifications;
