-- V13: per-instance webhook secrets (issue 11) and bounded quarantine rows.
--
-- core.whatsapp_instances
--   webhook_secret_sha256        lowercase hex SHA-256 of the UTF-8 secret the instance sends in the
--                                token header. An instance with a secret accepts only its own
--                                secrets: the global token and JWT secret no longer vouch for it.
--   webhook_secret_next_sha256   the next secret during a rotation; either one is accepted, then
--                                scripts/instance-secret.sh --promote moves it into the first column.
--   Only hashes are stored: the secret itself exists in Evolution's webhook headers and nowhere here.
--   Changing either column fires V4's trigger, so every replica reloads its secret index at once.
--
-- core.webhook_quarantine
--   raw_length, raw_sha256       the size and digest of the body as received, so a body stored
--                                truncated (over ingress.quarantine.max-stored-bytes) can still be
--                                matched against the sender's copy.
--
-- Nullable columns without defaults are metadata-only changes. The CHECKs are added NOT VALID (no
-- scan under the lock) and validated afterwards under SHARE UPDATE EXCLUSIVE, which blocks no writer.
--
-- Rollback:
--   ALTER TABLE core.whatsapp_instances DROP COLUMN webhook_secret_sha256, DROP COLUMN webhook_secret_next_sha256;
--   ALTER TABLE core.webhook_quarantine DROP COLUMN raw_length, DROP COLUMN raw_sha256;
SET lock_timeout = '5s';
SET statement_timeout = '60s';

ALTER TABLE core.whatsapp_instances ADD COLUMN IF NOT EXISTS webhook_secret_sha256 text;
ALTER TABLE core.whatsapp_instances ADD COLUMN IF NOT EXISTS webhook_secret_next_sha256 text;

ALTER TABLE core.whatsapp_instances DROP CONSTRAINT IF EXISTS whatsapp_instances_webhook_secret_hex;
ALTER TABLE core.whatsapp_instances ADD CONSTRAINT whatsapp_instances_webhook_secret_hex
    CHECK (webhook_secret_sha256 ~ '^[0-9a-f]{64}$' AND webhook_secret_next_sha256 ~ '^[0-9a-f]{64}$') NOT VALID;
ALTER TABLE core.whatsapp_instances VALIDATE CONSTRAINT whatsapp_instances_webhook_secret_hex;

ALTER TABLE core.webhook_quarantine ADD COLUMN IF NOT EXISTS raw_length bigint;
ALTER TABLE core.webhook_quarantine ADD COLUMN IF NOT EXISTS raw_sha256 text;
