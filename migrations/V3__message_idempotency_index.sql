-- V3: one row per (instance, WhatsApp message id), the idempotency key of every webhook.
--
-- Built CONCURRENTLY so live writers are never blocked; Flyway runs a migration holding only
-- CONCURRENTLY statements outside a transaction. If the build fails (for instance a duplicate
-- written by the old backend after V2 ran), PostgreSQL leaves an INVALID index: drop it with
--   DROP INDEX CONCURRENTLY core.whatsapp_messages_instance_message_key;
-- then run `flyway repair` and migrate again.
--
-- Rollback: DROP INDEX CONCURRENTLY IF EXISTS core.whatsapp_messages_instance_message_key;
-- A build or backfill waits for the lock at most 5 s, and never runs unbounded.
SET lock_timeout = '5s';
SET statement_timeout = '1h';

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS whatsapp_messages_instance_message_key
    ON core.whatsapp_messages (instance_name, whatsapp_message_id);
