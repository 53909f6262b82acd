-- Flyway callback: runs after every migrate, as the migration (schema owner) role.
--
-- The service runs as another role (quarkus.datasource.username) with the privileges it uses and no
-- others (docs/deployment.md#database-roles, docs/security.md):
--   read and write  the tables it stores into: messages, conversations, sessions and their log, the
--                   outboxes, the quarantine and its replay leases, the lines' status; erasure
--                   requests (no DELETE: receipts stay); the legacy duplicates (read, delete: erasure
--                   and retention)
--   read only       the clinic directory and the credentials: organizations, clinics, instances
--                   (with their secret and token hashes) and the admin operators' token hashes, so
--                   a compromised replica cannot mint a credential or move an instance to another
--                   clinic
--   append only     the admin audit trail: INSERT and SELECT, never UPDATE or DELETE
--   nothing         any other table of core and healthcare (the Python backend's own, Flyway's
--                   history), no DDL, no TRUNCATE
-- That role is the placeholder runtime_role (quarkus.flyway.placeholders.runtime_role, the
-- datasource username by default); when migrations and the service share one role (development),
-- or the role does not exist yet, there is nothing to grant. The role itself, its login and its
-- server-side statement_timeout are created once by an administrator: scripts/db-roles.sh.
--
-- Every statement is idempotent: each run first revokes everything, then grants the list, so a
-- grant an older version gave (DML on every table) does not survive, and a table added by a later
-- migration is granted the moment the list names it.
DO $grants$
DECLARE
    runtime text := '${runtime_role}';
    t record;
    privileges text;
BEGIN
    IF runtime = '' OR runtime = current_user OR NOT EXISTS (SELECT FROM pg_roles WHERE rolname = runtime) THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA core, healthcare TO %I', runtime);
    FOR t IN SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('core', 'healthcare') LOOP
        EXECUTE format('REVOKE ALL ON %I.%I FROM %I', t.schemaname, t.tablename, runtime);
        privileges := CASE t.schemaname || '.' || t.tablename
            WHEN 'core.whatsapp_messages' THEN 'SELECT, INSERT, UPDATE, DELETE'
            WHEN 'core.whatsapp_conversations' THEN 'SELECT, INSERT, UPDATE, DELETE'
            WHEN 'healthcare.conversation_sessions' THEN 'SELECT, INSERT, UPDATE, DELETE'
            WHEN 'healthcare.conversation_logs' THEN 'SELECT, INSERT, UPDATE, DELETE'
            WHEN 'core.turn_outbox' THEN 'SELECT, INSERT, UPDATE, DELETE'
            WHEN 'core.memory_outbox' THEN 'SELECT, INSERT, UPDATE, DELETE'
            WHEN 'core.webhook_quarantine' THEN 'SELECT, INSERT, UPDATE, DELETE'
            WHEN 'core.quarantine_replays' THEN 'SELECT, INSERT, UPDATE, DELETE'
            WHEN 'core.instance_lines' THEN 'SELECT, INSERT, UPDATE, DELETE'
            WHEN 'core.patient_erasures' THEN 'SELECT, INSERT, UPDATE'
            WHEN 'core.whatsapp_messages_duplicates' THEN 'SELECT, DELETE'
            WHEN 'core.organizations' THEN 'SELECT'
            WHEN 'healthcare.clinics' THEN 'SELECT'
            WHEN 'core.whatsapp_instances' THEN 'SELECT'
            WHEN 'core.admin_operators' THEN 'SELECT'
            WHEN 'core.admin_audit' THEN 'SELECT, INSERT'
        END;
        IF privileges IS NOT NULL THEN
            EXECUTE format('GRANT %s ON %I.%I TO %I', privileges, t.schemaname, t.tablename, runtime);
        END IF;
    END LOOP;
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA core, healthcare TO %I', runtime);
END
$grants$;
