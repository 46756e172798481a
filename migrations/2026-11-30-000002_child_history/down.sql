DROP TABLE child_conflicts;
DROP TABLE child_history;
