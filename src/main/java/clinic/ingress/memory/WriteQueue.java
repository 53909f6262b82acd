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
 * others. Bounded twice: in patients ({@code write-queue-capacity}) and in what the texts weigh
 * ({@code write-queue-max-bytes}). The second bound is what keeps a long mem0 outage inside the
 * shipped heap (96 MiB): 10,000 patients' batches of 20 long messages would not fit in it. What
 * either bound turns away is already in the outbox: the memory relay adds it later.
 */
final class WriteQueue {

    /** A String, its array, its id and its places in two lists, beyond the text's two bytes a char. */
    private static final long MESSAGE_OVERHEAD = 96;

    private final FairQueue<UUID, WriteBatch> queue;
    private final ConcurrentHashMap<MemorySubject, WriteBatch> open = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final MemoryConfig.Write config;
    /** Where the ids of what is turned away go ({@link DroppedWrites}: counted, logged, left to the relay). */
    private final Consumer<List<UUID>> deferred;

    WriteQueue(MemoryConfig.Write config, Consumer<List<UUID>> deferred) {
        this.config = config;
        this.deferred = deferred;
        this.queue = new FairQueue<>(batch -> 1, config.writeQueueCapacity(), 1);
    }

    /** Adds a message to its patient's open batch, or hands it to the relay when the texts weigh too much. */
    void add(MemorySubject subject, String text, UUID messageId) {
        if (!reserve(weight(text))) {
            deferred.accept(List.of(messageId));
            return;
        }
        while (true) {
            WriteBatch batch = open.computeIfAbsent(subject, WriteBatch::new);
            boolean first;
            synchronized (batch) {
                if (batch.sealed || batch.texts.size() >= config.writeBatch()) {
                    open.remove(subject, batch);
                    continue;
                }
                batch.texts.add(text);
                batch.messageIds.add(messageId);
                first = batch.texts.size() == 1;
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

    /** Patients the queue can still take: none while what its texts weigh is at its bound. */
    int room() {
        return bytes() >= config.writeQueueMaxBytes().asLongValue() ? 0 : config.writeQueueCapacity() - size();
    }

    int size() {
        synchronized (queue) {
            return queue.size();
        }
    }

    /** What the waiting texts weigh, about as the heap holds them. */
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

    /** Seals the batch, out of the open ones, and gives back what its texts weigh. */
    private void release(WriteBatch batch) {
        close(batch);
        bytes.addAndGet(-weight(batch));
    }

    /** Sealed, so its texts no longer change. */
    private static long weight(WriteBatch batch) {
        long weight = 0;
        synchronized (batch) {
            for (String text : batch.texts) {
                weight += weight(text);
            }
        }
        return weight;
    }

    private static long weight(String text) {
        return MESSAGE_OVERHEAD + 2L * text.length();
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
