-- The gate of the contract phase (read-only), run by contract_session_id.sh before
-- contract_session_id.sql; psql variables:
--   apply        on or off: only changes the last line printed
--   window_days  how long after V9's swap the legacy column must have been kept
-- Every line must hold, or psql exits with 3 and nothing is changed:
--   * session_id is uuid and its foreign key is validated (V7-V10 applied);
--   * V9 was applied at least window_days ago: the verification window for the Python backend's
--     readers and for anyone comparing old and new values;
--   * every legacy value that is a UUID (any case) equals session_id: the conversion lost nothing.
\set ON_ERROR_STOP on
\pset footer off

SELECT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'core'
                 AND table_name = 'whatsapp_conversations' AND column_name = 'session_id_legacy') AS legacy_present
\gset
\if :legacy_present
\else
\echo 'session_id_legacy is already dropped: nothing to do'
\quit
\endif

SELECT coalesce((SELECT data_type = 'uuid' FROM information_schema.columns WHERE table_schema = 'core'
                   AND table_name = 'whatsapp_conversations' AND column_name = 'session_id'), false) AS uuid_column,
       coalesce((SELECT convalidated FROM pg_constraint
                   WHERE conname = 'whatsapp_conversations_session_id_fkey'), false) AS key_validated,
       (SELECT installed_on FROM core.flyway_schema_history WHERE version = '9' AND success) AS swapped_at,
       coalesce((SELECT installed_on <= now() - make_interval(days => :window_days)
                   FROM core.flyway_schema_history WHERE version = '9' AND success), false) AS window_passed,
       (SELECT count(*) FROM core.whatsapp_conversations
          WHERE session_id_legacy ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            AND session_id IS DISTINCT FROM session_id_legacy::uuid) AS unconverted,
       (SELECT count(*) FROM core.whatsapp_conversations
          WHERE session_id_legacy IS NOT NULL AND lower(session_id_legacy) IS DISTINCT FROM session_id::text) AS to_archive
\gset
\echo '== gate (window' :window_days 'days)'
\echo 'session_id is uuid:                      ' :uuid_column
\echo 'foreign key validated:                   ' :key_validated
\echo 'V9 swap applied at:                      ' :swapped_at
\echo 'verification window passed:              ' :window_passed
\echo 'UUID legacy values not equal session_id: ' :unconverted '(must be 0)'
\echo 'values a uuid cannot hold, to archive:   ' :to_archive

SELECT :'uuid_column'::boolean AND :'key_validated'::boolean AND :'window_passed'::boolean
       AND :unconverted = 0 AS gate_open
\gset
\if :gate_open
\else
-- With ON_ERROR_STOP, psql exits with 3 on this error: the caller sees a closed gate as a failure.
DO $$ BEGIN RAISE EXCEPTION 'gate closed: nothing changed'; END $$;
\endif
\if :apply
\echo 'gate open: archiving and dropping (contract_session_id.sql)'
\else
\echo 'gate open; dry run: nothing changed (run with --apply)'
\endif

