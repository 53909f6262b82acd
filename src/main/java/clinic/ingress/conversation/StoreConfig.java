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

    /**
     * A batch that has not committed after this long means PostgreSQL is away or stalled (the store
     * statement takes milliseconds; a cold replica at full load takes up to a second): new messages
     * go to the spool at once instead of waiting for {@code ingress.webhook.store-timeout}, until a
     * batch commits again.
     */
    @WithDefault("2s")
    Duration stallAfter();

    /**
     * When the store cannot commit (PostgreSQL refused, paused, failing over, or a statement timed
     * out), an authenticated, well-formed message is written to a Redis stream instead and answered
     * 200 {@code spooled}; one replica at a time drains it into the store when PostgreSQL is back.
     * On by default: Evolution up to 2.2.0 never retries, so every 503 of a 10-60 s managed-database
     * failover would be a patient's message lost, and 2.3 delivers them minutes late. Off restores
     * the 503 with Retry-After.
     */
    @WithDefault("true")
    boolean spool();

    /** The spool's Redis stream; its byte count and drain lease share its hash tag (one cluster slot). */
    @WithDefault("ingress:{spool}")
    String spoolStream();

    /**
     * Most messages the spool holds; past it (or {@link #spoolMaxBytes()}) a message that cannot be
     * stored is answered 503 with Retry-After, as without a spool. 100,000: ten minutes of a clinic
     * network sending 160 messages a second.
     */
    @WithDefault("100000")
    int spoolMaxMessages();

    /** Most bytes of sealed messages the spool holds in Redis (the turn stream and the caches share it). */
    @WithDefault("200M")
    MemorySize spoolMaxBytes();

    /** How often the spool's depth and age are read (every replica), and a drain is tried. */
    @WithDefault("1s")
    Duration spoolCheckInterval();

    /** Spooled messages a drain takes per round, oldest first. */
    @WithDefault("500")
    int spoolDrainBatch();

    /**
     * How long a replica holds the drain, renewed every round; a replica that dies frees it after
     * this. Longer than a round can take (a wave waits at most ingress.webhook.store-timeout, 5 s),
     * so two replicas never drain at once and interleave a chat's messages.
     */
    @WithDefault("15s")
    Duration spoolDrainLease();

    /** How long readiness waits for PostgreSQL's {@code SELECT 1}: below Kubernetes' 1 s probe timeout. */
    @WithDefault("800ms")
    Duration readinessPingTimeout();
}
