-- V21: what erasure and message retention need beside V20's tables (issue 31).
--
-- core.patient_erasures.subjects
--   every subject the erasure covers: the patient asked for, and the other identities their stored
--   messages link to them (a phone's LIDs, a LID's phone), each SHA-256 of a pseudonym. Kept in the
--   receipt; while the erasure runs, every replica holds these patients' new messages.
-- core.patient_erasures (claimed_until) WHERE completed_at IS NULL
--   the erasures still running: every replica reads their subjects every few seconds, and a replica
--   looks for one whose lease ran out to finish it. Completed erasures (receipts) are not in it.
-- core.patient_erasures (subject, requested_at)
--   an erasure's receipts by patient (the subject is SHA-256 of the pseudonym: no patient data).
-- healthcare.conversation_logs (message_id)
--   erasure and retention delete a message's log rows with it; without it each batch scans the log.
--
-- Built CONCURRENTLY (no lock that blocks writes), so this file runs outside a transaction
-- (V21__erasure_and_retention_indexes.sql.conf). IF NOT EXISTS: a rerun after a build that failed
-- midway leaves an INVALID index, which MigrationSafety drops before Flyway retries.
--
-- A nullable column without default: metadata only.
--
-- Rollback:
--   ALTER TABLE core.patient_erasures DROP COLUMN subjects;
--   DROP INDEX CONCURRENTLY IF EXISTS core.patient_erasures_running;
--   DROP INDEX CONCURRENTLY IF EXISTS core.patient_erasures_subject;
--   DROP INDEX CONCURRENTLY IF EXISTS healthcare.conversation_logs_message;
SET lock_timeout = '5s';
SET statement_timeout = '2h';

ALTER TABLE core.patient_erasures ADD COLUMN IF NOT EXISTS subjects text[];

CREATE INDEX CONCURRENTLY IF NOT EXISTS patient_erasures_running
    ON core.patient_erasures (claimed_until) WHERE completed_at IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS patient_erasures_subject
    ON core.patient_erasures (subject, requested_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS conversation_logs_message
    ON healthcare.conversation_logs (message_id);
