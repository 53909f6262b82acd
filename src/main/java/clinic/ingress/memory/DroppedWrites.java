package clinic.ingress.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Singleton;

import clinic.ingress.background.Background;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;

/**
 * Adds the write-behind's full queue turned away (the memory relay adds them from the outbox later):
 * counted as {@code ingress.memory.writes{outcome=dropped}} and reported in one WARN line every
 * {@code write-dropped-log-interval}: how many, and the ids of the first few. Not every id: under a
 * mem0 backlog thousands are deferred a second, and logging them all (250 lines of 200 ids every 10
 * s in the benchmark) stalled the event loop that wrote them and, held as strings until then, was
 * promoted and compacted by the native executable's collector. The complete list is the outbox
 * itself ({@code core.memory_outbox}), which is what the relay reads.
 */
// A singleton, not a client proxy: created with the writer at start, so its meters exist on the first scrape.
@Singleton
class DroppedWrites {

    /** Ids named in a report line: enough to follow a few messages through the relay. */
    static final int SAMPLE = 20;

    private final MemoryConfig.Write config;
    private final Counter dropped;
    private final AtomicLong sinceReport = new AtomicLong();
    private final ConcurrentLinkedQueue<UUID> sample = new ConcurrentLinkedQueue<>();

    DroppedWrites(MemoryConfig memorySettings, Background background, MeterRegistry registry) {
        this.config = memorySettings.write();
        this.dropped = MemoryWriter.counter(registry, "dropped");
        background.every(config.writeDroppedLogInterval(), this::report);
    }

    void add(List<UUID> messageIds) {
        dropped.increment(messageIds.size());
        for (UUID id : messageIds) {
            if (sinceReport.getAndIncrement() < SAMPLE) {
                sample.add(id);
            }
        }
    }

    /** Reports the messages deferred since the last report, if any. */
    void report() {
        long count = sinceReport.getAndSet(0);
        List<String> ids = new ArrayList<>(SAMPLE);
        for (UUID id; ids.size() < SAMPLE && (id = sample.poll()) != null;) {
            ids.add(id.toString());
        }
        if (count == 0 && ids.isEmpty()) {
            return;
        }
        Log.warnf("mem0 write queue full (%d patients or %d bytes of message ids): %d messages deferred to the memory "
                + "relay in the last %s, waiting in core.memory_outbox; the first %d: %s", config.writeQueueCapacity(),
                config.writeQueueMaxBytes().asLongValue(), Math.max(count, ids.size()), config.writeDroppedLogInterval(),
                ids.size(), String.join(",", ids));
    }
}
