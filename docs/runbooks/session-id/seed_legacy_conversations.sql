-- Legacy conversations as the Python backend left them, for the session_id measurements
-- (measure_session_id_fix.sh, measure_contract.sh): psql -v rows=N -f seed_legacy_conversations.sql
-- on a database migrated to V6. 70% UUIDs, 10% upper-case UUIDs, 10% not UUIDs, 10% NULL; half the
-- UUID sessions exist, the rest are dangling references V8 must create.
INSERT INTO core.whatsapp_conversations (instance_name, patient_key, session_id, last_message_at)
SELECT 'legacy', 'p' || g,
       CASE g % 10 WHEN 0 THEN 'sess_' || g WHEN 1 THEN NULL WHEN 2 THEN upper(gen_random_uuid()::text)
                   ELSE gen_random_uuid()::text END,
       now() - (g || ' seconds')::interval
FROM generate_series(1, :rows) g;
INSERT INTO healthcare.conversation_sessions (id)
SELECT session_id::uuid FROM core.whatsapp_conversations
WHERE session_id ~* '^[0-9a-f]{8}-' AND abs(hashtext(patient_key)) % 2 = 0;
