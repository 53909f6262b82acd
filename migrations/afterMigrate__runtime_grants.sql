-- Flyway callback: runs after every migrate, as the migration (schema owner) role.
--
-- The service runs as another role (quarkus.datasource.username) with DML on its own tables and
-- nothing else: no DDL, no TRUNCATE, not Flyway's history (docs/deployment.md#database-roles). That
-- role is the placeholder runtime_role (quarkus.flyway.placeholders.runtime_role, the datasource
-- username by default); when migrations and the service share one role (development), or the role
-- does not exist yet, there is nothing to grant. The role itself, its login and its server-side
-- statement_timeout are created once by an administrator: scripts/db-roles.sh.
--
-- Every statement is idempotent, so running after every migrate is harmless, and a table added by
-- a later migration is granted the moment it exists.
DO $grants$
DECLARE
    runtime text := '${runtime_role}';
    t record;
BEGIN
    IF runtime = '' OR runtime = current_user OR NOT EXISTS (SELECT FROM pg_roles WHERE rolname = runtime) THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA core, healthcare TO %I', runtime);
    FOR t IN SELECT schemaname, tablename FROM pg_tables
             WHERE schemaname IN ('core', 'healthcare') AND tablename <> 'flyway_schema_history' LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I.%I TO %I', t.schemaname, t.tablename, runtime);
    END LOOP;
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA core, healthcare TO %I', runtime);
    EXECUTE format('REVOKE ALL ON core.flyway_schema_history FROM %I', runtime);
END
$grants$;
