package clinic.ingress.conversation;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Group commit of messages ({@code ingress.store.*}): concurrent webhooks' messages are written
 * together, one statement and one commit per batch.
 */
@ConfigMapping(prefix = "ingress.store")
public interface StoreConfig {

    /**
     * Most messages in one statement. Measured with pgbench on this schema (2 cores): 50 messages per
     * statement store about 3x the rows per second of one message per statement.
     */
    @WithDefault("100")
    int maxBatch();

    /**
     * How long the first message of a batch waits for others before the batch is written (unless it
     * fills first). Zero writes as soon as a statement slot is free. Under load batches form while
     * the statements in flight run, so the linger only matters when traffic is light.
     */
    @WithDefault("1ms")
    Duration linger();

    /**
     * How long a message that arrives while no batch is running waits for company. Zero (the
     * default) writes it at once: the lowest latency. A few milliseconds here batch moderate load
     * too: at 1,000 msg/s, 2 ms cut commits per message from 0.80 to 0.55 (5 ms: 0.43) and added that
     * much to p50, while PostgreSQL's CPU per message stayed within the noise (docs/benchmarks.md,
     * "PostgreSQL per message"). Worth it where each commit is expensive (network storage's fsync),
     * not for CPU.
     */
    @WithDefault("0ms")
    Duration idleLinger();

    /**
     * Batch statements running at once; messages arriving meanwhile form the next batches.
     * PostgreSQL runs a statement on one core: two or more in flight keep it busy while the service
     * encodes the next batch; more add lock waits on hot conversations, not throughput.
     */
    @WithDefault("4")
    int maxInFlight();

    /**
     * The most the messages waiting for a batch may weigh (their kept bodies and text), across all
     * instances. Below it every message is queued, however many one instance sends: a reconnect
     * burst is stored, not refused. At it, the instance holding the most is refused (503 with
     * Retry-After), or pushes out nothing and makes room for an instance holding less. 16 MiB is
     * about 10,000 text messages, two seconds of what PostgreSQL commits here at saturation: a
     * longer queue would only make webhooks wait towards ingress.webhook.store-timeout.
     */
    @WithDefault("16M")
    MemorySize maxQueuedBytes();
}
