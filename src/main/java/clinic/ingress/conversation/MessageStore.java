package clinic.ingress.conversation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

import clinic.ingress.background.Background;
import clinic.ingress.clinic.Clinic;
import clinic.ingress.evolution.InboundMessage;
import clinic.ingress.fairness.FairQueue;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Stores each message exactly once, with group commit: concurrent webhooks' messages are written
 * together by {@link MessageBatchWriter}, one statement and one commit per batch. A message that
 * arrives while no batch is running is written at once (or after {@code ingress.store.idle-linger});
 * otherwise a batch is written when it
 * reaches {@code ingress.store.max-batch} messages or its first message has waited
 * {@code ingress.store.linger}, whichever comes first, as long as fewer than
 * {@code ingress.store.max-in-flight} batches are running. Messages arriving while all are running
 * form the next batches, so batches grow with the load and stay at one message when it is light.
 *
 * <p>
 * Fair to every instance: waiting messages queue per instance and batches are filled by deficit
 * round robin ({@link FairQueue}), so a quiet clinic's message joins the next batch whatever another
 * clinic sends. The queue takes everything while it has room ({@code ingress.store.max-queued-bytes}):
 * a burst from one instance is stored, not refused. Only when it is full is a message refused, and
 * only one of the instance holding the most; its answer is 503 with {@code Retry-After}
 * ({@link StoreOverloaded}).
 *
 * <p>
 * A webhook's answer waits for its batch's commit: nothing is acknowledged before it is durable.
 * A caller that gives up (the store timeout) before its message was sent leaves the batch; one that
 * gives up later may find its message stored, which a retry answers as a duplicate.
 */
@ApplicationScoped
public class MessageStore {

    /**
     * Credit a lane gets per round: about one typical message (a text webhook's kept body is 1-2 KB),
     * so a round takes one message from each instance with messages waiting.
     */
    private static final long QUANTUM_BYTES = 2048;

    /** A message waiting for its batch, and the webhook waiting for its answer. */
    private static final class Waiting {
        final NewMessage message;
        final UniEmitter<? super StoredMessage> answer;
        final Context context;
        final long since = System.nanoTime();
        final long weight;
        volatile boolean abandoned;

        Waiting(NewMessage message, UniEmitter<? super StoredMessage> answer, Context context) {
            this.message = message;
            this.answer = answer;
            this.context = context;
            this.weight = message.weight();
        }

        /** Answers on the webhook's own event loop, not on the one that ran the statement. */
        void complete(StoredMessage result) {
            if (context == null) {
                answer.complete(result);
            } else {
                context.runOnContext(ignored -> answer.complete(result));
            }
        }

        void fail(Throwable failure) {
            if (context == null) {
                answer.fail(failure);
            } else {
                context.runOnContext(ignored -> answer.fail(failure));
            }
        }
    }

    private final MessageBatchWriter writer;
    private final StoreConfig config;
    private final Background background;
    private final TimeBasedEpochGenerator ids = Generators.timeBasedEpochGenerator();
    private final ReentrantLock lock = new ReentrantLock();
    private final FairQueue<String, Waiting> queue;
    private int inFlight;
    /** When each batch in flight was sent: one that has not committed after stall-after means a stall. */
    private final Set<long[]> sentAt = ConcurrentHashMap.newKeySet();
    private volatile long lastCommit = System.nanoTime();
    private volatile long lastFailure;
    private boolean timerArmed;
    private final StoreMetrics metrics;

    public MessageStore(MessageBatchWriter writer, StoreConfig config, Background background, MeterRegistry registry) {
        this.writer = writer;
        this.config = config;
        this.background = background;
        this.queue = new FairQueue<>(waiting -> waiting.weight, config.maxQueuedBytes().asLongValue(), QUANTUM_BYTES);
        this.metrics = new StoreMetrics(this, config, registry);
    }

    /**
     * Stores a message; the answer comes once its batch has committed. {@code traceparent} (or null)
     * goes with its turn if the relay has to publish it.
     */
    public Uni<StoredMessage> store(Clinic clinic, InboundMessage message, String traceparent) {
        return Uni.createFrom().emitter(answer -> {
            Waiting waiting = new Waiting(new NewMessage(ids.generate(), clinic, message, traceparent), answer,
                    Vertx.currentContext());
            answer.onTermination(() -> waiting.abandoned = true);
            enqueue(waiting);
        });
    }

