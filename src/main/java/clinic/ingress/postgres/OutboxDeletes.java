package clinic.ingress.postgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import clinic.ingress.background.Background;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Removes done rows from an outbox table ({@code message_id} primary key) in batches: at most one
 * DELETE per round, every {@code interval}, for every id recorded meanwhile (up to 5,000), never a
 * statement per message on the hot path. Ids of a round PostgreSQL refused are kept for the next
 * one; a removal lost to a crash only means the owner's relay does that message's work again (at
 * least once), which consumers absorb by deduplicating on the message id. Both outboxes (turns and
 * memory adds) use it.
 */
public final class OutboxDeletes {

    private static final int MAX_BATCH = 5000;

    private final Pool pool;
    private final Duration timeout;
    private final String delete;
    private final String what;
    private final ConcurrentLinkedQueue<UUID> done = new ConcurrentLinkedQueue<>();
    private volatile boolean flushing;

    private OutboxDeletes(Pool pool, Duration timeout, String table, String what) {
        this.timeout = timeout;
        this.pool = pool;
        this.delete = "DELETE FROM " + table + " WHERE message_id = ANY($1)";
        this.what = what;
    }

    /**
     * Deletes what was recorded every {@code interval}, from now until the application stops.
     *
     * @param timeout how long one DELETE may take before its batch is tried again
     * @param table the outbox, e.g. {@code core.turn_outbox}
     * @param what what its rows are, for the debug line when a round fails
     */
    public static OutboxDeletes every(Duration interval, Duration timeout, Background background, Pool pool, String table,
            String what) {
        OutboxDeletes deletes = new OutboxDeletes(pool, timeout, table, what);
        background.every(interval, deletes::flushInBackground);
        return deletes;
    }

    public void add(UUID messageId) {
        done.add(messageId);
    }

    public void addAll(Collection<UUID> messageIds) {
        done.addAll(messageIds);
    }

    /** One background round: at most one DELETE (one batch), skipped while the previous one runs. */
    private void flushInBackground() {
        if (!flushing) {
            round().subscribe().with(ignored -> {
            }, failure -> {
            });
        }
    }

    /** Deletes everything recorded so far, batch after batch (graceful shutdown). */
    public Uni<Void> flush() {
        return round()
                .chain(() -> done.isEmpty() ? Uni.createFrom().voidItem() : flush());
    }

    private Uni<Void> round() {
        List<UUID> batch = new ArrayList<>();
        for (UUID id; batch.size() < MAX_BATCH && (id = done.poll()) != null;) {
            batch.add(id);
        }
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        flushing = true;
        return pool.preparedQuery(delete)
                .execute(Tuple.of(batch.toArray(UUID[]::new)))
                .ifNoItem().after(timeout).fail()
                .onFailure().invoke(failure -> {
                    done.addAll(batch);
                    Log.debugf("could not remove %d %s from their outbox yet", batch.size(), what);
                })
                .eventually(() -> flushing = false)
                .replaceWithVoid();
    }
}
