package clinic.ingress.bench;

import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;

/**
 * Open-model load generator for scripts/bench.sh: sends webhooks at a fixed offered rate whatever
 * the service's answers do, and measures each latency from the request's <em>intended</em> send
 * time, so a stall is charged to every request it delayed (no coordinated omission, as in wrk2).
 * wrk2 is not packaged for Debian; this is its method in 100 lines.
 *
 * <pre>
 * OpenLoad host port rate seconds token instances patients runId [firstPatient [warmupSeconds]]
 * </pre>
 *
 * The first {@code warmupSeconds} (default 3) run at the same rate but are not recorded: they open
 * the client's connections and warm both JITs. Prints one JSON line: offered rate, achieved rate,
 * errors and latency percentiles in ms.
 */
public final class OpenLoad {

    private OpenLoad() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        String token = args[4];
        String[] instances = args[5].split(",");
        int patients = Integer.parseInt(args[6]);
        String run = args[7];
        long firstPatient = args.length > 8 ? Long.parseLong(args[8]) : 0;
        int warmupSeconds = args.length > 9 ? Integer.parseInt(args[9]) : 3;

        Vertx vertx = Vertx.vertx();
        // Bounded like a real sender: beyond 128 in flight, requests wait in the client's queue, and
        // that wait counts in their latency (measured from the intended send time).
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(128).setKeepAlive(true)
                .setDefaultHost(host).setDefaultPort(port));
        Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
        AtomicLong errors = new AtomicLong();
        // Worst latency per second of intended send time: shows whether a tail is spread or a stall.
        long[] worstBySecond = new long[seconds + warmupSeconds + 2];
        long warmup = (long) rate * warmupSeconds;
        long total = warmup + (long) rate * seconds;
        CountDownLatch done = new CountDownLatch((int) total);
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long epoch = Instant.now().getEpochSecond();

        long measuredStart = start + warmup * period;
        // OPENLOAD_TRIVIAL=/q/health/live measures the same schedule against a trivial endpoint: the
        // floor that the machine, the generator and the HTTP stack set, whatever the webhook does.
        String trivial = System.getenv("OPENLOAD_TRIVIAL");
        // The body is the same but for the instance, patient and id: build it from fixed parts.
        String head = "{\"event\":\"messages.upsert\",\"instance\":\"";
        String jid = "\",\"data\":{\"key\":{\"remoteJid\":\"55119";
        String key = "@s.whatsapp.net\",\"fromMe\":false,\"id\":\"" + run + "-";
        String tail = "\"},\"message\":{\"conversation\":\"bench message\"},\"messageType\":\"conversation\",\"messageTimestamp\":";
        StringBuilder body = new StringBuilder(320);
        for (long i = 0; i < total; i++) {
            long intended = start + i * period;
            boolean measured = i >= warmup;
            // Sleep until the intended send time (no busy wait: this process shares the machine with
            // the service it measures).
            for (long wait; (wait = intended - System.nanoTime()) > 0;) {
                LockSupport.parkNanos(wait);
            }
            body.setLength(0);
            String patient = Long.toString(firstPatient + i % patients);
            body.append(head).append(instances[(int) (i % instances.length)]).append(jid)
                    .append("0000000", 0, Math.max(0, 7 - patient.length())).append(patient)
                    .append(key).append(i).append(tail).append(epoch + (i / rate)).append("}}");
            Buffer payload = Buffer.buffer(body.toString());
            (trivial == null
                    ? client.request(HttpMethod.POST, "/webhooks/evolution")
                            .compose(request -> request.putHeader("Content-Type", "application/json")
                                    .putHeader("X-Webhook-Token", token)
                                    .send(payload))
                    : client.request(HttpMethod.GET, trivial).compose(request -> request.send()))
                    .compose(response -> response.statusCode() / 100 == 2
                            ? response.body()
                            : response.body().compose(b -> Future.failedFuture("HTTP " + response.statusCode())))
                    .onComplete(result -> {
                        if (measured) {
                            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - intended);
                            synchronized (latency) {
                                latency.recordValue(Math.min(micros, latency.getHighestTrackableValue()));
                                int second = (int) ((intended - start) / 1_000_000_000L);
                                worstBySecond[second] = Math.max(worstBySecond[second], micros);
                            }
                            if (result.failed()) {
                                errors.incrementAndGet();
                            }
                        }
                        done.countDown();
                    });
        }
        boolean finished = done.await(60, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - measuredStart) / 1e9;
        synchronized (latency) {
            System.out.printf(Locale.ROOT,
                    "{\"offered\":%d,\"seconds\":%d,\"sent\":%d,\"completed\":%d,\"achieved\":%.1f,\"errors\":%d,"
                            + "\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f,\"finished\":%b}%n",
                    rate, seconds, total - warmup, latency.getTotalCount(), latency.getTotalCount() / elapsed, errors.get(),
                    latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(90) / 1000.0,
                    latency.getValueAtPercentile(99) / 1000.0, latency.getValueAtPercentile(99.9) / 1000.0,
                    latency.getMaxValue() / 1000.0, finished);
        }
        if (System.getenv("OPENLOAD_SECONDS") != null) {
            StringBuilder series = new StringBuilder("worst ms by second:");
            for (long worst : worstBySecond) {
                series.append(' ').append(worst / 1000);
            }
            System.err.println(series);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        System.exit(0);
    }
}
