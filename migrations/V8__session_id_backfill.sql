-- V8 (step 2 of 5): backfill session_uuid in committed batches (see V7). Runs outside a
-- transaction (V8__session_id_backfill.sql.conf) because the procedure commits after each batch.
-- Re-running is a no-op: converted rows are skipped.
--
-- Rollback: UPDATE core.whatsapp_conversations SET session_uuid = NULL;  (before V9 only)
-- A build or backfill waits for the lock at most 5 s, and never runs unbounded.
SET lock_timeout = '5s';
SET statement_timeout = '2h';

CALL core.backfill_session_uuid(5000);
