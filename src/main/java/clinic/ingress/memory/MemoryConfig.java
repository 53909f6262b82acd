package clinic.ingress.memory;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

/**
 * Patient memory ({@code ingress.memory.*}): lookups (budget, tiers, lease, freshness) here, the
 * write-behind ({@code write-*}) and the start-up prefetch ({@code prefetch-*}) in their groups, read
 * by other classes. The groups sit under the same prefix ({@code @WithParentName}), so their keys keep
 * the names docs/configuration.md and DESIGN.md give them.
 */
@ConfigMapping(prefix = "ingress.memory")
public interface MemoryConfig {

    /** The most a webhook waits for mem0 before answering with the stale entry, or none. */
    @WithDefault("300ms")
    Duration lookupBudget();

    /**
     * mem0 searches running at once from this replica (what a bulkhead would bound). Searches beyond
     * wait in one queue per organization, taken in turn, so one clinic's burst of new patients cannot
     * take every place while another clinic's patient waits ({@link Mem0Searches}).
     */
    @WithDefault("32")
    int searchConcurrency();

    /**
     * Searches waiting for a place, all organizations together; when full, the organization waiting
     * with the most gives way (its lookups answer with the stale entry or none, as on a timeout).
     */
    @WithDefault("256")
    int searchQueue();

    /** In-process tier. */
    @WithDefault("75s")
    Duration localTtl();

    /** An entry younger than this is used without asking mem0. */
    @WithDefault("1h")
    Duration freshTtl();

    /** Hard staleness bound: older entries are gone from Redis and never served. */
    @WithDefault("24h")
    Duration staleTtl();

    /**
     * Cross-replica lease: while one replica fetches a patient from mem0, the others wait for its
     * result. Longer than mem0's p99 search (4-6 s reported), or replicas would give up mid-call.
     */
    @WithDefault("10s")
    Duration leaseTtl();

    /** While another replica holds the lease, how often Redis is read for its result. */
    @WithDefault("100ms")
    Duration leasePollInterval();

    /** Adaptive TTL: a patient looked up this many times within the hour counts as active... */
    @WithDefault("5")
    int activeLookups();

    /** ...and stays fresh this many times longer (still bounded by {@link #staleTtl()}). */
    @WithDefault("3")
    double activeFreshFactor();

    /** The window in which {@link #activeLookups()} lookups make a patient active. */
    @WithDefault("1h")
    Duration activeWindow();

    /** Patients whose lookups are counted at once (the least recent are forgotten first). */
    @WithDefault("100000")
    long activeMaxPatients();

    /** XFetch beta: above 1 refreshes earlier before expiry, below 1 later. */
    @WithDefault("1.0")
    double earlyRefreshBeta();

    /**
     * After a failed mem0 fetch, callers for the same patient get the failure (so the stale entry or
     * none) for this long instead of starting another fetch: a struggling mem0 is not stampeded.
     */
    @WithDefault("2s")
    Duration failureBackoff();

    /** Write-behind of messages to mem0 and its relay ({@code ingress.memory.write-*}). */
    @WithParentName
    Write write();

    /** Start-up prefetch of recently active patients' memories ({@code ingress.memory.prefetch-*}). */
    @WithParentName
    Prefetch prefetch();

    interface Write {
        /**
         * Write-behind: patients waiting for a mem0 add; beyond it new messages are dropped from the
         * queue, counted and reported (the memory relay adds them later). mem0's hosted add API
         * allows about 1,000 adds a minute, so a patient's messages waiting in the queue go in one add.
         */
        @WithDefault("10000")
        int writeQueueCapacity();

        /**
         * What the waiting messages may weigh on the heap: the queue holds their ids (64 bytes a
         * message), the texts are read back when the add is sent. Beyond it new messages are
         * deferred to the memory relay, as beyond the capacity: 8M is about 130,000 messages.
         */
        @WithDefault("8M")
        MemorySize writeQueueMaxBytes();

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

        /** One batched DELETE of accepted adds slower than this is given up (its rows are tried again). */
        @WithDefault("5s")
        Duration writeMarkTimeout();

        /**
         * Messages dropped from a full queue are reported in one line per interval: how many, the first ids (never one per
         * drop).
         */
        @WithDefault("10s")
        Duration writeDroppedLogInterval();

        /**
         * At shutdown: how long adds in flight may finish, and then how long recording them may take
         * (within {@code quarkus.shutdown.timeout}, 20 s).
         */
        @WithDefault("10s")
        Duration writeShutdownWait();
    }

    interface Prefetch {
        /** Prefetch at start-up the memories of patients active within this window (0 disables). */
        @WithDefault("6h")
        Duration prefetchWindow();

        /** At most this many patients are prefetched. */
        @WithDefault("2000")
        int prefetchLimit();

        /**
         * The patients are looked for among this many of the newest inbound messages (within the
         * window): what bounds the start-up query at any message volume. 20,000 messages read
         * backwards along an index take about 10 ms; ten per patient of the limit.
         */
        @WithDefault("20000")
        int prefetchScan();

        /** Readiness waits for the prefetch at most this long, then the rest continues in the background. */
        @WithDefault("10s")
        Duration prefetchReadinessCap();

        /**
         * The most the prefetch waits for one Redis read. Not {@code ingress.cache.redis-timeout}
         * (150 ms, a patient waiting): at start-up the first reads also open the connections, which
         * on a busy host takes longer, and a read given up here costs a mem0 search in its place.
         */
        @WithDefault("2s")
        Duration prefetchRedisTimeout();
    }
}
