package clinic.ingress.memory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.platform.Background;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Removes messages mem0 has accepted from {@code core.memory_outbox}, in one DELETE per 200 ms for
 * every add meanwhile. A removal lost to a crash only means the memory relay adds that message again
 * (at least once); {@link #flush()} at shutdown makes a clean restart add nothing twice.
 */
@ApplicationScoped
public class AddedMessages {

    private static final String DELETE = "DELETE FROM core.memory_outbox WHERE message_id = ANY($1)";
    private static final int MAX_BATCH = 5000;

    private final Pool pool;
    private final Background background;
    private final ConcurrentLinkedQueue<UUID> added = new ConcurrentLinkedQueue<>();
    private volatile boolean flushing;

    public AddedMessages(Pool pool, Background background) {
        this.pool = pool;
        this.background = background;
    }

    void start(@Observes StartupEvent event) {
        background.every(Duration.ofMillis(200), () -> {
            if (!flushing) {
                flush().subscribe().with(ignored -> {
                }, failure -> {
                });
            }
        });
    }

    void add(List<UUID> messageIds) {
        added.addAll(messageIds);
    }

    /** Deletes everything recorded so far; failed rounds keep their ids for the next one. */
    Uni<Void> flush() {
        List<UUID> batch = new ArrayList<>();
        for (UUID id; batch.size() < MAX_BATCH && (id = added.poll()) != null; ) {
            batch.add(id);
        }
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        flushing = true;
        return pool.preparedQuery(DELETE)
                .execute(Tuple.of(batch.toArray(UUID[]::new)))
                .ifNoItem().after(Duration.ofSeconds(5)).fail()
                .onFailure().invoke(failure -> {
                    added.addAll(batch);
                    Log.debugf("could not remove %d added messages from the memory outbox yet", batch.size());
                })
                .eventually(() -> flushing = false)
                .replaceWithVoid()
                .chain(() -> added.isEmpty() ? Uni.createFrom().voidItem() : flush());
    }
}
