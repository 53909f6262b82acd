-- V4: tell every replica when the clinic directory changes, so cached entries are replaced within
-- milliseconds instead of at TTL. Payloads name an instance or a clinic (never patient data):
--   instance:<instance_name>   a row of core.whatsapp_instances changed (old and new name on rename)
--   clinic:<clinic uuid>       a row of healthcare.clinics changed
-- NOTIFY is transactional: replicas hear of a change only once it is committed.
--
-- Rollback:
--   DROP TRIGGER IF EXISTS whatsapp_instances_notify_directory ON core.whatsapp_instances;
--   DROP TRIGGER IF EXISTS clinics_notify_directory ON healthcare.clinics;
--   DROP FUNCTION IF EXISTS core.notify_clinic_directory();
SET lock_timeout = '5s';
SET statement_timeout = '60s';

CREATE OR REPLACE FUNCTION core.notify_clinic_directory() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'whatsapp_instances' THEN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM pg_notify('clinic_directory', 'instance:' || OLD.instance_name);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM pg_notify('clinic_directory', 'instance:' || NEW.instance_name);
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('clinic_directory', 'clinic:' || OLD.id);
    ELSE
        PERFORM pg_notify('clinic_directory', 'clinic:' || NEW.id);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS whatsapp_instances_notify_directory ON core.whatsapp_instances;
CREATE TRIGGER whatsapp_instances_notify_directory
    AFTER INSERT OR UPDATE OR DELETE ON core.whatsapp_instances
    FOR EACH ROW EXECUTE FUNCTION core.notify_clinic_directory();

DROP TRIGGER IF EXISTS clinics_notify_directory ON healthcare.clinics;
CREATE TRIGGER clinics_notify_directory
    AFTER INSERT OR UPDATE OR DELETE ON healthcare.clinics
    FOR EACH ROW EXECUTE FUNCTION core.notify_clinic_directory();
