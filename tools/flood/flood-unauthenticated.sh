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

scripts/services.sh start >/dev/null 2>&1
options=(-Dquarkus.profile=dev -Dquarkus.http.port=$port -Dquarkus.management.port=$management)
mkdir -p target
if [ -n "${NATIVE_RUNNER:-}" ]; then
  "$NATIVE_RUNNER" "${options[@]}" > target/flood-service.log 2>&1 &
else
  [ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
  java "${options[@]}" ${JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar > target/flood-service.log 2>&1 &
fi
app=$!
trap 'kill $app 2>/dev/null; wait $app 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$management/q/health/ready" >/dev/null 2>&1 && break
  kill -0 $app 2>/dev/null || { echo "the service did not start: target/flood-service.log" >&2; exit 1; }
  sleep 0.5
done

python3 tools/flood/flood_unauthenticated.py $app 127.0.0.1 $port "$count" 0.06 "X-Webhook-Token: wrong" >/dev/null
echo "== wrong token header =="
python3 tools/flood/flood_unauthenticated.py $app 127.0.0.1 $port "$count" "$size" "X-Webhook-Token: wrong"
echo
echo "== no credential header (401; with ingress.webhook.instance-apikey-enabled, 413 past its 1 MB limit) =="
python3 tools/flood/flood_unauthenticated.py $app 127.0.0.1 $port "$count" "$size"
