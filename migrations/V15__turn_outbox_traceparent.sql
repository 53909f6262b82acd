-- V15: a turn the relay publishes continues its webhook's trace.
--
-- The webhook publishes most turns itself, with the traceparent of its turn.publish span. A turn
-- the relay publishes (Redis was down, the replica died) was published without one: its trace had
-- ended with the webhook. The store statement now keeps the traceparent of the webhook's
-- message.store span on the outbox row, and the relay puts it on the turn.
--
--   traceparent   W3C trace context ('00-<trace id>-<span id>-<flags>'), NULL when tracing is off
--                 or the row was written by an earlier version
--
-- Nullable and without a default: adding it rewrites nothing and holds the ACCESS EXCLUSIVE lock
-- only for the catalog change (bounded by lock_timeout; the relay and the store retry).
--
-- Rollback: ALTER TABLE core.turn_outbox DROP COLUMN traceparent;
SET lock_timeout = '5s';
SET statement_timeout = '60s';

ALTER TABLE core.turn_outbox ADD COLUMN IF NOT EXISTS traceparent text;
