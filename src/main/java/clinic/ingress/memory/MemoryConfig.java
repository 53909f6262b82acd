package clinic.ingress.memory;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Patient memory cache settings ({@code ingress.memory.*}).
 */
@ConfigMapping(prefix = "ingress.memory")
public interface MemoryConfig {

    /** The most a webhook waits for mem0 before answering with the stale entry, or none. */
    @WithDefault("300ms")
    Duration lookupBudget();

    /** In-process tier. */
    @WithDefault("75s")
    Duration localTtl();

    /** An entry younger than this is used without asking mem0. */
    @WithDefault("1h")
    Duration freshTtl();

    /** Hard staleness bound: older entries are gone from Redis and never served. */
    @WithDefault("24h")
    Duration staleTtl();

    /** Cross-replica lease: while one replica fetches a patient from mem0, the others wait for its result. */
    @WithDefault("10s")
    Duration leaseTtl();

    /** Adaptive TTL: a patient looked up this many times within the hour counts as active... */
    @WithDefault("5")
    int activeLookups();

    /** ...and stays fresh this many times longer (still bounded by {@link #staleTtl()}). */
    @WithDefault("3")
    double activeFreshFactor();

    /** XFetch beta: above 1 refreshes earlier before expiry, below 1 later. */
    @WithDefault("1.0")
    double earlyRefreshBeta();

    /**
     * After a failed mem0 fetch, callers for the same patient get the failure (so the stale entry or
     * none) for this long instead of starting another fetch: a struggling mem0 is not stampeded.
     */
    @WithDefault("2s")
    Duration failureBackoff();

    /** Prefetch at start-up the memories of patients active within this window (0 disables). */
    @WithDefault("6h")
    Duration prefetchWindow();

    /** At most this many patients are prefetched. */
    @WithDefault("2000")
    int prefetchLimit();

    /** Readiness waits for the prefetch at most this long, then the rest continues in the background. */
    @WithDefault("10s")
    Duration prefetchReadinessCap();

    /** Write-behind: patients waiting for a mem0 add; beyond it new messages are dropped, counted and logged by id. */
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

    /** mem0 adds become searchable later: the patient's entry is refreshed this long after an add. */
    @WithDefault("30s")
    Duration refreshAfterWrite();
}
