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
import jakarta.ws.rs.WebApplicationException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.vertx.mutiny.core.Vertx;

/**
 * Write-behind: each stored inbound message is added to the patient's mem0 memory off the webhook
 * path. Messages are grouped per patient: while a patient's add waits in the bounded queue, later
 * messages of that patient join it, so a chatty patient costs one mem0 call per drain instead of
 * one per message (mem0's hosted add API allows about 1,000 calls a minute). A few adds run at once;
 * failures are retried with exponential backoff, a 429 waits for its {@code Retry-After}; nothing is
 * dropped silently: a message that cannot be queued or added is counted
 * ({@code ingress.memory.writes{outcome=dropped|failed}}) and its id logged, in batched lines.
 * Because mem0 makes adds searchable only later, the patient's entry is refreshed
 * {@code ingress.memory.refresh-after-write} after a successful add, once however many adds.
 */
@ApplicationScoped
public class MemoryWriter {

    private static final int MAX_IDS_PER_LOG_LINE = 200;
    /** Messages per mem0 add; a longer burst continues in the next add. */
    private static final int MAX_BATCH = 20;

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
    private final PatientMemory memory;
    private final MemoryConfig config;
    private final Vertx vertx;
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

    public MemoryWriter(Mem0Gateway mem0, PatientMemory memory, MemoryConfig config, Vertx vertx, MeterRegistry registry) {
        this.mem0 = mem0;
        this.memory = memory;
        this.config = config;
        this.vertx = vertx;
        this.queue = new ArrayBlockingQueue<>(config.writeQueueCapacity());
        this.added = counter(registry, "added");
        this.retried = counter(registry, "retried");
        this.dropped = counter(registry, "dropped");
        this.failed = counter(registry, "failed");
        registry.gaugeCollectionSize("ingress.memory.write.queue", List.of(), queue);
        registry.gauge("ingress.memory.write.retrying", retrying);
        // Under overload thousands of messages can be dropped per second: one WARN line per drop
        // would flood the log on the event loop, so dropped ids are logged in batches.
        vertx.setPeriodic(10_000, id -> reportDropped());
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
                if (batch.sealed || batch.texts.size() >= MAX_BATCH) {
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

    private void drain() {
        while (true) {
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
                                scheduleRefresh(batch.subject);
                                done();
                            },
                            failure -> {
                                retryOrGiveUp(batch, failure);
                                done();
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
            Log.warnf("messages %s not added to mem0 after %d attempts (%s)", batch.messageIds, batch.attempt,
                    failure.getClass().getSimpleName());
            return;
        }
        retried.increment();
        retrying.incrementAndGet();
        vertx.setTimer(delay(batch.attempt, failure).toMillis(), id -> {
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
            vertx.setTimer(config.refreshAfterWrite().toMillis(), id -> {
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
        for (String id; (id = droppedIds.poll()) != null; ) {
            ids.add(id);
            if (ids.size() == MAX_IDS_PER_LOG_LINE || droppedIds.isEmpty()) {
                Log.warnf("mem0 write queue full (%d patients): %d messages not added to memory: %s",
                        config.writeQueueCapacity(), ids.size(), String.join(",", ids));
                ids.clear();
            }
        }
    }

    /** Exponential backoff, or mem0's own {@code Retry-After} on a 429. */
    private Duration delay(int attempt, Throwable failure) {
        if (failure instanceof WebApplicationException http && http.getResponse() != null
                && http.getResponse().getStatus() == 429) {
            String retryAfter = http.getResponse().getHeaderString("Retry-After");
            try {
                if (retryAfter != null) {
                    return Duration.ofSeconds(Math.max(1, Long.parseLong(retryAfter.trim())));
                }
            } catch (NumberFormatException e) {
                // an HTTP date: fall back to backoff
            }
        }
        long backoff = config.writeInitialBackoff().toMillis() << Math.min(attempt - 1, 16);
        return Duration.ofMillis(Math.min(backoff, config.writeMaxBackoff().toMillis()));
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("ingress.memory.writes")
                .description("mem0 write-behind messages by outcome (retried: add calls retried)")
                .tag("outcome", outcome)
                .register(registry);
    }
}
