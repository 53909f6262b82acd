package clinic.ingress.memory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import jakarta.inject.Singleton;

import clinic.ingress.background.Background;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;

/**
 * What happens to a mem0 add that failed: tried again after an exponential backoff, or after
 * mem0's own {@code Retry-After} on a 429 (never longer than {@code write-max-backoff}), up to
 * {@code write-max-attempts}; then given up and left to the {@link MemoryRelay}, which adds it from
 * the outbox later. Counted as {@code ingress.memory.writes{outcome=retried|failed}}.
 */
// A singleton, not a client proxy: created with the writer at start, so its meters exist on the first scrape.
@Singleton
class WriteRetries {

    private final MemoryConfig.Write config;
    private final Background background;
    private final AtomicInteger retrying = new AtomicInteger();
    private final Counter retried;
    private final Counter failed;

    WriteRetries(MemoryConfig memorySettings, Background background, MeterRegistry registry) {
        this.config = memorySettings.write();
        this.background = background;
        this.retried = MemoryWriter.counter(registry, "retried");
        this.failed = MemoryWriter.counter(registry, "failed");
        registry.gauge("ingress.memory.write.retrying", retrying);
    }

    /** Hands {@code batch} back to {@code requeue} after its backoff, or gives it up for good. */
    void retryOrGiveUp(WriteBatch batch, Throwable failure, Consumer<WriteBatch> requeue) {
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
            requeue.accept(batch);
        });
    }

    /** Exponential backoff, or mem0's own {@code Retry-After} on a 429, never longer than write-max-backoff. */
    Duration delay(int attempt, Throwable failure) {
        Duration max = config.writeMaxBackoff();
        Duration asked = RetryAfter.of(failure, config.writeInitialBackoff());
        if (asked != null) {
            return asked.compareTo(max) > 0 ? max : asked;
        }
        return Background.backoff(attempt, config.writeInitialBackoff(), max);
    }
}
