-- Demo clinic directory for scripts/run.sh: one organization, two clinics, two Evolution instances.
-- Fixed ids so re-running changes nothing. Not a migration: production directories come from the
-- clinics' own data.
INSERT INTO core.organizations (id, name)
VALUES ('0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01', 'Demo Dental Group')
ON CONFLICT (id) DO NOTHING;

INSERT INTO healthcare.clinics (id, organization_id, name, whatsapp_number)
VALUES ('5b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a11', '0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01', 'Clinica Sorriso Centro', '5511988887777'),
       ('5b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a12', '0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01', 'Clinica Sorriso Norte', '5511988886666')
ON CONFLICT (id) DO NOTHING;

-- api_key_sha256 = sha256('demo-instance-token'), for the optional body-apikey authentication.
INSERT INTO core.whatsapp_instances (instance_name, clinic_id, organization_id, api_key_sha256)
VALUES ('clinica-sorriso-centro', '5b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a11', '0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01',
        encode(sha256('demo-instance-token'::bytea), 'hex')),
       ('clinica-sorriso-norte', '5b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a12', '0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01',
        encode(sha256('demo-instance-token'::bytea), 'hex'))
ON CONFLICT (instance_name) DO NOTHING;
