-- The role sct_audit_owner stays: it belongs to the cluster, not to this
-- database.
ALTER TABLE audit_events OWNER TO CURRENT_USER;
ALTER FUNCTION audit_events_append_only() OWNER TO CURRENT_USER;
