package clinic.ingress.memory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.platform.Background;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;

/**
 * Write-behind: each stored inbound message is added to the patient's mem0 memory off the webhook
 * path. Messages are grouped per patient: while a patient's add waits in the bounded queue, later
 * messages of that patient join it, so a chatty patient costs one mem0 call per drain instead of
 * one per message (mem0's hosted add API allows about 1,000 calls a minute). A few adds run at once;
 * failures are retried with exponential backoff, a 429 waits for its {@code Retry-After} (capped at
 * write-max-backoff). The queue is only the fast path: every message also has a row in
 * {@code core.memory_outbox} from its store transaction, deleted once mem0 accepted it
 * ({@link AddedMessages}); what is dropped (queue full), given up or lost with the process is added
 * later by {@link MemoryRelay}. Drops and give-ups are counted
 * ({@code ingress.memory.writes{outcome=dropped|failed}}) and their ids logged, in batched lines.
 * Because mem0 makes adds searchable only later, the patient's entry is refreshed
 * {@code ingress.memory.refresh-after-write} after a successful add, once however many adds.
 *
 * <p>
 * Why one class of this size: the per-patient batching, the bounded queue, the retry timers and the
 * write slots share one piece of state (which batch is open, which is being sent); split, each part
 * would have to lock the others'.
 */
// Created at start, not on first use: its meters exist (at 0) on the first scrape, so an
// increase() alert sees the first event after a deploy.
@Startup
@ApplicationScoped
public class MemoryWriter {

    private static final int MAX_IDS_PER_LOG_LINE = 200;

    /** The messages of one patient waiting to be added together. */
    static final class Batch {
        final MemorySubject subject;
        final List<String> texts = new ArrayList<>();
        final List<UUID> messageIds = new ArrayList<>();
        int attempt = 1;
        /** Taken by a sender: no more messages may join. */
        boolean sealed;

        Batch(MemorySubject subject) {
            this.subject = subject;
        }
    }

    private final Mem0Gateway mem0;
    private final AddedMessages addedMessages;
    private volatile boolean stopping;
    private final PatientMemory memory;
    private final MemoryWriteConfig config;
    private final Background background;
    private final ArrayBlockingQueue<Batch> queue;
    private final ConcurrentHashMap<MemorySubject, Batch> open = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger retrying = new AtomicInteger();
    private final Counter added;
    private final Counter retried;
    private final Counter dropped;
    private final Counter failed;
    private final ConcurrentLinkedQueue<String> droppedIds = new ConcurrentLinkedQueue<>();
    /** Patients with a refresh already scheduled: one refresh covers every add before it fires. */
    private final Set<MemorySubject> refreshing = ConcurrentHashMap.newKeySet();

    public MemoryWriter(Mem0Gateway mem0, PatientMemory memory, MemoryWriteConfig config, Background background,
            MeterRegistry registry,
            AddedMessages addedMessages) {
        this.addedMessages = addedMessages;
        this.mem0 = mem0;
        this.memory = memory;
        this.config = config;
        this.background = background;
        this.queue = new ArrayBlockingQueue<>(config.writeQueueCapacity());
        this.added = counter(registry, "added");
        this.retried = counter(registry, "retried");
        this.dropped = counter(registry, "dropped");
        this.failed = counter(registry, "failed");
        registry.gaugeCollectionSize("ingress.memory.write.queue", List.of(), queue);
        registry.gauge("ingress.memory.write.retrying", retrying);
        // Under overload thousands of messages can be dropped per second: one WARN line per drop
        // would flood the log on the event loop, so dropped ids are logged in batches.
        background.every(config.writeDroppedLogInterval(), this::reportDropped);
    }

    /** Queues a message for mem0; never blocks the caller. */
    public void enqueue(MemorySubject subject, String text, UUID messageId) {
        if (!mem0.enabled() || text == null || text.isBlank()) {
            return;
        }
        while (true) {
            Batch batch = open.computeIfAbsent(subject, Batch::new);
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
            if (first && !queue.offer(batch)) {
                synchronized (batch) {
                    batch.sealed = true;
                }
                open.remove(subject, batch);
                drop(batch);
            }
            drain();
            return;
        }
    }

