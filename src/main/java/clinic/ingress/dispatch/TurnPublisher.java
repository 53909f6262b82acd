package clinic.ingress.dispatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import clinic.ingress.memory.ErasingPatients;
import clinic.ingress.memory.MemoryLookup;
import clinic.ingress.memory.PatientMemory;
import clinic.ingress.postgres.OutboxDeletes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Builds turns from stored messages and publishes them to the Redis Stream with {@code XADD}
 * (trimmed by {@link StreamTrimmer}, never at XADD), in the patient's partition ({@link TurnStreams}).
 * Turns published at about the same moment (a batch of webhooks answered together) go to Redis as
 * one pipelined batch per stream: one write and one read instead of one per turn, and each batch
 * names keys of one slot, as a Redis Cluster requires. With {@code ingress.dispatch.replica-acks}
 * the batch ends with {@code WAIT}, so a turn leaves the outbox only once a replica holds it.
 * The turn is already durable in the outbox, so a failed publish is not an error for the webhook:
 * the relay retries it. A published turn leaves the outbox in the next batched delete, every
 * {@code mark-interval} ({@link OutboxDeletes}).
 *
 * <p>
 * Why one class of this size: the batch being gathered, the connection it goes out on and the
 * per-stream WAIT pause are one piece of state touched only on the flush context; split, each part
 * would need the others' context to stay lock-free. What stands alone is apart ({@link Turn},
 * {@link TurnSeal}, {@link TurnStreams}, {@link StreamTrimmer}).
 */
// Created at start, not on first use: its meters exist (at 0) on the first scrape, so an
// increase() alert sees the first event after a deploy.
@Startup
@ApplicationScoped
public class TurnPublisher {

    /** A stored row that cannot become a turn (legacy data without a clinic, say): Redis is not to blame. */
    static final class Unpublishable extends RuntimeException {
        Unpublishable(Throwable cause) {
            super("the stored message cannot become a turn: " + cause.getClass().getSimpleName(), cause, false, false);
        }
    }

    /** The patient is being erased: the turn stays in the outbox, and goes with the erasure. */
    static final class Held extends RuntimeException {
        Held() {
            super("the patient is being erased", null, false, false);
        }
    }

    /** A turn waiting for the next pipelined batch, and whoever waits for its XADD. */
    private record Outgoing(UUID messageId, String stream, Request xadd, UniEmitter<? super Void> done) {
    }

    private final Redis redis;
    /**
     * The publisher's own connection, held across batches: Redis Cluster's connection-less mode
     * borrows a pooled connection to every node for each command, which under a burst queues
     * pipelines for seconds. Touched on the flush context only; dropped (and reopened) on any failure.
     */
    private Uni<RedisConnection> connection;
    private RedisConnection held;
    /** Per stream: until when pipelines skip WAIT because its master had no replica to answer it. */
    private final Map<String, Long> waitSkippedUntil = new ConcurrentHashMap<>();
    private final DispatchConfig config;
    private final TurnStreams streams;
    private final OutboxDeletes published;
    private final PatientMemory memory;
    private final TurnSeal seal;
    private final ErasingPatients erasing;
    private final Context flushContext;
    private final ConcurrentLinkedQueue<Outgoing> outgoing = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final Counter direct;
    private final Counter relayed;
    private final Counter failed;
    private final Counter unreplicated;

    public TurnPublisher(ReactiveRedisDataSource redis, DispatchConfig config, TurnStreams streams,
            Pool pool, Background background, PatientMemory memory, TurnSeal seal, ErasingPatients erasing, Vertx vertx,
            MeterRegistry registry) {
        this.seal = seal;
        this.erasing = erasing;
        this.redis = redis.getRedis();
        this.config = config;
        this.streams = streams;
        this.published = OutboxDeletes.every(config.markInterval(), config.markTimeout(), background, pool, "core.turn_outbox",
                "published turns");
        this.memory = memory;
        this.flushContext = vertx.getOrCreateContext();
        this.direct = counter(registry, "direct");
        this.relayed = counter(registry, "relay");
        this.failed = Counter.builder("ingress.turns.publish.failures")
                .description("XADDs that failed; the relay publishes those turns later")
                .register(registry);
        this.unreplicated = Counter.builder("ingress.turns.unreplicated")
                .description("Turns published while no replica acknowledged them within replica-ack-timeout")
                .register(registry);
    }

    /** Publishes right after the store, in the background; the webhook never waits for it. */
    public void publishAfterStore(PendingTurn stored, MemoryLookup lookup, String traceparent, Runnable done) {
        if (erasing.erasing(stored.subject())) {
            // Stored just before the erasure began: its row goes with the patient's other rows.
            done.run();
            return;
        }
        publish(stored, lookup, traceparent)
                .invoke(() -> direct.increment())
                .eventually(done)
                .subscribe().with(ignored -> {
                }, failure -> {
                    failed.increment();
                    // The turn is in the outbox: the relay publishes it. Ids only, never content.
                    Log.debugf("turn %s not published after the store (%s): left to the relay",
                            stored.messageId(), Failures.describe(failure));
                });
    }

    /** Publishes for the relay, with the webhook's trace context kept on the outbox row; fails when Redis does. */
    Uni<Void> republish(PendingTurn stored, MemoryLookup lookup) {
        return publish(stored, lookup, stored.traceparent())
                .invoke(() -> relayed.increment())
                .onFailure().invoke(() -> failed.increment());
    }

