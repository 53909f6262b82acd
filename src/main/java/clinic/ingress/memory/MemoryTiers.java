package clinic.ingress.memory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Caffeine;

import clinic.ingress.cache.CacheMetrics;
import clinic.ingress.cache.CachedValue;
import clinic.ingress.cache.InvalidationBus;
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
 *
 * <p>
 * An erased patient's entry leaves both tiers on every replica: the others are told on the
 * invalidation channel (topic {@value #TOPIC}), and each remembers when, so that a mem0 search begun
 * before the erasure and answered after it keeps nothing.
 */
@ApplicationScoped
class MemoryTiers implements InvalidationBus.Listener {

    static final String LOCAL = "patient-memory";
    static final String TOPIC = "memory";

    private final SharedCache shared;
    private final CaffeineCache local;
    private final CacheMetrics metrics;
    private final MemoryConfig config;
    private final InvalidationBus bus;
    /** Keys of erased patients, and when (nanoTime). */
    private final com.github.benmanes.caffeine.cache.Cache<String, Long> erased;

    MemoryTiers(SharedCache shared, @CacheName(LOCAL) Cache local, CacheMetrics metrics, MemoryConfig config,
            InvalidationBus bus, ErasureConfig erasure) {
        this.erased = Caffeine.newBuilder().expireAfterWrite(erasure.cacheGuard()).build();
        this.shared = shared;
        this.local = local.as(CaffeineCache.class);
        this.metrics = metrics;
        this.config = config;
        this.bus = bus;
        bus.subscribe(TOPIC, this);
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
        return decoded(shared.get(PatientMemory.CACHE, key));
    }

    /** As {@link #shared(String)}, waiting for Redis at most {@code timeout}. */
    Uni<MemoryEntry> shared(String key, Duration timeout) {
        return decoded(shared.get(PatientMemory.CACHE, key, timeout));
    }

    private Uni<MemoryEntry> decoded(Uni<CachedValue> value) {
        return value
                .onFailure().recoverWithNull()
                .map(this::decode);
    }

    /**
     * Both tiers; Redis keeps it as stale until {@code stale-ttl}. Nothing when the patient was erased
     * after {@code askedAt} (nanoTime), when the search that found it began.
     */
    Uni<Void> keep(String key, MemoryEntry entry, long askedAt) {
        Long erasedAt = erased.getIfPresent(key);
        if (erasedAt != null && erasedAt - askedAt >= 0) {
            return Uni.createFrom().voidItem();
        }
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

    /** An erased patient's entry and lease: gone from Redis, this process and every other replica's local tier. */
    Uni<Void> erase(String key, String leaseKey) {
        erasedHere(key);
        return shared.delete(key)
                .chain(() -> shared.delete(leaseKey))
                .chain(() -> bus.publish(TOPIC, key));
    }

    private void erasedHere(String key) {
        erased.put(key, System.nanoTime());
        // A Caffeine invalidation: done by the time subscribe returns, on whichever thread.
        local.invalidate(key).subscribe().with(ignored -> {
        });
    }

    /** Another replica erased a patient. */
    @Override
    public void invalidated(String key) {
        erasedHere(key);
    }

    /** An erasure may have been missed: this process's entries go (they come back from Redis). */
    @Override
    public void mayHaveMissed() {
        local.invalidateAll().subscribe().with(ignored -> {
        });
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
