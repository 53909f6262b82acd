package clinic.ingress.memory;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import clinic.ingress.postgres.OutboxLeases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Adds to mem0 what the write-behind did not: messages whose replica died or restarted, whose add was
 * dropped (queue full) or given up (mem0 down longer than the retries). Every
 * {@code ingress.memory.write-relay-interval} it claims outbox rows past their grace
 * ({@code FOR UPDATE SKIP LOCKED}, so replicas share the work), leases them (growing per claim, so a
 * message mem0 keeps refusing is tried less and less often, never dropped) and queues them in the
 * write-behind, as many as its queue has room for.
 */
@ApplicationScoped
public class MemoryRelay {

    private static final String CLAIM = """
            WITH claimed AS (
                SELECT message_id FROM core.memory_outbox
                WHERE available_at <= now()
                ORDER BY message_id
                LIMIT $1
                FOR UPDATE SKIP LOCKED
            ), leased AS (
                UPDATE core.memory_outbox o
                SET available_at = %s,
                    attempts = o.attempts + 1
                FROM claimed c
                WHERE o.message_id = c.message_id
                RETURNING o.message_id
            )
            SELECT l.message_id, m.organization_id, m.patient_key, m.body
            FROM leased l LEFT JOIN core.whatsapp_messages m ON m.id = l.message_id"""
            .formatted(OutboxLeases.nextAvailable("$2", "$3"));

    private final Pool pool;
    private final MemoryWriter writer;
    private final Mem0Gateway mem0;
    private final MemoryConfig.Write config;
    private final Background background;
    private final Counter recovered;

    public MemoryRelay(Pool pool, MemoryWriter writer, Mem0Gateway mem0, MemoryConfig memorySettings, Background background,
            MeterRegistry registry) {
        this.pool = pool;
        this.writer = writer;
        this.mem0 = mem0;
        this.config = memorySettings.write();
        this.background = background;
        this.recovered = MemoryWriter.counter(registry, "recovered");
    }

    void start(@Observes StartupEvent event) {
        if (!mem0.enabled()) {
            return;
        }
        background.every(config.writeRelayInterval(), this::round);
    }

    /** One claim round; public for the admin endpoint and tests. */
    public void round() {
        int room = Math.min(config.writeRelayBatch(), writer.room());
        if (room <= 0) {
            return;
        }
        pool.preparedQuery(CLAIM)
                .execute(Tuple.of(room, OutboxLeases.seconds(config.writeGrace()),
                        OutboxLeases.seconds(config.writeRelayMaxLease())))
                .subscribe().with(rows -> {
                    for (Row row : rows) {
                        UUID messageId = row.getUUID("message_id");
                        String body = row.getString("body");
                        if (body == null || body.isBlank() || row.getUUID("organization_id") == null) {
                            // Nothing to add (message gone or without text): done with it.
                            writer.markAdded(List.of(messageId));
                            continue;
                        }
                        recovered.increment();
                        writer.enqueue(new MemorySubject(row.getUUID("organization_id"), row.getString("patient_key")),
                                body, messageId);
                    }
                }, failure -> Log.debugf("memory relay round skipped (%s)", Failures.describe(failure)));
    }
}
