-- :count messages stored 400 days ago, with their log rows, in 100 conversations idle as long: what
-- message retention (ingress.messages.retention=365d) deletes. One statement: a sweep sees all or none.
--   psql -v count=100000 -d DATABASE -f tools/bench/old-messages.sql
WITH conv AS (
    INSERT INTO core.whatsapp_conversations (instance_name, patient_key, clinic_id, organization_id, last_message_at, created_at)
    SELECT 'bench-1', 'old-' || g, md5('clinic1')::uuid, '0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01',
           now() - interval '400 days', now() - interval '400 days'
    FROM generate_series(1, 100) g
    RETURNING id
), msg AS (
    INSERT INTO core.whatsapp_messages (instance_name, whatsapp_message_id, organization_id, clinic_id, patient_key, body,
        raw, message_timestamp, created_at)
    SELECT 'bench-1', 'old-' || g, '0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01', md5('clinic1')::uuid, 'old-' || (g % 100 + 1),
           'mensagem antiga ' || g, jsonb_build_object('data', jsonb_build_object('message', 'mensagem antiga ' || g)),
           now() - interval '400 days', now() - interval '400 days' + g * interval '100 milliseconds'
    FROM generate_series(1, :count) g
    RETURNING id, created_at
)
INSERT INTO healthcare.conversation_logs (message_id, clinic_id, role, created_at)
SELECT id, md5('clinic1')::uuid, 'patient', created_at FROM msg;
