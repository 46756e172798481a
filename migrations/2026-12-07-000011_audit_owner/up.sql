-- The audit trail belongs to `sct_audit_owner`, a role nobody logs in as,
-- so that the application's role cannot disable or replace its append-only
-- trigger, alter or drop the table: it keeps INSERT and SELECT (and the
-- sequence's USAGE) only. A superuser can still do anything: in production
-- the application must not connect as one (docs/deployment.md).
--
-- Whoever runs this migration must be a superuser, or a member of
-- sct_audit_owner (which needs CREATE on schema public) while it runs; the
-- role is created here when allowed, else a database administrator
-- creates it first (docs/deployment.md says how).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sct_audit_owner') THEN
        BEGIN
            CREATE ROLE sct_audit_owner NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'the role sct_audit_owner does not exist and % may not create it', current_user
                    USING HINT = 'see docs/deployment.md, "The database roles"';
        END;
    END IF;
    IF NOT pg_has_role(current_user, 'sct_audit_owner', 'MEMBER') THEN
        RAISE EXCEPTION '% must be a superuser or a member of sct_audit_owner while this migration runs', current_user
            USING HINT = 'see docs/deployment.md, "The database roles"';
    END IF;
END $$;

-- Nobody but the owner may change or remove rows or add triggers, whatever
-- was granted before (for example by default privileges).
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT DISTINCT a.grantee::regrole AS grantee
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = 'audit_events'::regclass
          AND a.grantee <> 0
          AND a.grantee <> c.relowner
    LOOP
        EXECUTE format(
            'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM %s',
            r.grantee);
    END LOOP;
END $$;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM PUBLIC;

-- The sequence follows its table.
ALTER TABLE audit_events OWNER TO sct_audit_owner;
ALTER FUNCTION audit_events_append_only() OWNER TO sct_audit_owner;
GRANT SELECT, INSERT ON audit_events TO CURRENT_USER;
GRANT USAGE ON SEQUENCE audit_events_id_seq TO CURRENT_USER;
