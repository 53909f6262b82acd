package clinic.ingress.memory;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Write-behind of messages to mem0 and its relay ({@code ingress.memory.write-*}).
 */
@ConfigMapping(prefix = "ingress.memory")
public interface MemoryWriteConfig {

    /**
     * Write-behind: patients waiting for a mem0 add; beyond it new messages are dropped from the
     * queue, counted and logged by id (the memory relay adds them later). mem0's hosted add API
     * allows about 1,000 adds a minute, so a patient's messages waiting in the queue go in one add.
     */
    @WithDefault("10000")
    int writeQueueCapacity();

    @WithDefault("6")
    int writeMaxAttempts();

    /** Concurrent mem0 adds (mem0's add API is rate limited: 1,000/min on the hosted platform). */
    @WithDefault("4")
    int writeConcurrency();

    @WithDefault("1s")
    Duration writeInitialBackoff();

    @WithDefault("2m")
    Duration writeMaxBackoff();

    /**
     * A stored message's mem0 add belongs to the replica that stored it for this long (its queue,
     * retries and backoff); after it, the add is in {@code core.memory_outbox} for any replica's
     * memory relay. Longer than the write-behind's worst case, so a live replica's add is not repeated.
     */
    @WithDefault("15m")
    Duration writeGrace();

    /** How often the memory relay looks for adds past their grace (crashed, dropped or given up). */
    @WithDefault("30s")
    Duration writeRelayInterval();

    /** Adds claimed per relay round (bounded by the free room in the write queue). */
    @WithDefault("500")
    int writeRelayBatch();

    /**
     * The memory relay leases a claimed row for {@code write-grace}, doubling per claim, at most this
     * long (a message mem0 keeps refusing is tried ever less often, never dropped).
     */
    @WithDefault("16h")
    Duration writeRelayMaxLease();

    /** mem0 adds become searchable later: the patient's entry is refreshed this long after an add. */
    @WithDefault("30s")
    Duration refreshAfterWrite();

    /** Messages of one patient sent in one mem0 add; a longer burst continues in the next add. */
    @WithDefault("20")
    int writeBatch();

    /** Accepted adds leave {@code core.memory_outbox} in one batched DELETE per interval. */
    @WithDefault("200ms")
    Duration writeMarkInterval();

    /** Messages dropped from a full queue are logged by id, in one line per interval (never one per drop). */
    @WithDefault("10s")
    Duration writeDroppedLogInterval();

    /**
     * At shutdown: how long adds in flight may finish, and then how long recording them may take
     * (within {@code quarkus.shutdown.timeout}, 20 s).
     */
    @WithDefault("10s")
    Duration writeShutdownWait();
}
