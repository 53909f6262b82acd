package clinic.ingress.cache;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings shared by the cache tiers ({@code ingress.cache.*}).
 */
@ConfigMapping(prefix = "ingress.cache")
public interface CacheConfig {

    /** The seed's rollback switch: false keeps the in-process tier only. */
    @WithDefault("true")
    boolean redisEnabled();

    /**
     * The most a lookup waits for Redis before falling through to the next tier. A Redis GET
     * normally answers in well under a millisecond: this only catches a Redis in trouble.
     */
    @WithDefault("150ms")
    Duration redisTimeout();

    /** HMAC-SHA256 secret for patient cache keys (required in prod). */
    Optional<String> keySecret();

    /**
     * A prefix for every cache key this service writes ({@code <namespace>:whatsapp:instance:...},
     * {@code <namespace>:mem0:...}): lowercase letters, digits and dashes. Unset, the keys keep the
     * names the Python backend used; set it while both run on one Redis (docs/cutover.md), so that
     * neither reads nor overwrites the other's values.
     */
    Optional<String> keyNamespace();

    /**
     * Base64 AES-256 key: cached values are encrypted with AES-GCM. Required in prod unless
     * {@link #plaintextAllowed()}: cached memories are health data.
     */
    Optional<String> encryptionKey();

    /**
     * Keys values may still be encrypted with during a rotation: such values are read, then
     * rewritten under {@link #encryptionKey()} (same TTL). Drop a key from here once a full
     * {@code ingress.memory.stale-ttl} has passed since the rotation.
     */
    Optional<List<String>> previousEncryptionKeys();

    /**
     * Lets a production start without {@link #encryptionKey()}: cached values are then readable by
     * anyone who can read Redis (a WARN at start, {@code ingress.cache.plaintext} = 1).
     */
    @WithDefault("false")
    boolean plaintextAllowed();

    /** Values larger than this are gzip-compressed before they go to Redis. */
    @WithDefault("1K")
    MemorySize compressAbove();

    /** Largest value accepted back from Redis after decompression (a zip bomb is a miss). */
    @WithDefault("4M")
    MemorySize maxDecodedSize();

    /** Fraction of a TTL added or removed at random, so entries written together expire apart. */
    @WithDefault("0.1")
    double ttlJitter();

    /** Redis pub/sub channel carrying local-tier invalidations between replicas. */
    @WithDefault("ingress:invalidate")
    String invalidationChannel();

    /** An admin pattern invalidation (SCAN and UNLINK on every master) gives up after this long. */
    @WithDefault("2m")
    Duration patternDeleteTimeout();

    /** No Redis entry is written with a shorter TTL, whatever the jitter does to a short one. */
    @WithDefault("1s")
    Duration minTtl();
}
