-- V17: no credential stays stored (issue 21).
--
-- Evolution sends each instance's token in every webhook body (apikey). Until now the whole body
-- was kept: in core.whatsapp_messages.raw (jsonb), its legacy duplicates, and
-- core.webhook_quarantine.raw (bytea, possibly truncated, possibly not JSON at all). Anyone reading
-- a backup could send WhatsApp messages as the clinic. From this version on the service never
-- stores it; this removes what is already there:
--   jsonb rows: the top-level apikey key removed (raw - 'apikey')
--   bytea rows: every "apikey": "..." value replaced by "[removed]", on the bytes in PostgreSQL's
--               escape form (encode(raw, 'escape'): printable ASCII as itself, NUL and high bytes as
--               \nnn), which decode() turns back byte for byte: the rest stays as it was, valid
--               UTF-8 or not, truncated or not, NUL bytes included (text could not hold those)
-- In committed batches along each table's primary key (keyset, so each batch is found at once and
-- no lock is held for long); a row already clean is not rewritten. Re-running is a no-op. Runs
-- outside a transaction (V17__scrub_stored_credentials.sql.conf) because the procedure commits.
--
-- Rollback: none needed (nothing reads the removed values); DROP PROCEDURE core.scrub_stored_credentials;
SET lock_timeout = '5s';
SET statement_timeout = '2h';

CREATE OR REPLACE PROCEDURE core.scrub_stored_credentials(batch_size integer DEFAULT 5000)
LANGUAGE plpgsql AS $$
DECLARE
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
        UPDATE core.whatsapp_messages SET raw = raw - 'apikey'
        WHERE id > last_uuid AND id <= next_uuid AND raw ? 'apikey';
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
        UPDATE core.whatsapp_messages_duplicates SET raw = raw - 'apikey'
        WHERE id > last_uuid AND id <= next_uuid AND raw ? 'apikey';
        last_uuid := next_uuid;
        COMMIT;
    END LOOP;

    LOOP
        SELECT max(id) INTO next_id
        FROM (SELECT id FROM core.webhook_quarantine WHERE id > last_id ORDER BY id LIMIT batch_size) batch;
        EXIT WHEN next_id IS NULL;
        UPDATE core.webhook_quarantine
        SET raw = decode(regexp_replace(encode(raw, 'escape'),
                                        '("[Aa][Pp][Ii]_?[Kk][Ee][Yy]"\s*:\s*")[^"]*(")', '\1[removed]\2', 'g'),
                         'escape')
        WHERE id > last_id AND id <= next_id
          AND encode(raw, 'escape') ~ '"[Aa][Pp][Ii]_?[Kk][Ee][Yy]"\s*:\s*"(?!\[removed\]")';
        last_id := next_id;
        COMMIT;
    END LOOP;
END
$$;

CALL core.scrub_stored_credentials(5000);
