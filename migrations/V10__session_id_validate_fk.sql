-- V10 (step 4 of 5): validate the foreign key added NOT VALID by V9. VALIDATE CONSTRAINT takes a
-- SHARE UPDATE EXCLUSIVE lock: reads and writes go on while existing rows are checked.
-- V8 created any session a legacy row pointed to, so this cannot fail on legacy data.
--
-- Rollback: nothing to undo (the constraint stays, only marked NOT VALID if you re-create it).
SET lock_timeout = '5s';
SET statement_timeout = '1h';

-- Runs in Flyway's transaction; validating an already valid constraint is a no-op.
-- squawk-ignore prefer-robust-stmts
ALTER TABLE core.whatsapp_conversations VALIDATE CONSTRAINT whatsapp_conversations_session_id_fkey;
