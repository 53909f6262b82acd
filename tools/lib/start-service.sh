# Sourced by the memory harnesses (tools/bench/media-burst.sh, tools/flood/flood-unauthenticated.sh):
# starts the service (the native executable in NATIVE_RUNNER, or the packaged jar, built if missing)
# in the dev profile on $port / $management, logging to target/$log_name, stops it on exit, and
# waits until it is ready. Sets $app to its pid. Extra -D options in the array $extra_options.
scripts/services.sh start >/dev/null 2>&1
options=(-Dquarkus.profile=dev -Dquarkus.http.port=$port -Dquarkus.management.port=$management "${extra_options[@]}")
mkdir -p target
if [ -n "${NATIVE_RUNNER:-}" ]; then
  # The run-time options the image ships with (Dockerfile.native's CMD), unless NATIVE_OPTS says otherwise.
  native_options=${NATIVE_OPTS-$(tools/lib/native-options.sh)}
  # shellcheck disable=SC2086
  "$NATIVE_RUNNER" $native_options "${options[@]}" > "target/$log_name" 2>&1 &
else
  [ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
  java "${options[@]}" ${JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar > "target/$log_name" 2>&1 &
fi
app=$!
trap 'kill $app 2>/dev/null; wait $app 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$management/q/health/ready" >/dev/null 2>&1 && break
  kill -0 $app 2>/dev/null || { echo "the service did not start: target/$log_name" >&2; exit 1; }
  sleep 0.5
done
