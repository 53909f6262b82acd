-- The benchmark clinic directory: one organization and :instances clinics, each with its instance
-- bench-1 .. bench-N (the names tools/bench/post-messages.lua sends as). One definition for
-- scripts/bench.sh, scripts/native-check.sh and tools/scale/scale-measure.sh:
--   psql -v instances=200 -d DATABASE -f tools/bench/bench-directory.sql
INSERT INTO core.organizations (id, name) VALUES ('0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01', 'Bench Org');
INSERT INTO healthcare.clinics (id, organization_id, name, whatsapp_number)
SELECT md5('clinic' || g)::uuid, '0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01', 'Bench Clinic ' || g, '55110000' || lpad(g::text, 5, '0')
FROM generate_series(1, :instances) g;
INSERT INTO core.whatsapp_instances (instance_name, clinic_id, organization_id)
SELECT 'bench-' || g, md5('clinic' || g)::uuid, '0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01' FROM generate_series(1, :instances) g;
