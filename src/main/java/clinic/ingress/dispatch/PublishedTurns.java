package clinic.ingress.dispatch;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.platform.Background;
import clinic.ingress.postgres.OutboxDeletes;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Published turns leave {@code core.turn_outbox} in one batched DELETE per {@code mark-interval}. A
 * removal lost to a crash only means the relay publishes that turn again, which consumers absorb by
 * deduplicating on turnId.
 */
@ApplicationScoped
public class PublishedTurns {

    private final OutboxDeletes deletes;
    private final Background background;
    private final DispatchConfig config;

    public PublishedTurns(Pool pool, Background background, DispatchConfig config) {
        this.deletes = new OutboxDeletes(pool, "core.turn_outbox", "published turns");
        this.background = background;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        background.every(config.markInterval(), deletes::flushInBackground);
    }

    void add(UUID messageId) {
        deletes.add(messageId);
    }
}
