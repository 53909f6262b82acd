package clinic.ingress.warmup;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import clinic.ingress.background.FailureLog;
import clinic.ingress.background.Failures;
import clinic.ingress.clinic.ClinicConfig;
import clinic.ingress.clinic.ClinicDirectory;
import clinic.ingress.clinic.ClinicRepository;
import clinic.ingress.memory.MemoryPrefetch;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;

/**
 * Prewarms the caches before the readiness probe passes: the whole clinic directory goes into the
 * local tier and Redis. Start-up itself is not delayed (liveness is UP at once); readiness reports
 * DOWN with progress until the first warm-up succeeds, and a failed one is retried with backoff.
 */
@ApplicationScoped
public class Warmup {

    private final ClinicRepository repository;
    private final MemoryPrefetch prefetch;
    /** The memory prefetch, started once beside the directory warm-up (it needs nothing of it). */
    private volatile CompletableFuture<Integer> prefetching;
    private final ClinicDirectory directory;
    private final ClinicConfig clinicConfig;
    private final WarmupConfig config;
    private final Background background;
    private final Timer duration;
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicReference<String> lastFailure = new AtomicReference<>();
    private final FailureLog failures = new FailureLog(Warmup.class, "clinic directory warm-up failed");
    private volatile boolean done;
    private volatile long startedAt;
    private volatile WarmupReport last;

    public Warmup(ClinicRepository repository, ClinicDirectory directory, ClinicConfig clinicConfig,
            WarmupConfig config, MeterRegistry registry, MemoryPrefetch prefetch, Background background) {
        this.background = background;
        this.repository = repository;
        this.prefetch = prefetch;
        this.directory = directory;
        this.clinicConfig = clinicConfig;
        this.config = config;
        this.duration = Timer.builder("ingress.warmup.duration")
                .description("Time to load the clinic directory into both cache tiers")
                .register(registry);
        registry.gauge("ingress.warmup.clinics", size);
    }

    void onStart(@Observes StartupEvent event) {
        startedAt = System.nanoTime();
        if (!config.enabled() || !clinicConfig.cacheEnabled()) {
            // Nothing to warm: the directory is read from PostgreSQL (rollback switch) or lazily.
            done = true;
            return;
        }
        prefetching = prefetch.start();
        attempt();
    }

    /** One warm-up; a failed one is tried again after the shared capped backoff, until one succeeds. */
    private void attempt() {
        run()
                // And the memories of recently active patients Redis holds, waited for at most the readiness cap.
                .call(report -> prefetch.awaitCapped(prefetching))
                .subscribe().with(
                        report -> {
                            done = true;
                            failures.recovered();
                        },
                        e -> {
                            int attempt = attempts.incrementAndGet();
                            lastFailure.set(Failures.describe(e));
                            Duration wait = Background.backoff(attempt, config.initialBackoff(), config.maxBackoff());
                            failures.failed(e, "retrying in " + wait + " (not ready meanwhile)");
                            background.after(wait, this::attempt);
                        });
    }

    /** Loads the whole directory into both tiers; also serves {@code POST /admin/warmup/all}. */
    public Uni<WarmupReport> run() {
        long start = System.nanoTime();
        return repository.findAll()
                .call(clinics -> directory.load(clinics, config.pipeline(), config.concurrency()))
                // A database that accepts the query and never answers must not hold readiness forever.
                .ifNoItem().after(config.timeout()).fail()
                .map(clinics -> {
                    long elapsed = System.nanoTime() - start;
                    duration.record(elapsed, TimeUnit.NANOSECONDS);
                    size.set(clinics.size());
                    WarmupReport report = new WarmupReport(clinics.size(), Duration.ofNanos(elapsed).toMillis());
                    last = report;
                    Log.infof("clinic directory warm: %d instances in %d ms", report.clinics(), report.durationMs());
                    return report;
                });
    }

    public boolean done() {
        return done;
    }

    public int attempts() {
        return attempts.get();
    }

    public String lastFailure() {
        return lastFailure.get();
    }

    public long elapsedMs() {
        return last != null ? last.durationMs() : Duration.ofNanos(System.nanoTime() - startedAt).toMillis();
    }

    public int loaded() {
        return size.get();
    }
}
