package clinic.ingress.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.platform.Background;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Removes published turns from the outbox in batches: one DELETE per interval for every turn XADDed
 * meanwhile, never a statement per message on the hot path. A removal lost to a crash only means the
 * relay publishes that turn again, which consumers absorb by deduplicating on turnId.
 */
@ApplicationScoped
public class PublishedTurns {

    private static final String DELETE = "DELETE FROM core.turn_outbox WHERE message_id = ANY($1)";
    private static final int MAX_BATCH = 5000;

    private final Pool pool;
    private final Background background;
    private final DispatchConfig config;
    private final ConcurrentLinkedQueue<UUID> published = new ConcurrentLinkedQueue<>();
    private volatile boolean flushing;

    public PublishedTurns(Pool pool, Background background, DispatchConfig config) {
        this.pool = pool;
        this.background = background;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        background.every(config.markInterval(), this::flush);
    }

    void add(UUID messageId) {
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
        pool.preparedQuery(DELETE)
                .execute(Tuple.of(batch.toArray(UUID[]::new)))
                .subscribe().with(
                        rows -> flushing = false,
                        failure -> {
                            // PostgreSQL unavailable: keep them for the next round.
                            published.addAll(batch);
                            flushing = false;
                            Log.debugf("could not remove %d published turns from the outbox yet", batch.size());
                        });
    }
}
