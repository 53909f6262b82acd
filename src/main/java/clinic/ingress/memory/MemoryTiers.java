package clinic.ingress.memory;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.cache.CacheMetrics;
import clinic.ingress.cache.CachedValue;
import clinic.ingress.cache.Loaded;
import clinic.ingress.cache.SharedCache;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.cache.CaffeineCache;
import io.smallrye.mutiny.Uni;

/**
 * Where memory entries are kept: the Caffeine tier of this process and the shared Redis tier, whose
 * unreadable values count as corrupt and read as misses. {@link PatientMemory} decides when to read,
 * write and ask mem0; this class only keeps.
 */
@ApplicationScoped
class MemoryTiers {

    static final String LOCAL = "patient-memory";

    private final SharedCache shared;
    private final CaffeineCache local;
    private final CacheMetrics metrics;
    private final MemoryConfig config;

    MemoryTiers(SharedCache shared, @CacheName(LOCAL) Cache local, CacheMetrics metrics, MemoryConfig config) {
        this.shared = shared;
        this.local = local.as(CaffeineCache.class);
        this.metrics = metrics;
        this.config = config;
    }

    /** This process's entry, or null. */
    MemoryEntry local(String key) {
        return Loaded.valueOf(local.getIfPresent(key));
    }

    void keepLocal(String key, MemoryEntry entry) {
        local.put(key, CompletableFuture.completedFuture(entry));
    }

    /** The shared tier's entry, or null for a miss, a corrupt value or an unreachable Redis. */
    Uni<MemoryEntry> shared(String key) {
        return shared.get(PatientMemory.CACHE, key)
                .onFailure().recoverWithNull()
                .map(this::decode);
    }

    /** Both tiers; Redis keeps it as stale until {@code stale-ttl}. */
    Uni<Void> keep(String key, MemoryEntry entry) {
        keepLocal(key, entry);
        return shared.put(PatientMemory.CACHE, key, entry.toJson(), entry.fetchedAt(), config.staleTtl());
    }

    /** The fresh TTL of a new entry, jittered so entries fetched together turn stale apart. */
    long freshTtlMillis() {
        return shared.jitter(config.freshTtl()).toMillis();
    }

    /** Drops the key from Redis and this process (other processes' entries expire with local-ttl). */
    Uni<Void> invalidate(String key) {
        return local.invalidate(key)
                .chain(() -> shared.delete(key));
    }

    private MemoryEntry decode(CachedValue value) {
        if (value == null) {
            return null;
        }
        MemoryEntry entry = MemoryEntry.fromJson(value);
        if (entry == null) {
            metrics.count(PatientMemory.CACHE, "redis", "corrupt");
        }
        return entry;
    }
}
