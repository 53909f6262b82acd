-- V1: the schema exactly as the Python backend left it in production.
--
-- An existing production database is adopted with Flyway's baseline-on-migrate (baseline version 1),
-- so this file only runs on new databases (dev, test, fresh installs). Everything it creates is what
-- the later migrations expect to find, including the seed's mistake that V5 fixes:
-- core.whatsapp_conversations.session_id is varchar, not uuid.
--
-- Rollback: DROP SCHEMA healthcare CASCADE; DROP SCHEMA core CASCADE;  (new databases only)

CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS healthcare;

CREATE TABLE IF NOT EXISTS core.organizations (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS healthcare.clinics (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES core.organizations (id),
    name            text NOT NULL,
    whatsapp_number text,
    active          boolean NOT NULL DEFAULT true,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per Evolution instance (a clinic's WhatsApp line).
CREATE TABLE IF NOT EXISTS core.whatsapp_instances (
    instance_name   text PRIMARY KEY,
    clinic_id       uuid NOT NULL REFERENCES healthcare.clinics (id),
    organization_id uuid NOT NULL REFERENCES core.organizations (id),
    active          boolean NOT NULL DEFAULT true,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS healthcare.conversation_sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    clinic_id       uuid,
    organization_id uuid,
    started_at      timestamptz NOT NULL DEFAULT now()
);

-- One conversation per instance and patient. session_id is varchar in production: see V5.
CREATE TABLE IF NOT EXISTS core.whatsapp_conversations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    instance_name   text NOT NULL,
    patient_key     text NOT NULL,
    clinic_id       uuid,
    organization_id uuid,
    session_id      varchar(255),
    last_message_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT whatsapp_conversations_instance_patient_key UNIQUE (instance_name, patient_key)
);

-- The Python backend had no idempotency: duplicates of (instance_name, whatsapp_message_id) exist
-- in production data. V2 moves them aside before V3 makes the pair unique.
CREATE TABLE IF NOT EXISTS core.whatsapp_messages (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    instance_name       text NOT NULL,
    whatsapp_message_id text NOT NULL,
    organization_id     uuid,
    clinic_id           uuid,
    remote_jid          text,
    from_me             boolean NOT NULL DEFAULT false,
    message_type        text,
    body                text,
    message_timestamp   timestamptz,
    raw                 jsonb,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS healthcare.conversation_logs (
    id         bigserial PRIMARY KEY,
    session_id uuid,
    clinic_id  uuid,
    message_id uuid,
    role       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
