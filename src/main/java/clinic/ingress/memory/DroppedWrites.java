package clinic.ingress.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import jakarta.inject.Singleton;

import clinic.ingress.background.Background;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;

/**
 * Adds the write-behind's full queue turned away (the memory relay adds them from the outbox later):
 * counted as {@code ingress.memory.writes{outcome=dropped}} and their message ids logged. Under
 * overload thousands of messages can be dropped per second: one WARN line per drop would flood the
 * log from the event loop, so ids are logged every {@code write-dropped-log-interval}, at most 200
 * to a line.
 */
// A singleton, not a client proxy: created with the writer at start, so its meters exist on the first scrape.
@Singleton
class DroppedWrites {

    private static final int MAX_IDS_PER_LOG_LINE = 200;

    private final MemoryConfig.Write config;
    private final Counter dropped;
    private final ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();

    DroppedWrites(MemoryConfig memorySettings, Background background, MeterRegistry registry) {
        this.config = memorySettings.write();
        this.dropped = MemoryWriter.counter(registry, "dropped");
        background.every(config.writeDroppedLogInterval(), this::report);
    }

    void add(List<UUID> messageIds) {
        dropped.increment(messageIds.size());
        messageIds.forEach(id -> ids.add(id.toString()));
    }

    /** Logs the ids of the messages dropped since the last report. */
    void report() {
        List<String> line = new ArrayList<>();
        for (String id; (id = ids.poll()) != null;) {
            line.add(id);
            if (line.size() == MAX_IDS_PER_LOG_LINE || ids.isEmpty()) {
                Log.warnf("mem0 write queue full (%d patients or %s of texts): %d messages deferred to the memory relay: %s",
                        config.writeQueueCapacity(), config.writeQueueMaxBytes(), line.size(), String.join(",", line));
                line.clear();
            }
        }
    }
}
