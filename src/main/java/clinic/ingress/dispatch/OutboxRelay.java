package clinic.ingress.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import clinic.ingress.memory.MemoryLookup;
import clinic.ingress.memory.PatientMemory;
import clinic.ingress.postgres.OutboxLeases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Publishes turns that were stored but not published (Redis down, a crash between store and
 * publish, a timeout), oldest first, in bounded rounds.
 *
 * <p>
 * Every replica runs it, safely: a round claims its rows ({@code FOR UPDATE SKIP LOCKED}, then a
 * lease written into {@code available_at}), so two replicas never publish the same turn in the same
 * round, and a replica that dies mid-round only delays its rows by the lease. Each claim of a row
 * doubles its lease: a turn that keeps failing is retried ever less often and never holds back the
 * turns behind it. A round in which nothing could be published (Redis down) pauses the relay with
 * backoff. The relay never waits for mem0: a turn goes out with the memory already cached, and its
 * state says which.
 *
 * <p>
 * Why one class of this size: claiming, leasing, backing off and releasing are one protocol over
 * core.turn_outbox; its SQL and the rules that read its results belong together.
 */
@ApplicationScoped
public class OutboxRelay {

    /*
     * The same columns as the store's statement returns (PendingTurn.from). The lease of a row's
     * n-th claim is relay-lease * 2^(n-1), at most relay-max-lease (OutboxLeases).
     */
    private static final String CLAIM = """
            WITH due AS (
                SELECT message_id FROM core.turn_outbox
                WHERE available_at <= now()
                ORDER BY message_id
                LIMIT $1
                FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE core.turn_outbox o
                SET available_at = %s,
                    attempts = o.attempts + 1
                FROM due
                WHERE o.message_id = due.message_id
                RETURNING o.message_id, o.traceparent
            )
            SELECT claimed.message_id, m.id, m.clinic_id, m.organization_id, c.session_id::text AS session_id,
                   m.whatsapp_message_id, m.instance_name, m.patient_key, m.body, m.message_timestamp,
                   m.message_type, m.media::text AS media, claimed.traceparent
            FROM claimed
            LEFT JOIN core.whatsapp_messages m ON m.id = claimed.message_id
            LEFT JOIN core.whatsapp_conversations c ON c.instance_name = m.instance_name AND c.patient_key = m.patient_key
            ORDER BY claimed.message_id""".formatted(OutboxLeases.nextAvailable("$2", "$3"));
    /*
     * Rows an older version left pending on the message row itself (a rolling deploy) join the
     * outbox once that version's own grace has passed. The partial index of V6 makes this free when
     * there are none.
     */
    private static final String ADOPT = """
            WITH adopted AS (
                UPDATE core.whatsapp_messages SET turn_state = 'adopted'
                WHERE id IN (SELECT id FROM core.whatsapp_messages
                             WHERE turn_state = 'pending' AND created_at < now() - make_interval(secs => $1)
                             ORDER BY created_at
                             LIMIT $2
                             FOR UPDATE SKIP LOCKED)
                RETURNING id, created_at
            )
            INSERT INTO core.turn_outbox (message_id, created_at)
            SELECT id, created_at FROM adopted
            ON CONFLICT (message_id) DO NOTHING""";
    private static final String BACKLOG = """
            SELECT count(*), count(*) FILTER (WHERE attempts >= $1),
                   coalesce(extract(epoch FROM now() - min(created_at)), 0)
            FROM core.turn_outbox""";
    private static final String FORGET = "DELETE FROM core.turn_outbox WHERE message_id = $1";
    /*
     * A turn that failed because Redis did is not at fault: its claim is given back at once (the
     * relay's own backoff paces the retries), so it goes out as soon as Redis is back instead of
     * waiting out a lease that grew during the outage.
     */
    private static final String RELEASE = """
            UPDATE core.turn_outbox SET available_at = now(), attempts = greatest(attempts - 1, 0)
            WHERE message_id = ANY($1)""";

    /** What became of one claimed turn. */
    private enum Outcome {
        /** In the stream. */
        PUBLISHED,
        /** The row cannot become a turn, or its patient is being erased: keeps its growing lease. */
        UNPUBLISHABLE,
        /** Redis refused or failed: released at once. */
        FAILED,
        /**
         * Redis did not answer in time: the XADD may still land (and then marks the row itself), so
         * the claim is kept for its lease instead of being released to another relay at once.
         */
        UNCERTAIN
    }

    /** What became of one claimed turn. */
    private record Result(UUID messageId, Outcome outcome) {
    }

    /** What a round did. */
    private record Round(int claimed, Map<Outcome, Long> outcomes) {

        static Round of(List<Result> results) {
            return new Round(results.size(), results.stream()
                    .collect(Collectors.groupingBy(Result::outcome, Collectors.counting())));
        }

        /** Publishing failed for every turn it was given: Redis (or PostgreSQL) is down, not the turns at fault. */
        boolean redisDown() {
            long failed = outcomes.getOrDefault(Outcome.FAILED, 0L) + outcomes.getOrDefault(Outcome.UNCERTAIN, 0L);
            return failed > 0 && outcomes.getOrDefault(Outcome.PUBLISHED, 0L) == 0;
        }
    }

