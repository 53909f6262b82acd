-- V5: the message row is the outbox of its turn (the hand-off to the clinic assistant).
--   turn_state NULL         no turn: outbound messages, and every legacy row (never republished)
--   turn_state 'pending'    stored, turn not yet confirmed in the Redis stream
--   turn_state 'published'  XADD acknowledged
-- A nullable column without default is a metadata-only change: no rewrite, a brief lock.
--
-- Rollback: ALTER TABLE core.whatsapp_messages DROP COLUMN turn_state;
SET lock_timeout = '5s';
SET statement_timeout = '60s';

ALTER TABLE core.whatsapp_messages ADD COLUMN IF NOT EXISTS turn_state text;
