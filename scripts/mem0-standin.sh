#!/usr/bin/env bash
# Starts the local mem0 STAND-IN (WireMock standalone with canned answers, see
# scripts/mem0-standin/README.md) on 127.0.0.1:${MEM0_STANDIN_PORT:-8091}, in the background.
# Prints its PID. Not mem0: nothing it returns is real.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${MEM0_STANDIN_PORT:-8091}
jar=target/tools/wiremock-standalone-3.13.2.jar
if [ ! -f "$jar" ]; then
  ./mvnw -B -q dependency:copy -Dartifact=org.wiremock:wiremock-standalone:3.13.2 -DoutputDirectory=target/tools >&2
fi
java -Xmx256m -jar "$jar" --port "$port" --bind-address 127.0.0.1 --root-dir scripts/mem0-standin \
  --disable-banner --async-response-enabled true --container-threads 100 > target/mem0-standin.log 2>&1 &
pid=$!
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$port/__admin/mappings" >/dev/null 2>&1 && break
  sleep 0.5
done
echo "$pid"