    private final Pool pool;
    private final TurnPublisher publisher;
    private final PatientMemory memory;
    private final DispatchConfig config;
    private final Background background;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong stuck = new AtomicLong();
    private final AtomicLong oldestSeconds = new AtomicLong();
    private final Counter orphans;
    /** Rounds in a row that published nothing: the pause before the next one grows with them. */
    private volatile int pauses;

    public OutboxRelay(Pool pool, TurnPublisher publisher, PatientMemory memory, DispatchConfig config, Background background,
            MeterRegistry registry) {
        this.pool = pool;
        this.publisher = publisher;
        this.memory = memory;
        this.config = config;
        this.background = background;
        registry.gauge("ingress.turns.pending", pending);
        registry.gauge("ingress.turns.stuck", stuck);
        registry.gauge("ingress.turns.pending.oldest.seconds", oldestSeconds);
        this.orphans = Counter.builder("ingress.turns.orphans")
                .description("Outbox rows whose message no longer exists (nothing to publish; removed)")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        background.after(config.relayInterval(), this::round);
    }

    private void round() {
        adopt()
                .chain(this::backlog)
                .chain(this::claimAndPublish)
                .subscribe().with(
                        round -> {
                            if (round.redisDown()) {
                                pause(null);
                                return;
                            }
                            pauses = 0;
                            // A full batch means more are waiting: go on at once.
                            background.after(round.claimed() >= config.relayBatch() ? Duration.ZERO : config.relayInterval(),
                                    this::round);
                        },
                        this::pause);
    }

    /** Nothing could be published (Redis or PostgreSQL down): wait longer each time. */
    private void pause(Throwable failure) {
        Duration pause = Background.backoff(++pauses, config.relayInterval(), config.relayMaxBackoff());
        Log.debugf("turn relay paused %d ms: %s", pause.toMillis(),
                failure == null ? "no turn published" : failure.getClass().getSimpleName());
        background.after(pause, this::round);
    }

    private Uni<Void> adopt() {
        return pool.preparedQuery(ADOPT)
                .execute(Tuple.of(OutboxLeases.seconds(config.relayGrace()), config.relayBatch()))
                .replaceWithVoid();
    }

    private Uni<Void> backlog() {
        return pool.preparedQuery(BACKLOG)
                .execute(Tuple.of(config.relayStuckAttempts()))
                .invoke(rows -> {
                    Row row = rows.iterator().next();
                    pending.set(row.getLong(0));
                    stuck.set(row.getLong(1));
                    oldestSeconds.set(row.getNumeric(2).longValue());
                })
                .replaceWithVoid();
    }

    private Uni<Round> claimAndPublish() {
        if (pending.get() == 0) {
            return Uni.createFrom().item(new Round(0, Map.of()));
        }
        return pool.preparedQuery(CLAIM)
                .execute(Tuple.of(config.relayBatch(), OutboxLeases.seconds(config.relayLease()),
                        OutboxLeases.seconds(config.relayMaxLease())))
                .chain(rows -> {
                    List<Row> claimed = new ArrayList<>();
                    rows.forEach(claimed::add);
                    return Multi.createFrom().iterable(claimed)
                            .onItem().transformToUni(this::publish)
                            .merge(config.relayConcurrency())
                            .collect().asList();
                })
                .call(this::releaseFailed)
                .map(Round::of);
    }

    private Uni<Void> releaseFailed(List<Result> results) {
        UUID[] failed = results.stream().filter(r -> r.outcome() == Outcome.FAILED).map(Result::messageId).toArray(UUID[]::new);
        if (failed.length == 0) {
            return Uni.createFrom().voidItem();
        }
        // If this fails too (PostgreSQL down), the leases run out on their own.
        return pool.preparedQuery(RELEASE)
                .execute(Tuple.of(failed))
                .replaceWithVoid()
                .onFailure().recoverWithNull();
    }

    /** A turn that cannot be published keeps its growing lease; it never fails the round. */
    private Uni<Result> publish(Row row) {
        UUID messageId = row.getUUID("message_id");
        if (row.getUUID("id") == null) {
            return forget(messageId);
        }
        PendingTurn stored = PendingTurn.from(row);
        return memory.cached(stored.subject())
                .onFailure().recoverWithItem(MemoryLookup.NONE)
                .chain(lookup -> publisher.republish(stored, lookup))
                .map(ignored -> new Result(messageId, Outcome.PUBLISHED))
                .onFailure().recoverWithItem(failure -> {
                    Log.debugf("turn %s not relayed: %s", messageId, failure.getClass().getSimpleName());
                    return new Result(messageId, failure instanceof TurnPublisher.Unpublishable
                            || failure instanceof TurnPublisher.Held ? Outcome.UNPUBLISHABLE
                                    : failure instanceof TimeoutException ? Outcome.UNCERTAIN
                                            : Outcome.FAILED);
                });
    }

    /** The message is gone (deleted by hand): there is nothing to publish. */
    private Uni<Result> forget(UUID messageId) {
        Log.warnf("outbox row %s has no message: removed", messageId);
        orphans.increment();
        return pool.preparedQuery(FORGET)
                .execute(Tuple.of(messageId))
                .map(ignored -> new Result(messageId, Outcome.PUBLISHED))
                .onFailure().recoverWithItem(new Result(messageId, Outcome.FAILED));
    }
}
