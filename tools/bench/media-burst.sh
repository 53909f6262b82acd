#!/usr/bin/env bash
# Memory figure for the real-traffic issue: 16 concurrent authenticated 12 MiB media webhooks
# (Evolution's webhook_base64: an image under data.message.base64) against the packaged service
# (dev profile, local PostgreSQL and Redis). Bodies answered 503 (ingress.webhook.max-inflight-bytes)
# or 429 are sent again after their Retry-After, as Evolution does, until every one is stored.
# Prints the answers and the service's RSS before and at its peak.
#
#   tools/bench/media-burst.sh [N=16] [SIZE_MB=12]
#   NATIVE_RUNNER=path/to/clinic-ingress-*-runner tools/bench/media-burst.sh
#                                the same against a native executable instead of the jar
#   JAVA_OPTS=-Xmx512m tools/bench/media-burst.sh      the JVM with options (default: none, as shipped)
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-16}
size=${2:-12}
port=18081
management=19001
instance=media-burst

log_name=media-burst-service.log
extra_options=(-Dquarkus.log.category.clinic.ingress.level=INFO)
. tools/lib/start-service.sh
# The instance the bodies name, in the dev directory (kept between runs).
PGPASSWORD=${PGPASSWORD:-postgres} psql -h 127.0.0.1 -U postgres -d clinic_ingress -qX <<'SQL'
INSERT INTO core.organizations (id, name) VALUES ('6d1c3f0e-8a2b-4c5d-9e7f-0a1b2c3d4e5f', 'Media Burst Org') ON CONFLICT DO NOTHING;
INSERT INTO healthcare.clinics (id, organization_id, name, whatsapp_number)
VALUES ('7e2d4a1f-9b3c-4d6e-8f0a-1b2c3d4e5f60', '6d1c3f0e-8a2b-4c5d-9e7f-0a1b2c3d4e5f', 'Media Burst Clinic', '5511900000099')
ON CONFLICT DO NOTHING;
INSERT INTO core.whatsapp_instances (instance_name, clinic_id, organization_id)
VALUES ('media-burst', '7e2d4a1f-9b3c-4d6e-8f0a-1b2c3d4e5f60', '6d1c3f0e-8a2b-4c5d-9e7f-0a1b2c3d4e5f') ON CONFLICT DO NOTHING;
SQL
sleep 1
python3 tools/bench/media_burst.py $app 127.0.0.1 $port $instance "${INGRESS_WEBHOOK_TOKEN:-dev-webhook-token}" "$count" "$size"
