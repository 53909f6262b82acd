package clinic.ingress.memory;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.platform.Background;
import clinic.ingress.postgres.OutboxDeletes;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Messages mem0 has accepted leave {@code core.memory_outbox} in one DELETE per 200 ms. A removal
 * lost to a crash only means the memory relay adds that message again (at least once);
 * {@link #flush()} at shutdown makes a clean restart add nothing twice.
 */
@ApplicationScoped
public class AddedMessages {

    private final OutboxDeletes deletes;
    private final Background background;
    private final MemoryWriteConfig config;

    public AddedMessages(Pool pool, Background background, MemoryWriteConfig config) {
        this.deletes = new OutboxDeletes(pool, "core.memory_outbox", "added messages");
        this.background = background;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        background.every(config.writeMarkInterval(), deletes::flushInBackground);
    }

    void add(List<UUID> messageIds) {
        deletes.addAll(messageIds);
    }

    /** Deletes everything recorded so far (graceful shutdown). */
    Uni<Void> flush() {
        return deletes.flush();
    }
}
