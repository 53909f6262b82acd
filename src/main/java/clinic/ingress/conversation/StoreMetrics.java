package clinic.ingress.conversation;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of {@link MessageStore}'s group commit: batch size, how long a message waited for its
 * batch, how long a batch took to commit (boundaries: metrics.Histograms), and the queue's depth,
 * weight and limit.
 */
final class StoreMetrics {

    private final DistributionSummary batchSize;
    private final Timer batchWait;
    private final Timer batchWrite;

    StoreMetrics(MessageStore store, StoreConfig config, MeterRegistry registry) {
        this.batchSize = DistributionSummary.builder("ingress.store.batch.size")
                .description("Messages per store statement (group commit)")
                .register(registry);
        this.batchWait = Timer.builder("ingress.store.batch.wait")
                .description("Time a message waited for its batch to be sent")
                .register(registry);
        this.batchWrite = Timer.builder("ingress.store.batch.write")
                .description("Time from sending a batch to its commit")
                .register(registry);
        Gauge.builder("ingress.store.queued", store, MessageStore::queued)
                .description("Messages waiting for a batch")
                .register(registry);
        Gauge.builder("ingress.store.queued.bytes", store, MessageStore::queuedBytes)
                .description("Weight of the messages waiting for a batch (their kept bodies and text)")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("ingress.store.queue.limit.bytes", config, c -> c.maxQueuedBytes().asLongValue())
                .description("ingress.store.max-queued-bytes: beyond it the instance holding the most is refused")
                .baseUnit("bytes")
                .register(registry);
    }

    void batchSent(int messages) {
        batchSize.record(messages);
    }

    void waited(long nanos) {
        batchWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    void written(long nanos) {
        batchWrite.record(nanos, TimeUnit.NANOSECONDS);
    }
}
