package clinic.ingress.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Marks turns as published in batches: one UPDATE per interval for all turns XADDed meanwhile,
 * instead of one per message on the hot path. A mark lost to a crash only means the relay publishes
 * that turn again, which consumers absorb by deduplicating on turnId.
 */
@ApplicationScoped
public class PublishedMarks {

    private static final String MARK = """
            UPDATE core.whatsapp_messages SET turn_state = 'published'
            WHERE id = ANY($1) AND turn_state = 'pending'""";
    private static final int MAX_BATCH = 2000;

    private final Pool pool;
    private final Vertx vertx;
    private final DispatchConfig config;
    private final ConcurrentLinkedQueue<UUID> published = new ConcurrentLinkedQueue<>();
    private volatile boolean flushing;

    public PublishedMarks(Pool pool, Vertx vertx, DispatchConfig config) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        vertx.setPeriodic(config.markInterval().toMillis(), id -> flush());
    }

    public void add(UUID messageId) {
        published.add(messageId);
    }

    private void flush() {
        if (flushing || published.isEmpty()) {
            return;
        }
        flushing = true;
        List<UUID> batch = new ArrayList<>();
        for (UUID id; batch.size() < MAX_BATCH && (id = published.poll()) != null; ) {
            batch.add(id);
        }
        pool.preparedQuery(MARK)
                .execute(Tuple.of(batch.toArray(UUID[]::new)))
                .subscribe().with(
                        rows -> flushing = false,
                        failure -> {
                            // PostgreSQL unavailable: keep the marks for the next round.
                            published.addAll(batch);
                            flushing = false;
                            Log.debugf("could not mark %d turns published yet", batch.size());
                        });
    }
}
