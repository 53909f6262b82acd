package clinic.ingress.cache;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import io.smallrye.mutiny.Uni;

/**
 * Removes keys by pattern with SCAN + UNLINK (never KEYS, which blocks Redis), and only under the
 * prefixes this service owns, so an operator's typo cannot wipe another tenant's data.
 */
@ApplicationScoped
public class KeyspaceCleaner {

    public static final List<String> OWN_PREFIXES = List.of(CacheKeys.INSTANCE_PREFIX, CacheKeys.MEMORY_PREFIX);

    private final ReactiveRedisDataSource redis;

    public KeyspaceCleaner(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /** Number of keys removed. */
    public Uni<Long> unlink(String pattern) {
        if (OWN_PREFIXES.stream().noneMatch(pattern::startsWith)) {
            return Uni.createFrom().failure(new jakarta.ws.rs.BadRequestException(
                    "pattern must start with one of " + OWN_PREFIXES));
        }
        return redis.key(String.class).scan(new KeyScanArgs().match(pattern).count(500))
                .toMulti()
                .group().intoLists().of(500)
                .onItem().transformToUniAndConcatenate(keys -> redis.key(String.class).unlink(keys.toArray(String[]::new))
                        .map(Integer::longValue))
                .collect().with(java.util.stream.Collectors.summingLong(Long::longValue))
                // An admin request: a whole keyspace walk may take a while, but never forever.
                .ifNoItem().after(java.time.Duration.ofMinutes(2)).fail();
    }
}
