package clinic.ingress.bench;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import clinic.ingress.support.Evolution;

/**
 * The steady load of tools/chaos/chaos.sh: an open model at a fixed rate of new messages, each sent
 * to the replicas in turn the way a load balancer and Evolution would: a connection failure or a 5xx
 * is retried one second later on the next replica, up to 12 times (Evolution retries 5xx for about
 * 20 minutes; the chaos run compresses that). Writes one line per attempt and per acknowledged
 * message to OUT:
 *
 * <pre>
 * attempt,SENT_MS,STATUS,LATENCY_MS      (STATUS 0: no answer)
 * ack,FIRST_SENT_MS,WHATSAPP_ID,MESSAGE_ID,ANSWER   (ANSWER accepted|duplicate|...)
 * lost,FIRST_SENT_MS,WHATSAPP_ID                    (never acknowledged)
 * </pre>
 *
 * usage: ChaosLoad RATE SECONDS TOKEN INSTANCES(comma) PORTS(comma) OUT
 */
public final class ChaosLoad {

    private static final int ATTEMPTS = 12;

    private ChaosLoad() {
    }

    public static void main(String[] args) throws Exception {
        int rate = Integer.parseInt(args[0]);
        int seconds = Integer.parseInt(args[1]);
        String token = args[2];
        List<String> instances = List.of(args[3].split(","));
        List<Integer> ports = Arrays.stream(args[4].split(",")).map(Integer::parseInt).toList();
        Path out = Path.of(args[5]);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .executor(Executors.newFixedThreadPool(8)).build();
        ScheduledExecutorService clock = Executors.newScheduledThreadPool(2);
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> messages = new CopyOnWriteArrayList<>();
        try (PrintWriter log = new PrintWriter(Files.newBufferedWriter(out), true)) {
            long start = System.nanoTime();
            long total = (long) rate * seconds;
            for (long i = 0; i < total; i++) {
                long due = start + i * 1_000_000_000L / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                int n = next.getAndIncrement();
                String instance = instances.get(n % instances.size());
                String phone = "55119" + String.format("%08d", n % 500);
                Evolution event = Evolution.text(instance, phone, "chaos message " + n).id("CHAOS" + n + "X" + start);
                CompletableFuture<Void> done = new CompletableFuture<>();
                messages.add(done);
                send(http, clock, log, ports, event, n, 1, System.currentTimeMillis(), token, done);
            }
            CompletableFuture.allOf(messages.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        } finally {
            clock.shutdownNow();
        }
        System.exit(0);
    }

    private static void send(HttpClient http, ScheduledExecutorService clock, PrintWriter log, List<Integer> ports,
            Evolution event, int n, int attempt, long firstSent, String token, CompletableFuture<Void> done) {
        int port = ports.get((n + attempt - 1) % ports.size());
        long sent = System.currentTimeMillis();
        long t0 = System.nanoTime();
        http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/evolution"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header(Evolution.TOKEN_HEADER, token)
                .POST(HttpRequest.BodyPublishers.ofString(event.json())).build(), HttpResponse.BodyHandlers.ofString())
                .whenComplete((response, failure) -> {
                    long latency = (System.nanoTime() - t0) / 1_000_000;
                    int status = failure != null ? 0 : response.statusCode();
                    synchronized (log) {
                        log.println("attempt," + sent + "," + status + "," + latency);
                    }
                    if (status >= 200 && status < 300) {
                        String body = response.body();
                        synchronized (log) {
                            log.println("ack," + firstSent + "," + event.id() + "," + field(body, "messageId") + ","
                                    + field(body, "status"));
                        }
                        done.complete(null);
                    } else if (attempt < ATTEMPTS && (status == 0 || status >= 500)) {
                        clock.schedule(() -> send(http, clock, log, ports, event, n, attempt + 1, firstSent, token, done),
                                1, TimeUnit.SECONDS);
                    } else {
                        synchronized (log) {
                            log.println("lost," + firstSent + "," + event.id());
                        }
                        done.complete(null);
                    }
                });
    }

    private static String field(String json, String name) {
        int at = json.indexOf("\"" + name + "\":\"");
        if (at < 0) {
            return "-";
        }
        int from = at + name.length() + 4;
        return json.substring(from, json.indexOf('"', from));
    }

}
