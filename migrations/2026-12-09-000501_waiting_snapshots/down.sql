DROP TABLE waiting_snapshots;
DROP TABLE waiting_snapshot_days;
