package clinic.ingress.memory;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import clinic.ingress.fairness.FairQueue;
import clinic.ingress.postgres.OutboxDeletes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Write-behind: each stored inbound message is added to the patient's mem0 memory off the webhook
 * path. Messages are grouped per patient: while a patient's add waits in the bounded queue, later
 * messages of that patient join it ({@link WriteBatch}), so a chatty patient costs one mem0 call per
 * drain instead of one per message (mem0's hosted add API allows about 1,000 calls a minute). The
 * queue has a lane per organization, taken in turn ({@link FairQueue}): one clinic's burst does not
 * delay another's adds, and when the queue is full the organization holding the most gives way. A
 * few adds run at once; a failed one goes to {@link WriteRetries}, what the full queue turns away to
 * {@link DroppedWrites}. The queue is only the fast path: every message also has a row in
 * {@code core.memory_outbox} from its store transaction, deleted in batches once mem0 accepted it;
 * what is dropped, given up or lost with the process is added later by {@link MemoryRelay}.
 * Because mem0 makes adds searchable only later, the patient's entry is refreshed
 * {@code ingress.memory.refresh-after-write} after a successful add, once however many adds.
 */
// Created at start: its meters exist (at 0) on the first scrape, so increase() alerts see the first event.
@Startup
@ApplicationScoped
public class MemoryWriter {

    private final Mem0Gateway mem0;
    private final PatientMemory memory;
    private final MemoryConfig.Write config;
    private final Background background;
    private final WriteRetries retries;
    /** Outbox rows of the messages mem0 accepted, deleted every {@code write-mark-interval}. */
    private final OutboxDeletes added;
    private volatile boolean stopping;
    /** Completed once stopping and no add is in flight: what a graceful shutdown waits for. */
    private final CompletableFuture<Void> idle = new CompletableFuture<>();
    /** Patients' batches waiting for a write slot, per organization. */
    private final WriteQueue queue;
    private final AtomicInteger active = new AtomicInteger();
    private final Counter addedCount;
    /** Patients with a refresh already scheduled: one refresh covers every add before it fires. */
    private final Set<MemorySubject> refreshing = ConcurrentHashMap.newKeySet();
    private final ErasingPatients erasing;
    private final ErasedWrites erased;
    private final Counter erasedCount;
    private final StoredTexts texts;

    public MemoryWriter(Mem0Gateway mem0, PatientMemory memory, MemoryConfig memorySettings, Background background,
            WriteRetries retries, DroppedWrites dropped, Pool pool, ErasingPatients erasing, MeterRegistry registry) {
        this.mem0 = mem0;
        this.erasing = erasing;
        this.erased = new ErasedWrites(background, memory::pseudonym, erasing.settings());
        this.memory = memory;
        this.config = memorySettings.write();
        this.background = background;
        this.retries = retries;
        this.added = OutboxDeletes.every(config.writeMarkInterval(), config.writeMarkTimeout(), background, pool,
                "core.memory_outbox", "added messages");
        this.queue = new WriteQueue(config, dropped::add);
        this.texts = new StoredTexts(pool);
        this.addedCount = counter(registry, "added");
        this.erasedCount = counter(registry, "erased");
        Gauge.builder("ingress.memory.write.queue", queue, WriteQueue::size)
                .description("Patients whose messages wait for a mem0 add")
                .register(registry);
        Gauge.builder("ingress.memory.write.queue.bytes", queue, WriteQueue::bytes)
                .description("What the message ids waiting for a mem0 add weigh (ingress.memory.write-queue-max-bytes)")
                .register(registry);
    }

    /**
     * Queues a stored message for mem0 (its id: the text is read back when the add is sent); never
     * blocks the caller (a patient being erased: the memory relay's later).
     */
    public void enqueue(MemorySubject subject, String text, UUID messageId) {
        if (!mem0.enabled() || text == null || text.isBlank() || erasing.erasing(subject)) {
            return;
        }
        queue.add(subject, messageId);
        drain();
    }

    /**
     * An erasure of these patients (by pseudonym): their batches are not added, wherever they wait
     * (their outbox rows go with the erasure); answers once mem0 answered their adds already sent,
     * or after {@code wait}, so that none lands after the erasure deleted their memories.
     */
    public Uni<Void> forget(Set<String> pseudonyms, Duration wait) {
        erased.erase(pseudonyms);
        for (WriteBatch batch : queue.open()) {
            // Sealed: a message of the patient after the erasure opens a batch of its own.
            if (erased.erased(batch.subject)) {
                queue.close(batch);
            }
        }
        return erased.answered(pseudonyms, wait);
    }

    /** The outbox rows of these messages can go: mem0 holds them, or there is nothing to add. */
    void markAdded(List<UUID> messageIds) {
        added.addAll(messageIds);
    }

    /** Patients the queue can still take: none while what it holds weighs its bound. */
    int room() {
        return queue.room();
    }

    /**
     * Graceful shutdown: no new adds start, the ones in flight finish (within the shutdown timeout),
     * and the outbox rows of every accepted add are deleted, so a clean restart adds nothing twice.
     * What is still queued stays in core.memory_outbox for the memory relay after the restart.
     */
    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (active.get() == 0) {
            idle.complete(null);
        }
        try {
            // The shutdown thread, not the event loop: it may wait for the adds in flight.
            idle.get(config.writeShutdownWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            Log.warnf("%d mem0 adds still in flight at shutdown: the memory relay adds them after the restart",
                    active.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            added.flush().await().atMost(config.writeShutdownWait());
        } catch (RuntimeException e) {
            Log.warnf("could not record every mem0 add before stopping (%s): those messages may be added again",
                    e.getClass().getSimpleName());
        }
    }

    private void drain() {
        while (true) {
            if (stopping) {
                return;
            }
            int running = active.get();
            if (running >= config.writeConcurrency() || queue.size() == 0) {
                return;
            }
            if (!active.compareAndSet(running, running + 1)) {
                continue;
            }
            WriteBatch batch = queue.poll();
            if (batch == null) {
                active.decrementAndGet();
                return;
            }
            List<UUID> ids;
            synchronized (batch) {
                ids = List.copyOf(batch.messageIds);
            }
            if (erased.since(batch) || erasing.erasing(batch.subject)) {
                // The erasure deletes its outbox rows; a message stored after it is the relay's.
                erasedCount.increment(ids.size());
                active.decrementAndGet();
                continue;
            }
            String pseudonym = memory.pseudonym(batch.subject);
            erased.sending(pseudonym, send(pseudonym, ids))
                    .subscribe().with(
                            sent -> {
                                addedCount.increment(sent);
                                added.addAll(ids);
                                scheduleRefresh(batch.subject);
                                done();
                            },
                            failure -> {
                                try {
                                    retries.retryOrGiveUp(batch, failure, this::requeue);
                                } finally {
                                    // Whatever happens in the retry bookkeeping, the write slot is given back.
                                    done();
                                }
                            });
        }
    }

    /** The batch's texts, read back, in one add; the number of messages sent (none without text). */
    private Uni<Integer> send(String pseudonym, List<UUID> ids) {
        return texts.read(ids)
                .chain(found -> found.texts().isEmpty()
                        ? Uni.createFrom().item(0)
                        : mem0.add(pseudonym, found.texts(), found.messageIds()).replaceWith(found.texts().size()));
    }

    private void done() {
        if (active.decrementAndGet() == 0 && stopping) {
            idle.complete(null);
        }
        drain();
    }

    private void requeue(WriteBatch batch) {
        queue.requeue(batch);
        drain();
    }

    private void scheduleRefresh(MemorySubject subject) {
        if (refreshing.add(subject)) {
            background.after(config.refreshAfterWrite(), () -> {
                refreshing.remove(subject);
                memory.refresh(subject);
            });
        }
    }

    /** {@code ingress.memory.writes{outcome}}: one meter name for every part of the write-behind. */
    static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("ingress.memory.writes")
                .description("mem0 write-behind messages by outcome (retried: add calls retried)")
                .tag("outcome", outcome)
                .register(registry);
    }
}
