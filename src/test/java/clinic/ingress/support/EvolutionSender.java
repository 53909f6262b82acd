package clinic.ingress.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Sends webhooks as Evolution API does (research/evolution-mem0.md §1.3, its
 * {@code webhook.controller.ts}): every event of a burst is POSTed at once, one request each, with
 * no wait between them, and what happens to a failure depends on the version:
 * <ul>
 * <li>{@link Policy#NO_RETRY}: 1.x and 2.x up to 2.2.0. One attempt; anything but a 2xx, a
 * timeout or a broken connection loses the message.</li>
 * <li>{@link Policy#EVOLUTION_2_3}: 2.3.0 and later. Up to 10 attempts; the first retry after 5 s,
 * doubling up to 300 s, each delay jittered by ±20 % and never below 5 s; never retried after 400,
 * 401, 403, 404 or 422; {@code Retry-After} ignored; a 30 s request timeout.</li>
 * </ul>
 * Tests may scale the delays ({@link #delayScale}) so a retry after "5 s" comes sooner; the policy
 * is otherwise Evolution's. Also the load of {@code scripts/bench.sh}'s burst section
 * ({@code clinic.ingress.bench.EvolutionBurst}).
 */
public final class EvolutionSender {

    public enum Policy {
        NO_RETRY(1),
        EVOLUTION_2_3(10);

        final int attempts;

        Policy(int attempts) {
            this.attempts = attempts;
        }
    }

    /** Statuses Evolution 2.3 never retries (WEBHOOK_RETRY_NON_RETRYABLE_STATUS_CODES). */
    private static final Set<Integer> NOT_RETRIED = Set.of(400, 401, 403, 404, 422);
    private static final Duration INITIAL_DELAY = Duration.ofSeconds(5);
    private static final Duration MAX_DELAY = Duration.ofSeconds(300);
    private static final double JITTER = 0.2;

    /**
     * What became of one event.
     *
     * @param statuses the status of every attempt, 0 for a timeout or a broken connection
     * @param acceptedAtNanos when the 2xx came ({@link System#nanoTime()}), or -1
     */
    public record Delivery(List<Integer> statuses, long acceptedAtNanos) {

        public boolean delivered() {
            return acceptedAtNanos >= 0;
        }

        public int attempts() {
            return statuses.size();
        }
    }

    /** A burst's outcome. */
    public record Result(List<Delivery> deliveries, long startedAtNanos) {

        public long lost() {
            return deliveries.stream().filter(d -> !d.delivered()).count();
        }

        public long acceptedFirstTime() {
            return deliveries.stream().filter(d -> d.delivered() && d.attempts() == 1).count();
        }

        public long retried() {
            return deliveries.stream().filter(d -> d.attempts() > 1).count();
        }

        /** From the burst's start to the last 2xx. */
        public Duration lastAcceptedAfter() {
            long last = deliveries.stream().filter(Delivery::delivered).mapToLong(Delivery::acceptedAtNanos).max()
                    .orElse(startedAtNanos);
            return Duration.ofNanos(last - startedAtNanos);
        }

        /** Every attempt's status, counted: {@code {200=600}}, {@code {200=580, 503=20}}. */
        public java.util.Map<Integer, Long> statusCounts() {
            return deliveries.stream().flatMap(d -> d.statuses().stream())
                    .collect(java.util.stream.Collectors.groupingBy(s -> s, java.util.TreeMap::new,
                            java.util.stream.Collectors.counting()));
        }
    }

    private final URI url;
    private final String tokenHeader;
    private final String token;
    private final Policy policy;
    private final Duration timeout;
    private final double delayScale;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "evolution-retries");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param url the webhook URL
     * @param policy which Evolution
     * @param timeout its request timeout (30 s in its code, 60 s in its example env)
     * @param delayScale multiplies every retry delay (1 is Evolution's; tests use less)
     */
    public EvolutionSender(URI url, String tokenHeader, String token, Policy policy, Duration timeout, double delayScale) {
        this.url = url;
        this.tokenHeader = tokenHeader;
        this.token = token;
        this.policy = policy;
        this.timeout = timeout;
        this.delayScale = delayScale;
    }

    /** The test application's sender: the test token, Evolution's 30 s timeout. */
    public static EvolutionSender to(URI url, Policy policy, double delayScale) {
        return new EvolutionSender(url, Evolution.TOKEN_HEADER, Evolution.TOKEN, policy, Duration.ofSeconds(30), delayScale);
    }

    /** POSTs every body at once, retries by the policy, and waits until each is delivered or given up. */
    public Result burst(List<String> bodies) {
        long start = System.nanoTime();
        List<CompletableFuture<Delivery>> all = new ArrayList<>(bodies.size());
        for (String body : bodies) {
            all.add(deliver(body, Collections.synchronizedList(new ArrayList<>())));
        }
        return new Result(all.stream().map(CompletableFuture::join).toList(), start);
    }

    private CompletableFuture<Delivery> deliver(String body, List<Integer> statuses) {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header(tokenHeader, token)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, failure) -> response == null ? 0 : response.statusCode())
                .thenCompose(status -> {
                    statuses.add(status);
                    if (status >= 200 && status < 300) {
                        return CompletableFuture.completedFuture(new Delivery(List.copyOf(statuses), System.nanoTime()));
                    }
                    if (statuses.size() >= policy.attempts || NOT_RETRIED.contains(status)) {
                        return CompletableFuture.completedFuture(new Delivery(List.copyOf(statuses), -1));
                    }
                    CompletableFuture<Delivery> next = new CompletableFuture<>();
                    retries.schedule(() -> deliver(body, statuses).whenComplete((d, f) -> {
                        if (f != null) {
                            next.completeExceptionally(f);
                        } else {
                            next.complete(d);
                        }
                    }), delay(statuses.size()).toNanos(), TimeUnit.NANOSECONDS);
                    return next;
                });
    }

    /** Evolution 2.3's delay before attempt {@code failed + 1}: 5 s doubling to 300 s, ±20 %, never below 5 s. */
    private Duration delay(int failed) {
        double base = Math.min(INITIAL_DELAY.toMillis() * Math.pow(2, failed - 1), MAX_DELAY.toMillis());
        double jittered = base * (1 + ThreadLocalRandom.current().nextDouble(-JITTER, JITTER));
        return Duration.ofMillis((long) (Math.max(INITIAL_DELAY.toMillis(), jittered) * delayScale));
    }
}
