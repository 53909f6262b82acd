package clinic.ingress.memory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.vertx.mutiny.core.Vertx;

/**
 * Write-behind: each stored inbound message is added to the patient's mem0 memory off the webhook
 * path. A bounded queue feeds a few concurrent adds; failures are retried with exponential backoff,
 * a 429 waits for its {@code Retry-After}; nothing is dropped silently: a message that cannot be
 * queued or added is counted ({@code ingress.memory.writes{outcome=dropped|failed}}) and logged by
 * its id. Because mem0 makes adds searchable only later, the patient's entry is refreshed
 * {@code ingress.memory.refresh-after-write} after a successful add.
 */
@ApplicationScoped
public class MemoryWriter {

    private static final int MAX_IDS_PER_LOG_LINE = 200;

    /** One message to add. */
    record Write(MemorySubject subject, String text, UUID messageId, int attempt) {
    }

    private final Mem0Gateway mem0;
    private final PatientMemory memory;
    private final MemoryConfig config;
    private final Vertx vertx;
    private final ArrayBlockingQueue<Write> queue;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger retrying = new AtomicInteger();
    private final Counter added;
    private final Counter retried;
    private final Counter dropped;
    private final Counter failed;
    private final java.util.concurrent.ConcurrentLinkedQueue<String> droppedIds = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Patients with a refresh already scheduled: one refresh covers every add before it fires. */
    private final java.util.Set<MemorySubject> refreshing = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
        registry.gaugeCollectionSize("ingress.memory.write.queue", java.util.List.of(), queue);
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
        if (!queue.offer(new Write(subject, text, messageId, 1))) {
            drop(messageId);
            return;
        }
        drain();
    }

    public int pending() {
        return queue.size() + active.get() + retrying.get();
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
            Write write = queue.poll();
            if (write == null) {
                active.decrementAndGet();
                return;
            }
            mem0.add(memory.pseudonym(write.subject()), write.text(), write.messageId().toString())
                    .subscribe().with(
                            ignored -> {
                                added.increment();
                                scheduleRefresh(write.subject());
                                done();
                            },
                            failure -> {
                                retryOrGiveUp(write, failure);
                                done();
                            });
        }
    }

    private void done() {
        active.decrementAndGet();
        drain();
    }

    private void retryOrGiveUp(Write write, Throwable failure) {
        if (write.attempt() >= config.writeMaxAttempts()) {
            failed.increment();
            Log.warnf("message %s not added to mem0 after %d attempts (%s)", write.messageId(), write.attempt(),
                    failure.getClass().getSimpleName());
            return;
        }
        retried.increment();
        retrying.incrementAndGet();
        vertx.setTimer(delay(write.attempt(), failure).toMillis(), id -> {
            retrying.decrementAndGet();
            Write next = new Write(write.subject(), write.text(), write.messageId(), write.attempt() + 1);
            if (!queue.offer(next)) {
                drop(write.messageId());
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

    private void drop(UUID messageId) {
        dropped.increment();
        droppedIds.add(messageId.toString());
    }

    /** Logs the ids of the messages dropped since the last report, in lines of at most 200 ids. */
    void reportDropped() {
        List<String> ids = new ArrayList<>();
        for (String id; (id = droppedIds.poll()) != null; ) {
            ids.add(id);
            if (ids.size() == MAX_IDS_PER_LOG_LINE || droppedIds.isEmpty()) {
                Log.warnf("mem0 write queue full (%d): %d messages not added to memory: %s",
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
                .description("mem0 write-behind adds by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }
}
