package clinic.ingress.memory;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Patient memory lookups ({@code ingress.memory.*}): budget, tiers, lease and freshness. The
 * prefetch ({@link MemoryPrefetchConfig}) and write-behind ({@link MemoryWriteConfig}) settings share
 * the prefix (their keys start with {@code prefetch-} and {@code write-}) but are read by other classes.
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
}
