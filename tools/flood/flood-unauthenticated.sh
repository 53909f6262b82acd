#!/usr/bin/env bash
# Memory figure for issue 11: 50 concurrent unauthenticated 15 MB POSTs against the packaged service
# (dev profile, local PostgreSQL and Redis), once with a wrong token header and once with no
# credential at all. Prints the answers and the service's RSS before and at its peak.
#
#   tools/flood/flood-unauthenticated.sh [N=50] [SIZE_MB=15]
#   NATIVE_RUNNER=path/to/clinic-ingress-*-runner tools/flood/flood-unauthenticated.sh
#                                the same against a native executable instead of the jar
#
# A first round of small unauthenticated POSTs warms the 401 path, so the figure is the bodies' cost,
# not the first requests' class loading and JIT.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-50}
size=${2:-15}
port=18080
management=19000

log_name=flood-service.log
extra_options=()
. tools/lib/start-service.sh

python3 tools/flood/flood_unauthenticated.py $app 127.0.0.1 $port "$count" 0.06 "X-Webhook-Token: wrong" >/dev/null
echo "== wrong token header =="
python3 tools/flood/flood_unauthenticated.py $app 127.0.0.1 $port "$count" "$size" "X-Webhook-Token: wrong"
echo
echo "== no credential header (401; with ingress.webhook.instance-apikey-enabled, 413 past its 1 MB limit) =="
python3 tools/flood/flood_unauthenticated.py $app 127.0.0.1 $port "$count" "$size"