    private Uni<Void> publish(PendingTurn stored, MemoryLookup lookup, String traceparent) {
        String stream;
        Request xadd;
        try {
            String patient = memory.pseudonym(stored.subject());
            if (erasing.erasing(patient)) {
                return Uni.createFrom().failure(new Held());
            }
            stream = streams.of(patient);
            xadd = xadd(stream, seal.apply(stream, new Turn(stored, patient, lookup, traceparent).fields()));
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(new Unpublishable(e));
        }
        UUID messageId = stored.messageId();
        return Uni.createFrom().<Void> emitter(done -> {
            outgoing.add(new Outgoing(messageId, stream, xadd, done));
            scheduleFlush();
        })
                // The caller stops waiting here; the turn is marked published whenever Redis answers (send()).
                .ifNoItem().after(config.publishTimeout()).fail();
    }

    private static Request xadd(String stream, Map<String, String> fields) {
        // No MAXLEN: trimming at XADD would drop turns the assistant has not read (StreamTrimmer).
        Request xadd = Request.cmd(Command.XADD).arg(stream)
                .arg("*");
        fields.forEach((name, value) -> xadd.arg(name).arg(value));
        return xadd;
    }

    /** One flush per event-loop turn, however many turns were published during it. */
    private void scheduleFlush() {
        if (flushScheduled.compareAndSet(false, true)) {
            flushContext.runOnContext(ignored -> flush());
        }
    }

    private void flush() {
        flushScheduled.set(false);
        List<Outgoing> batch = new ArrayList<>();
        for (Outgoing next; batch.size() < config.pipeline() && (next = outgoing.poll()) != null;) {
            batch.add(next);
        }
        if (!outgoing.isEmpty()) {
            scheduleFlush();
        }
        batch.stream()
                .collect(Collectors.groupingBy(Outgoing::stream, LinkedHashMap::new, Collectors.toList()))
                .values()
                .forEach(this::send);
    }

    /** One stream's turns: one slot, so one pipeline even on a Redis Cluster. */
    private void send(List<Outgoing> turns) {
        String stream = turns.get(0).stream();
        List<Request> requests = new ArrayList<>(turns.size() + 1);
        turns.forEach(turn -> requests.add(turn.xadd()));
        int acks = config.replicaAcks();
        boolean waitForReplicas = acks > 0 && System.nanoTime() >= waitSkippedUntil.getOrDefault(stream, 0L);
        if (waitForReplicas) {
            // Runs on the same connection right after the XADDs: answers once `acks` replicas hold them.
            requests.add(Request.cmd(Command.WAIT).arg(acks).arg(config.replicaAckTimeout().toMillis()));
        }
        connection()
                .chain(held -> held.batch(requests)
                        // A connection that stops answering (a Redis paused or cut off without a
                        // reset) is replaced instead of holding every later batch behind it.
                        .ifNoItem().after(config.publishStallTimeout()).fail()
                        .onFailure().invoke(failure -> drop(held)))
                .subscribe().with(
                        responses -> {
                            if (acks > 0 && !waitForReplicas) {
                                unreplicated.increment(turns.size());
                            } else if (waitForReplicas && responses.get(responses.size() - 1).toInteger() < acks) {
                                unreplicated.increment(turns.size());
                                // The master has no replica to wait for (just failed over, say): every
                                // WAIT would hold this connection for the whole timeout, and the
                                // pipelines behind it. Ask again a little later.
                                waitSkippedUntil.put(stream, System.nanoTime() + config.unreplicatedPause().toNanos());
                            }
                            // Marked here, not by the waiting caller: an XADD answered after the caller
                            // gave up is still in the stream, and its outbox row must go, or the relay
                            // would publish the turn a second time.
                            turns.forEach(turn -> published.add(turn.messageId()));
                            turns.forEach(turn -> turn.done().complete(null));
                        },
                        failure -> {
                            Log.debugf("XADD pipeline of %d turns to %s failed (%s)", turns.size(), stream,
                                    Failures.describe(failure));
                            turns.forEach(turn -> turn.done().fail(failure));
                        });
    }

    private Uni<RedisConnection> connection() {
        if (connection == null) {
            connection = redis.connect()
                    // A server that accepts the socket but never answers must not hold the publisher.
                    .ifNoItem().after(config.publishTimeout()).fail()
                    .invoke(opened -> {
                        held = opened;
                        opened.exceptionHandler(failure -> drop(opened));
                        opened.endHandler(() -> drop(opened));
                    })
                    .onFailure().invoke(() -> connection = null)
                    .memoize().indefinitely();
        }
        return connection;
    }

    /** Forgets a connection that failed, so the next batch opens a new one (on the flush context). */
    private void drop(RedisConnection failed) {
        flushContext.runOnContext(ignored -> {
            // Several failures report the same connection: it is forgotten and closed once.
            if (held == failed) {
                held = null;
                connection = null;
                // The Vert.x connection itself, not the Mutiny wrapper: a connection ended by the
                // application's shutdown lands here too, when the wrapper's context propagation can
                // no longer reach CDI ("No CDI container" after shutdown).
                failed.getDelegate().close();
            }
        });
    }

    private static Counter counter(MeterRegistry registry, String path) {
        return Counter.builder("ingress.turns.published")
                .description("Turns published to the stream, right after the store or by the relay")
                .tag("path", path)
                .register(registry);
    }
}
