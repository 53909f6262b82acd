package clinic.ingress.memory;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.cache.CacheConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;

/**
 * A short Redis lease per patient, so that one replica at a time calls mem0 for a patient and the
 * others wait for its result ({@code SET NX PX}; released only by its owner, by a Lua compare-and-
 * delete). Without Redis there is no coordination: each process fetches (still once per process).
 */
@ApplicationScoped
class FetchLease {

    private static final String RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    /**
     * This replica, as a lease's owner. Drawn when the replica starts: a static field is drawn when
     * the native image is built, and every replica of the executable would own every lease.
     */
    private final String owner = UUID.randomUUID().toString();

    private final ReactiveRedisDataSource redis;
    private final CacheConfig cacheConfig;
    private final MemoryConfig config;

    FetchLease(ReactiveRedisDataSource redis, CacheConfig cacheConfig, MemoryConfig config) {
        this.redis = redis;
        this.cacheConfig = cacheConfig;
        this.config = config;
    }

    /** Whether this replica holds the lease now (true as well when Redis cannot be asked). */
    Uni<Boolean> acquire(String lease) {
        if (!cacheConfig.redisEnabled()) {
            return Uni.createFrom().item(true);
        }
        return redis.execute("SET", lease, owner, "NX", "PX", String.valueOf(config.leaseTtl().toMillis()))
                .map(response -> response != null && "OK".equals(response.toString()))
                .ifNoItem().after(cacheConfig.redisTimeout()).fail()
                .onFailure().recoverWithItem(true);
    }

    Uni<Void> release(String lease) {
        if (!cacheConfig.redisEnabled()) {
            return Uni.createFrom().voidItem();
        }
        return redis.execute("EVAL", RELEASE, "1", lease, owner)
                // Bounded like every Redis call: an unreleased lease expires by itself (lease-ttl).
                .ifNoItem().after(cacheConfig.redisTimeout().multipliedBy(4)).fail()
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
