-- V12: the turn outbox leaves the message row.
--
-- Until V11 an inbound message row was its own outbox (turn_state 'pending', then 'published'):
-- every published mark rewrote the wide message row and all five of its indexes (a non-HOT update,
-- since turn_state is in V6's partial index predicate). Measured with pgbench on this schema, the
-- mark cost almost half the write path. Now the store statement inserts one narrow row here per
-- inbound message, in the same statement (so the same transaction) as the message, and publishing
-- deletes it, in batches. A message row is written once and never rewritten.
--
--   message_id    core.whatsapp_messages.id (UUIDv7: time-ordered, so the primary key is also the
--                 relay's oldest-first order and inserts append to the index)
--   available_at  before this the row belongs to whoever holds it: the replica that stored the
--                 message (relay grace), or a relay that claimed it (lease, growing per attempt)
--   attempts      relay claims so far; a row that keeps failing backs off on its own and never
--                 holds back the rows behind it
--
-- No foreign key to the message: the check would cost an index probe on every insert, and the
-- relay treats an outbox row without its message as nothing to publish.
--
-- Rows left 'pending' on core.whatsapp_messages by an older replica (a rolling deploy) are adopted
-- by the relay (turn_state 'adopted'), so no turn is lost in the change-over.
--
-- Rollback: DROP TABLE core.turn_outbox;  (then redeploy the previous version: rows still in the
-- outbox must first be set back with
--   UPDATE core.whatsapp_messages SET turn_state = 'pending' WHERE id IN (SELECT message_id FROM core.turn_outbox);)
SET lock_timeout = '5s';
SET statement_timeout = '60s';

CREATE TABLE IF NOT EXISTS core.turn_outbox (
    message_id   uuid PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT now(),
    available_at timestamptz NOT NULL DEFAULT now(),
    attempts     bigint NOT NULL DEFAULT 0
)
-- Emptied as fast as it is filled: vacuumed after every 5,000 dead rows, whatever its size, so the
-- relay's scans stay short.
WITH (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 5000);
