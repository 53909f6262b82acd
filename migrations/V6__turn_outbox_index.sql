-- V6: the relay's work list: pending turns, oldest first. Partial, so it holds only the few rows
-- in flight; built CONCURRENTLY (Flyway runs it outside a transaction) so writers are never blocked.
--
-- Rollback: DROP INDEX CONCURRENTLY IF EXISTS core.whatsapp_messages_pending_turns;
-- A build or backfill waits for the lock at most 5 s, and never runs unbounded.
SET lock_timeout = '5s';
SET statement_timeout = '1h';

CREATE INDEX CONCURRENTLY IF NOT EXISTS whatsapp_messages_pending_turns
    ON core.whatsapp_messages (created_at)
    WHERE turn_state = 'pending';
