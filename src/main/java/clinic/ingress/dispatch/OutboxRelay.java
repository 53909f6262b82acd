package clinic.ingress.dispatch;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.memory.MemoryLookup;
import clinic.ingress.memory.MemorySubject;
import clinic.ingress.memory.PatientMemory;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Publishes turns that were stored but never confirmed in the stream (Redis down, a crash between
 * store and publish, a timeout): oldest first, in bounded batches, backing off while Redis fails.
 * Every replica runs it; a turn published twice is deduplicated by consumers on turnId.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final String PENDING = """
            SELECT m.id, m.whatsapp_message_id, m.instance_name, m.clinic_id, m.organization_id, m.patient_key,
                   m.body, m.message_timestamp, c.session_id::text AS session_id
            FROM core.whatsapp_messages m
            LEFT JOIN core.whatsapp_conversations c ON c.instance_name = m.instance_name AND c.patient_key = m.patient_key
            WHERE m.turn_state = 'pending' AND m.created_at < now() - make_interval(secs => $1)
            ORDER BY m.created_at
            LIMIT $2""";
    private static final String BACKLOG = """
            SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)
            FROM core.whatsapp_messages WHERE turn_state = 'pending'""";

    private final Pool pool;
    private final TurnPublisher publisher;
    private final PatientMemory memory;
    private final DispatchConfig config;
    private final Vertx vertx;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong oldestSeconds = new AtomicLong();
    private volatile long backoffMs;
    private volatile boolean stopped;

    public OutboxRelay(Pool pool, TurnPublisher publisher, PatientMemory memory, DispatchConfig config, Vertx vertx,
            MeterRegistry registry) {
        this.pool = pool;
        this.publisher = publisher;
        this.memory = memory;
        this.config = config;
        this.vertx = vertx;
        registry.gauge("ingress.turns.pending", pending);
        registry.gauge("ingress.turns.pending.oldest.seconds", oldestSeconds);
    }

    void start(@Observes StartupEvent event) {
        schedule(config.relayInterval().toMillis());
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
    }

    private void schedule(long delayMs) {
        if (!stopped) {
            vertx.setTimer(Math.max(1, delayMs), id -> round());
        }
    }

    private void round() {
        backlog()
                .chain(this::publishPending)
                .subscribe().with(
                        published -> {
                            backoffMs = 0;
                            // A full batch means more are waiting: go on at once.
                            schedule(published >= config.relayBatch() ? 1 : config.relayInterval().toMillis());
                        },
                        failure -> {
                            backoffMs = Math.min(config.relayMaxBackoff().toMillis(),
                                    Math.max(config.relayInterval().toMillis(), backoffMs * 2));
                            Log.debugf("turn relay paused %d ms: %s", backoffMs, failure.getClass().getSimpleName());
                            schedule(backoffMs);
                        });
    }

    private Uni<Void> backlog() {
        return pool.query(BACKLOG)
                .execute()
                .invoke(rows -> {
                    Row row = rows.iterator().next();
                    pending.set(row.getLong(0));
                    oldestSeconds.set(row.getNumeric(1).longValue());
                })
                .replaceWithVoid();
    }

    /** Number of turns published this round. */
    private Uni<Integer> publishPending() {
        if (pending.get() == 0) {
            return Uni.createFrom().item(0);
        }
        return pool.preparedQuery(PENDING)
                .execute(Tuple.of((double) config.relayGrace().toMillis() / 1000, config.relayBatch()))
                .map(rows -> {
                    List<Row> list = new ArrayList<>();
                    rows.forEach(list::add);
                    return list;
                })
                // In order, stopping at the first failure: oldest first, and no hammering a dead Redis.
                .chain(rows -> Multi.createFrom().iterable(rows)
                        .onItem().transformToUniAndConcatenate(this::republish)
                        .collect().with(java.util.stream.Collectors.counting())
                        .map(Long::intValue));
    }

    private Uni<Void> republish(Row row) {
        MemorySubject subject = new MemorySubject(row.getUUID("organization_id"), row.getString("patient_key"));
        return memory.lookup(subject)
                .onFailure().recoverWithItem(MemoryLookup.NONE)
                .chain(lookup -> publisher.republish(new Turn(
                        row.getUUID("id"),
                        row.getUUID("clinic_id"),
                        row.getUUID("organization_id"),
                        row.getString("session_id"),
                        row.getUUID("id"),
                        row.getString("whatsapp_message_id"),
                        row.getString("instance_name"),
                        memory.pseudonym(subject),
                        row.getString("body"),
                        row.getOffsetDateTime("message_timestamp") != null ? row.getOffsetDateTime("message_timestamp")
                                : OffsetDateTime.now(),
                        lookup)));
    }

}