    private void enqueue(Waiting waiting) {
        List<Waiting> batch = null;
        boolean armTimer = false;
        Duration linger = Duration.ZERO;
        FairQueue.Offer<Waiting> offer;
        lock.lock();
        try {
            offer = queue.offer(waiting.message.message().instanceName(), waiting);
            if (offer.queued()) {
                // Nothing running: no batch forms behind a running one, so the message waits only the
                // idle linger (none by default). Otherwise it waits up to the linger for company,
                // unless the batch is full.
                linger = inFlight == 0 ? config.idleLinger() : config.linger();
                if (queue.size() >= config.maxBatch() || linger.isZero()) {
                    batch = takeBatch();
                }
                if (!queue.isEmpty() && !timerArmed && !linger.isZero()) {
                    timerArmed = armTimer = true;
                }
            }
        } finally {
            lock.unlock();
        }
        if (!offer.queued()) {
            waiting.fail(new StoreOverloaded());
            return;
        }
        for (Waiting pushedOut : offer.evicted()) {
            pushedOut.fail(new StoreOverloaded());
        }
        if (armTimer) {
            background.after(linger, this::lingerOver);
        }
        send(batch);
    }

    private void lingerOver() {
        List<Waiting> batch;
        lock.lock();
        try {
            timerArmed = false;
            batch = takeBatch();
        } finally {
            lock.unlock();
        }
        send(batch);
    }

    private void batchDone() {
        // Whatever arrived while the batch ran has waited at least that long: send it now.
        List<Waiting> batch;
        lock.lock();
        try {
            inFlight--;
            batch = takeBatch();
        } finally {
            lock.unlock();
        }
        send(batch);
    }

    /** Up to max-batch waiting messages, if a statement slot is free; call holding the lock. */
    private List<Waiting> takeBatch() {
        if (inFlight >= config.maxInFlight() || queue.isEmpty()) {
            return null;
        }
        List<Waiting> batch = new ArrayList<>(Math.min(queue.size(), config.maxBatch()));
        while (batch.size() < config.maxBatch() && !queue.isEmpty()) {
            // Round robin over the instances with messages waiting (deficit round robin by weight).
            Waiting next = queue.poll();
            if (!next.abandoned) {
                batch.add(next);
            }
        }
        if (batch.isEmpty()) {
            return null;
        }
        inFlight++;
        return batch;
    }

    private void send(List<Waiting> batch) {
        if (batch == null) {
            return;
        }
        long sent = System.nanoTime();
        long[] marker = { sent };
        sentAt.add(marker);
        metrics.batchSent(batch.size());
        List<NewMessage> messages = new ArrayList<>(batch.size());
        for (Waiting waiting : batch) {
            metrics.waited(sent - waiting.since);
            messages.add(waiting.message);
        }
        writer.write(messages).subscribe().with(
                results -> {
                    sentAt.remove(marker);
                    lastCommit = System.nanoTime();
                    metrics.written(lastCommit - sent);
                    for (int i = 0; i < batch.size(); i++) {
                        batch.get(i).complete(results.get(i));
                    }
                    batchDone();
                },
                failure -> {
                    sentAt.remove(marker);
                    lastFailure = System.nanoTime();
                    for (Waiting waiting : batch) {
                        waiting.fail(failure);
                    }
                    batchDone();
                });
    }

    /**
     * Whether PostgreSQL looks away: a batch in flight for longer than {@code ingress.store.stall-after},
     * or a batch failed within that time and none has committed since. Messages then go to the spool
     * at once instead of each waiting for the store timeout; after stall-after without a new failure
     * the next message tries the store again, so a recovery is noticed without a probe of its own.
     */
    public boolean stalled() {
        long now = System.nanoTime();
        long stallAfter = config.stallAfter().toNanos();
        if (lastFailure - lastCommit > 0 && now - lastFailure < stallAfter) {
            return true;
        }
        for (long[] marker : sentAt) {
            if (now - marker[0] > stallAfter) {
                return true;
            }
        }
        return false;
    }

    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    long queuedBytes() {
        lock.lock();
        try {
            return queue.weight();
        } finally {
            lock.unlock();
        }
    }

}
