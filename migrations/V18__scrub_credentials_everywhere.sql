-- V18: stored credentials scrubbed by the rules new writes follow (issue 30).
--
-- V17 removed the top-level "apikey" of stored messages and every "apikey": "..." value of
-- quarantined bodies whose value ended in a quote. New writes drop apikey and api_key at any depth
-- and in any case, and blank a value cut off where a kept body was truncated. This scrubs what
-- is already stored by the same rules:
--   jsonb rows (core.whatsapp_messages.raw and its legacy duplicates): every key whose lower-case
--               name is apikey or api_key, at any depth, in objects inside arrays too
--   bytea rows (core.webhook_quarantine.raw): every "apikey"/"api_key" value in any case replaced by
--               "[removed]", up to its closing quote or, cut off by truncation, to the end; on the
--               escape form as V17 did, so every other byte stays as it was
-- In committed batches along each table's primary key; a row already clean is not rewritten;
-- re-running is a no-op. Runs outside a transaction (V18__scrub_credentials_everywhere.sql.conf).
--
-- Rollback: nothing reads the removed values. DROP PROCEDURE core.scrub_credentials_everywhere;
-- DROP FUNCTION core.without_credentials(jsonb);
SET lock_timeout = '5s';
SET statement_timeout = '2h';

CREATE OR REPLACE FUNCTION core.without_credentials(value jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE jsonb_typeof(value)
        WHEN 'object' THEN coalesce(
            (SELECT jsonb_object_agg(key, core.without_credentials(child))
             FROM jsonb_each(value) AS field (key, child)
             WHERE lower(key) NOT IN ('apikey', 'api_key')),
            '{}'::jsonb)
        WHEN 'array' THEN coalesce(
            (SELECT jsonb_agg(core.without_credentials(child) ORDER BY position)
             FROM jsonb_array_elements(value) WITH ORDINALITY AS element (child, position)),
            '[]'::jsonb)
        ELSE value
    END
$$;

CREATE OR REPLACE PROCEDURE core.scrub_credentials_everywhere(batch_size integer DEFAULT 5000)
LANGUAGE plpgsql AS $$
DECLARE
    credential constant text := '"[Aa][Pp][Ii]_?[Kk][Ee][Yy]"';
    last_uuid uuid;
    next_uuid uuid;
    last_id bigint := 0;
    next_id bigint;
BEGIN
    last_uuid := '00000000-0000-0000-0000-000000000000';
    LOOP
        SELECT id INTO next_uuid
        FROM (SELECT id FROM core.whatsapp_messages WHERE id > last_uuid ORDER BY id LIMIT batch_size) batch
        ORDER BY id DESC
        LIMIT 1;
        EXIT WHEN next_uuid IS NULL;
        -- The text test finds the candidates cheaply; the comparison skips rows with nothing to remove.
        UPDATE core.whatsapp_messages SET raw = core.without_credentials(raw)
        WHERE id > last_uuid AND id <= next_uuid AND raw::text ~ credential
          AND core.without_credentials(raw) IS DISTINCT FROM raw;
        last_uuid := next_uuid;
        COMMIT;
    END LOOP;

    last_uuid := '00000000-0000-0000-0000-000000000000';
    LOOP
        SELECT id INTO next_uuid
        FROM (SELECT id FROM core.whatsapp_messages_duplicates WHERE id > last_uuid ORDER BY id LIMIT batch_size) batch
        ORDER BY id DESC
        LIMIT 1;
        EXIT WHEN next_uuid IS NULL;
        UPDATE core.whatsapp_messages_duplicates SET raw = core.without_credentials(raw)
        WHERE id > last_uuid AND id <= next_uuid AND raw::text ~ credential
          AND core.without_credentials(raw) IS DISTINCT FROM raw;
        last_uuid := next_uuid;
        COMMIT;
    END LOOP;

    LOOP
        SELECT max(id) INTO next_id
        FROM (SELECT id FROM core.webhook_quarantine WHERE id > last_id ORDER BY id LIMIT batch_size) batch;
        EXIT WHEN next_id IS NULL;
        UPDATE core.webhook_quarantine
        SET raw = decode(regexp_replace(encode(raw, 'escape'),
                                        '(' || credential || '\s*:\s*")[^"]*("|$)', '\1[removed]\2', 'g'),
                         'escape')
        WHERE id > last_id AND id <= next_id
          AND encode(raw, 'escape') ~ (credential || '\s*:\s*"(?!\[removed\]("|$))');
        last_id := next_id;
        COMMIT;
    END LOOP;
END
$$;

CALL core.scrub_credentials_everywhere(5000);
