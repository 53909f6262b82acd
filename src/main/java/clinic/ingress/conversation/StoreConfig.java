package clinic.ingress.conversation;

import java.time.Duration;

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
     * default) writes it at once: the lowest latency, but at moderate load (1,000 msg/s, batches of
     * one or two) each message then pays PostgreSQL's fixed cost of a statement and a commit, about
     * 3x its share at saturation (docs/benchmarks.md, "PostgreSQL per message"). A few milliseconds
     * here trade that much latency for batches at every load, for a database billed or bound by CPU.
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

    /** Messages waiting for a batch beyond which a webhook is answered 503 at once (back-pressure). */
    @WithDefault("10000")
    int maxQueued();
}
