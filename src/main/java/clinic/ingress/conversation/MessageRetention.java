package clinic.ingress.conversation;

import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Deletes messages older than {@code ingress.messages.retention} (off by default: RetentionConfig
 * says why), every {@code retention-interval}: in batches of {@code retention-batch} along the
 * {@code created_at} index, each batch one short transaction that locks only its own rows
 * ({@code FOR UPDATE SKIP LOCKED}, so replicas sweeping at once share the work), with a pause between
 * batches; then conversations idle as long, with their sessions, and the legacy duplicates. Counted
 * in {@code ingress.messages.retention.deleted{what}}.
 */
// Created at start: its meters exist from the first scrape, and its sweep is scheduled.
@Startup
@ApplicationScoped
public class MessageRetention {

    private static final String MESSAGES = """
            WITH old AS (
                SELECT id FROM core.whatsapp_messages
                WHERE created_at < now() - make_interval(secs => $1)
                ORDER BY created_at
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            ), logs AS (
                DELETE FROM healthcare.conversation_logs l USING old WHERE l.message_id = old.id
            ), turns AS (
                DELETE FROM core.turn_outbox t USING old WHERE t.message_id = old.id
            ), adds AS (
                DELETE FROM core.memory_outbox o USING old WHERE o.message_id = old.id
            ), gone AS (
                DELETE FROM core.whatsapp_messages m USING old WHERE m.id = old.id RETURNING 1
            )
            SELECT count(*) FROM gone""";
    /* No index on last_message_at (every message updates it): the scan stops at the batch's last row. */
    private static final String CONVERSATIONS = """
            WITH idle AS (
                SELECT id, session_id FROM core.whatsapp_conversations
                WHERE last_message_at < now() - make_interval(secs => $1)
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            ), gone AS (
                DELETE FROM core.whatsapp_conversations c USING idle WHERE c.id = idle.id RETURNING idle.session_id
            ), logs AS (
                DELETE FROM healthcare.conversation_logs l WHERE l.session_id IN (SELECT session_id FROM gone)
            ), sessions AS (
                DELETE FROM healthcare.conversation_sessions s WHERE s.id IN (SELECT session_id FROM gone)
            )
            SELECT count(*) FROM gone""";
    private static final String DUPLICATES = """
            WITH old AS (
                SELECT id FROM core.whatsapp_messages_duplicates
                WHERE created_at < now() - make_interval(secs => $1)
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            ), gone AS (
                DELETE FROM core.whatsapp_messages_duplicates d USING old WHERE d.id = old.id RETURNING 1
            )
            SELECT count(*) FROM gone""";

    private final Pool pool;
    private final RetentionConfig config;
    private final Background background;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final Counter messages;
    private final Counter conversations;
    private final Counter duplicates;
    private final Counter batches;

    MessageRetention(Pool pool, RetentionConfig config, Background background, MeterRegistry registry) {
        this.pool = pool;
        this.config = config;
        this.background = background;
        this.messages = deleted(registry, "messages");
        this.conversations = deleted(registry, "conversations");
        this.duplicates = deleted(registry, "duplicates");
        this.batches = Counter.builder("ingress.messages.retention.batches")
                .description("Retention delete statements run (each one short transaction)")
                .register(registry);
        config.retention().ifPresent(retention -> {
            if (retention.compareTo(config.minimumRetention()) < 0) {
                throw new IllegalStateException("ingress.messages.retention must be at least "
                        + config.minimumRetention() + " (it is " + retention
                        + "): shorter would delete the messages of conversations still going on");
            }
            background.every(config.retentionInterval(), this::sweep);
        });
    }

    /** One sweep: messages, then conversations, then duplicates, each in batches until one is short. */
    void sweep() {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        double seconds = config.retention().orElseThrow().toMillis() / 1000.0;
        batches(MESSAGES, seconds, messages)
                .chain(() -> batches(CONVERSATIONS, seconds, conversations))
                .chain(() -> batches(DUPLICATES, seconds, duplicates))
                .eventually(() -> sweeping.set(false))
                .subscribe().with(ignored -> {
                }, failure -> Log.warnf("message retention stopped this round (%s); it goes on at the next",
                        Failures.describe(failure)));
    }

    private Uni<Void> batches(String statement, double seconds, Counter deleted) {
        return pool.preparedQuery(statement)
                .execute(Tuple.of(seconds, config.retentionBatch()))
                .map(rows -> rows.iterator().next().getLong(0))
                .chain(count -> {
                    batches.increment();
                    deleted.increment(count);
                    return count < config.retentionBatch() ? Uni.createFrom().voidItem()
                            : background.delay(config.retentionPause()).chain(() -> batches(statement, seconds, deleted));
                });
    }

    private static Counter deleted(MeterRegistry registry, String what) {
        return Counter.builder("ingress.messages.retention.deleted")
                .description("Rows deleted because they were older than ingress.messages.retention")
                .tag("what", what)
                .register(registry);
    }
}