    /** Patients the queue can still take. */
    int room() {
        return queue.remainingCapacity();
    }

    /**
     * Graceful shutdown: no new adds start, the ones in flight finish (within the shutdown timeout),
     * and the outbox rows of every accepted add are deleted, so a clean restart adds nothing twice.
     * What is still queued stays in core.memory_outbox for the memory relay after the restart.
     */
    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        long deadline = System.nanoTime() + config.writeShutdownWait().toNanos();
        while (active.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            addedMessages.flush().await().atMost(config.writeShutdownWait());
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
            if (running >= config.writeConcurrency() || queue.isEmpty()) {
                return;
            }
            if (!active.compareAndSet(running, running + 1)) {
                continue;
            }
            Batch batch = queue.poll();
            if (batch == null) {
                active.decrementAndGet();
                return;
            }
            List<String> texts;
            List<String> ids;
            synchronized (batch) {
                batch.sealed = true;
                texts = List.copyOf(batch.texts);
                ids = batch.messageIds.stream().map(UUID::toString).toList();
            }
            open.remove(batch.subject, batch);
            mem0.add(memory.pseudonym(batch.subject), texts, ids)
                    .subscribe().with(
                            ignored -> {
                                added.increment(texts.size());
                                addedMessages.add(batch.messageIds);
                                scheduleRefresh(batch.subject);
                                done();
                            },
                            failure -> {
                                try {
                                    retryOrGiveUp(batch, failure);
                                } finally {
                                    // Whatever happens in the retry bookkeeping, the write slot is given back.
                                    done();
                                }
                            });
        }
    }

    private void done() {
        active.decrementAndGet();
        drain();
    }

    private void retryOrGiveUp(Batch batch, Throwable failure) {
        if (batch.attempt >= config.writeMaxAttempts()) {
            failed.increment(batch.messageIds.size());
            Log.warnf("messages %s not added to mem0 after %d attempts (%s): left to the memory relay", batch.messageIds,
                    batch.attempt, failure.getClass().getSimpleName());
            return;
        }
        retried.increment();
        retrying.incrementAndGet();
        background.after(delay(batch.attempt, failure), () -> {
            retrying.decrementAndGet();
            batch.attempt++;
            if (!queue.offer(batch)) {
                drop(batch);
            }
            drain();
        });
    }

    private void scheduleRefresh(MemorySubject subject) {
        if (refreshing.add(subject)) {
            background.after(config.refreshAfterWrite(), () -> {
                refreshing.remove(subject);
                memory.refresh(subject);
            });
        }
    }

    private void drop(Batch batch) {
        dropped.increment(batch.messageIds.size());
        batch.messageIds.forEach(id -> droppedIds.add(id.toString()));
    }

    /** Logs the ids of the messages dropped since the last report, in lines of at most 200 ids. */
    void reportDropped() {
        List<String> ids = new ArrayList<>();
        for (String id; (id = droppedIds.poll()) != null;) {
            ids.add(id);
            if (ids.size() == MAX_IDS_PER_LOG_LINE || droppedIds.isEmpty()) {
                Log.warnf("mem0 write queue full (%d patients): %d messages deferred to the memory relay: %s",
                        config.writeQueueCapacity(), ids.size(), String.join(",", ids));
                ids.clear();
            }
        }
    }

    /** Exponential backoff, or mem0's own {@code Retry-After} on a 429, never longer than write-max-backoff. */
    Duration delay(int attempt, Throwable failure) {
        Duration max = config.writeMaxBackoff();
        Duration asked = RetryAfter.of(failure);
        if (asked != null) {
            return asked.compareTo(max) > 0 ? max : asked;
        }
        return Background.backoff(attempt, config.writeInitialBackoff(), max);
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("ingress.memory.writes")
                .description("mem0 write-behind messages by outcome (retried: add calls retried)")
                .tag("outcome", outcome)
                .register(registry);
    }
}
