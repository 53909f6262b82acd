-- V14: mem0 write-behind survives restarts (issue 12).
--
-- Until now an inbound message waited for its mem0 add in memory only: a restart, a kill or a full
-- queue lost the add (the message itself was stored). Now the store statement inserts one narrow row
-- here per inbound message with text, in the same transaction as the message, and a successful add
-- deletes it in batches. The message row already holds the text, so nothing else is copied.
--
--   message_id    core.whatsapp_messages.id
--   available_at  before this the row belongs to the replica that stored the message (write grace)
--                 or to the relay that claimed it (lease, growing per attempt); after it, any
--                 replica's memory relay adds it
--   attempts      relay claims so far
--
-- Rollback: DROP TABLE core.memory_outbox;
SET lock_timeout = '5s';
SET statement_timeout = '60s';

CREATE TABLE IF NOT EXISTS core.memory_outbox (
    message_id   uuid PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT now(),
    available_at timestamptz NOT NULL DEFAULT now(),
    attempts     bigint NOT NULL DEFAULT 0
)
-- Emptied as fast as it is filled: vacuumed after every 5,000 dead rows, whatever its size.
WITH (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 5000);
