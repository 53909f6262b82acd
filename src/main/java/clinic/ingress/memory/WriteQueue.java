package clinic.ingress.memory;

import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import clinic.ingress.fairness.FairQueue;

/**
 * The write-behind's waiting messages: each patient's in one open batch, batches in a lane per
 * organization taken in turn ({@link FairQueue}), so one clinic's burst does not hold back the
 * others. It holds message ids, not texts ({@link StoredTexts}), and is bounded twice: in patients
 * ({@code write-queue-capacity}) and in what the waiting ids weigh ({@code write-queue-max-bytes}),
 * so a long mem0 outage stays a few MiB of the shipped heap whatever the messages say. What either
 * bound turns away is already in the outbox: the memory relay adds it later.
 */
final class WriteQueue {

    /** A message id (a UUID, 32 bytes), its place in the batch's list and a share of the batch. */
    static final long MESSAGE_WEIGHT = 64;

    private final FairQueue<UUID, WriteBatch> queue;
    private final ConcurrentHashMap<MemorySubject, WriteBatch> open = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final MemoryConfig.Write config;
    /** Where the ids of what is turned away go ({@link DroppedWrites}: counted, reported, left to the relay). */
    private final Consumer<List<UUID>> deferred;

    WriteQueue(MemoryConfig.Write config, Consumer<List<UUID>> deferred) {
        this.config = config;
        this.deferred = deferred;
        this.queue = new FairQueue<>(batch -> 1, config.writeQueueCapacity(), 1);
    }

    /** Adds a message to its patient's open batch, or hands it to the relay when the queue weighs too much. */
    void add(MemorySubject subject, UUID messageId) {
        if (!reserve(MESSAGE_WEIGHT)) {
            deferred.accept(List.of(messageId));
            return;
        }
        while (true) {
            WriteBatch batch = open.computeIfAbsent(subject, WriteBatch::new);
            boolean first;
            synchronized (batch) {
                if (batch.sealed || batch.messageIds.size() >= config.writeBatch()) {
                    open.remove(subject, batch);
                    continue;
                }
                batch.messageIds.add(messageId);
                first = batch.messageIds.size() == 1;
            }
            if (first) {
                offer(batch);
            }
            return;
        }
    }

    /** The next batch to send, sealed (no message joins it any more), or null. */
    WriteBatch poll() {
        WriteBatch batch;
        synchronized (queue) {
            batch = queue.poll();
        }
        if (batch != null) {
            release(batch);
        }
        return batch;
    }

    /** A batch whose add failed, queued again for its retry. */
    void requeue(WriteBatch batch) {
        bytes.addAndGet(weight(batch));
        offer(batch);
    }

    /** The batches messages may still join (an erasure seals its patients'). */
    Collection<WriteBatch> open() {
        return open.values();
    }

    /** No more messages join {@code batch}: its patient's next message opens another. */
    void close(WriteBatch batch) {
        synchronized (batch) {
            batch.sealed = true;
        }
        open.remove(batch.subject, batch);
    }

    /** Patients the queue can still take: none while what it holds weighs its bound. */
    int room() {
        return bytes() >= config.writeQueueMaxBytes().asLongValue() ? 0 : config.writeQueueCapacity() - size();
    }

    int size() {
        synchronized (queue) {
            return queue.size();
        }
    }

    /** What the waiting message ids weigh, about as the heap holds them. */
    long bytes() {
        return bytes.get();
    }

    private void offer(WriteBatch batch) {
        FairQueue.Offer<WriteBatch> offer;
        synchronized (queue) {
            offer = queue.offer(batch.subject.organizationId(), batch);
        }
        if (!offer.queued()) {
            drop(batch);
        }
        offer.evicted().forEach(this::drop);
    }

    private void drop(WriteBatch batch) {
        release(batch);
        List<UUID> ids;
        synchronized (batch) {
            ids = List.copyOf(batch.messageIds);
        }
        deferred.accept(ids);
    }

    /** Seals the batch, out of the open ones, and gives back what it weighs. */
    private void release(WriteBatch batch) {
        close(batch);
        bytes.addAndGet(-weight(batch));
    }

    /** Sealed, so its messages no longer change. */
    private static long weight(WriteBatch batch) {
        synchronized (batch) {
            return MESSAGE_WEIGHT * batch.messageIds.size();
        }
    }

    /** Room for {@code weight} more; one message heavier than the whole bound still goes into an empty queue. */
    private boolean reserve(long weight) {
        long held = bytes.addAndGet(weight);
        if (held > config.writeQueueMaxBytes().asLongValue() && held != weight) {
            bytes.addAndGet(-weight);
            return false;
        }
        return true;
    }
}
