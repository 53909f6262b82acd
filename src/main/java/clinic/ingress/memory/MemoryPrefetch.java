package clinic.ingress.memory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Start-up prefetch of the memories of patients who wrote recently (the seed's "smart prefetching"),
 * so their next message is a cache hit. Runs after the clinic directory warm-up; readiness waits for
 * it at most {@code ingress.memory.prefetch-readiness-cap}, and the rest goes on in the background.
 */
@ApplicationScoped
public class MemoryPrefetch {

    private static final String RECENT = """
            SELECT organization_id, patient_key
            FROM core.whatsapp_messages
            WHERE direction = 'inbound' AND organization_id IS NOT NULL AND patient_key IS NOT NULL
              AND created_at > now() - make_interval(secs => $1)
            GROUP BY organization_id, patient_key
            ORDER BY max(created_at) DESC
            LIMIT $2""";

    private final Pool pool;
    private final PatientMemory memory;
    private final MemoryConfig.Prefetch config;

    public MemoryPrefetch(Pool pool, PatientMemory memory, MemoryConfig memorySettings) {
        this.pool = pool;
        this.memory = memory;
        this.config = memorySettings.prefetch();
    }

    /** Starts the prefetch; the returned future completes with the number of patients warmed. */
    public CompletableFuture<Integer> start() {
        if (!memory.enabled() || config.prefetchWindow().isZero() || config.prefetchLimit() <= 0) {
            return CompletableFuture.completedFuture(0);
        }
        long started = System.nanoTime();
        return pool.preparedQuery(RECENT)
                .execute(Tuple.of((double) config.prefetchWindow().toSeconds(), config.prefetchLimit()))
                .map(rows -> {
                    List<MemorySubject> subjects = new ArrayList<>();
                    rows.forEach(row -> subjects.add(new MemorySubject(row.getUUID(0), row.getString(1))));
                    return subjects;
                })
                .chain(subjects -> Multi.createFrom().iterable(subjects)
                        .onItem().transformToUni(memory::warm)
                        .merge(16)
                        .collect().last()
                        .replaceWith(subjects.size()))
                .invoke(count -> Log.infof("prefetched memories of %d recently active patients in %d ms", count,
                        Duration.ofNanos(System.nanoTime() - started).toMillis()))
                .onFailure().invoke(e -> Log.warnf("memory prefetch failed (%s)", e.getClass().getSimpleName()))
                .onFailure().recoverWithItem(0)
                .subscribeAsCompletionStage();
    }

    /** Waits for the prefetch at most the readiness cap (the prefetch itself goes on). */
    public Uni<Integer> awaitCapped(CompletableFuture<Integer> prefetch) {
        return Uni.createFrom().completionStage(prefetch.copy())
                .ifNoItem().after(config.prefetchReadinessCap()).recoverWithItem(-1);
    }
}
