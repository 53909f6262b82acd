-- V19: who sent what, and who did what (issue 30).
--
-- core.webhook_quarantine
--   sender_credential     how the sender of a quarantined event was authenticated: global-token,
--                         jwt, instance-secret, body-apikey or open; null for rows kept before
--   sender_instance       with instance-secret: the instance whose secret it was
--   A replay stores only what that sender could write as the instance now; the rest is marked
--   replay_outcome = 'refused:<credential>'.
-- core.admin_operators
--   one row per person or tool that may call /admin/*: a name, the SHA-256 (hex) of its own token
--   (scripts/admin-operator.sh creates it and prints the token once), and when it was revoked.
--   The service only reads it (afterMigrate__runtime_grants.sql).
-- core.admin_audit
--   one row per admin action: when, which operator, what (action and target, never patient data),
--   the answer's status and a short result. The service may insert and read, never change or
--   delete (afterMigrate__runtime_grants.sql).
--
-- Nullable columns without defaults and new tables: metadata-only, no rewrite, no long lock.
--
-- Rollback:
--   ALTER TABLE core.webhook_quarantine DROP COLUMN sender_credential, DROP COLUMN sender_instance;
--   DROP TABLE core.admin_audit; DROP TABLE core.admin_operators;
SET lock_timeout = '5s';
SET statement_timeout = '1min';

ALTER TABLE core.webhook_quarantine ADD COLUMN IF NOT EXISTS sender_credential text;
ALTER TABLE core.webhook_quarantine ADD COLUMN IF NOT EXISTS sender_instance text;

CREATE TABLE IF NOT EXISTS core.admin_operators (
    name text PRIMARY KEY,
    token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE TABLE IF NOT EXISTS core.admin_audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    operator text NOT NULL,
    action text NOT NULL,
    target text,
    status bigint NOT NULL,
    result text
);
