package clinic.ingress.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Start-up prefetch of the memories of patients who wrote recently (the seed's "smart prefetching"),
 * so their next message is a cache hit. Two phases: what the shared Redis tier holds fresh is read
 * into this replica's local tier, which is what readiness waits for (at most
 * {@code ingress.memory.prefetch-readiness-cap}); the patients Redis holds nothing fresh for are then
 * fetched from mem0 in the background, 16 at a time, without holding readiness: mem0 takes seconds
 * a search, and a restart finds the memories already in Redis. A patient whose entry is stale is
 * served it within the lookup budget meanwhile.
 */
@ApplicationScoped
public class MemoryPrefetch {

    /**
     * The patients among the newest {@code prefetch-scan} inbound messages, most recent first. Read
     * backwards along the created_at index and stopped there, so the query costs the same at any
     * message volume (grouping the whole window took 1.25 s over 2.4 million rows, and readiness
     * waited for it). The window is applied after the limit: inside it, a stale histogram of
     * created_at made the planner sort the whole table instead.
     */
    private static final String RECENT = """
            SELECT organization_id, patient_key
            FROM (SELECT organization_id, patient_key, created_at
                  FROM core.whatsapp_messages
                  WHERE direction = 'inbound' AND organization_id IS NOT NULL AND patient_key IS NOT NULL
                  ORDER BY created_at DESC
                  LIMIT $3) newest
            WHERE created_at > now() - make_interval(secs => $1)
            GROUP BY organization_id, patient_key
            ORDER BY max(created_at) DESC
            LIMIT $2""";
    /** Redis reads and mem0 searches in flight while prefetching. */
    private static final int CONCURRENCY = 16;

    private final Pool pool;
    private final PatientMemory memory;
    private final MemoryTiers tiers;
    private final PatientKeys keys;
    private final Freshness freshness;
    private final ErasingPatients erasing;
    private final MemoryConfig.Prefetch config;
    private final Background background;
    /** The mem0 phase, cancelled at shutdown. */
    private volatile Cancellable mem0Phase;

    public MemoryPrefetch(Pool pool, PatientMemory memory, MemoryTiers tiers, PatientKeys keys, ErasingPatients erasing,
            MemoryConfig memorySettings, Background background) {
        this.background = background;
        this.pool = pool;
        this.memory = memory;
        this.tiers = tiers;
        this.keys = keys;
        this.erasing = erasing;
        this.freshness = Freshness.of(memorySettings);
        this.config = memorySettings.prefetch();
    }

    /**
     * Starts the prefetch; the returned future completes once the Redis tier has been read (with the
     * number of patients found there fresh), while the mem0 phase goes on.
     */
    public CompletableFuture<Integer> start() {
        if (!memory.enabled() || config.prefetchWindow().isZero() || config.prefetchLimit() <= 0
                || config.prefetchScan() <= 0) {
            return CompletableFuture.completedFuture(0);
        }
        long started = System.nanoTime();
        return pool.preparedQuery(RECENT)
                .execute(Tuple.of((double) config.prefetchWindow().toSeconds(), config.prefetchLimit(), config.prefetchScan()))
                .map(rows -> {
                    List<MemorySubject> subjects = new ArrayList<>();
                    rows.forEach(row -> subjects.add(new MemorySubject(row.getUUID(0), row.getString(1))));
                    return subjects;
                })
                .chain(subjects -> Multi.createFrom().iterable(subjects)
                        .onItem().transformToUni(this::fromRedis)
                        .merge(CONCURRENCY)
                        .collect().asList()
                        .invoke(missing -> {
                            Log.infof("prefetched memories of %d of %d recently active patients from Redis in %d ms; "
                                    + "%d asked of mem0 in the background", subjects.size() - missing.size(), subjects.size(),
                                    Duration.ofNanos(System.nanoTime() - started).toMillis(), missing.size());
                            fromMem0(missing);
                        })
                        .map(missing -> subjects.size() - missing.size()))
                .onFailure().invoke(e -> Log.warnf("memory prefetch failed (%s)", e.getClass().getSimpleName()))
                .onFailure().recoverWithItem(0)
                .subscribeAsCompletionStage();
    }

    /**
     * Shutdown: the mem0 phase stops, lookups in flight included. Left to finish, a search answered
     * after the Redis client closed would write its entry into a closed connection (the vertx-redis
     * client asserts that no command is pending when a connection ends).
     */
    void stop(@Observes ShutdownEvent event) {
        Cancellable phase = mem0Phase;
        if (phase != null) {
            phase.cancel();
        }
    }

    /** Waits for the Redis phase at most the readiness cap (the prefetch itself goes on). */
    public Uni<Integer> awaitCapped(CompletableFuture<Integer> prefetch) {
        return Uni.createFrom().completionStage(prefetch.copy())
                .ifNoItem().after(config.prefetchReadinessCap()).recoverWithItem(-1);
    }

    /** The patient's fresh Redis entry, kept locally; the patient itself (null item) when mem0 must be asked. */
    private Uni<MemorySubject> fromRedis(MemorySubject subject) {
        if (erasing.erasing(subject)) {
            return Uni.createFrom().nullItem();
        }
        String key = keys.memory(subject.organizationId(), subject.patientKey());
        return tiers.shared(key, config.prefetchRedisTimeout())
                .map(entry -> {
                    if (entry != null && freshness.fresh(entry, 0, Instant.now())) {
                        tiers.keepLocal(key, entry);
                        return null;
                    }
                    return subject;
                });
    }

    private void fromMem0(List<MemorySubject> missing) {
        if (missing.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        mem0Phase = Multi.createFrom().iterable(missing)
                // The mem0 phase may still run when the application stops: it asks nothing more then,
                // rather than reach for beans and connections already closed.
                .select().where(ignored -> !background.stopped())
                .onItem().transformToUni(memory::warm)
                .merge(CONCURRENCY)
                .collect().last()
                .subscribe().with(ignored -> Log.infof("prefetched memories of %d patients from mem0 in %d ms", missing.size(),
                        Duration.ofNanos(System.nanoTime() - started).toMillis()),
                        e -> {
                            if (!background.stopped()) {
                                Log.warnf("memory prefetch from mem0 stopped (%s)", e.getClass().getSimpleName());
                            }
                        });
    }
}
