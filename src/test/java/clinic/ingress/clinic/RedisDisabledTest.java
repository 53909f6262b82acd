package clinic.ingress.clinic;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import clinic.ingress.cache.CacheMetrics;
import clinic.ingress.support.Db;
import clinic.ingress.support.Directory;
import clinic.ingress.support.Overrides;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Rollback switch {@code ingress.cache.redis-enabled=false}: the local tier only, nothing written to Redis.
 */
@QuarkusTest
@TestProfile(RedisDisabledTest.LocalOnly.class)
class RedisDisabledTest {

    @Inject
    ClinicChanges changes;

    public static class LocalOnly extends Overrides {
        public LocalOnly() {
            super("ingress.cache.redis-enabled", "false");
        }
    }

    @Inject
    ClinicDirectory directory;
    @Inject
    CacheMetrics metrics;
    @Inject
    RedisDataSource redis;

    @Test
    void localTierOnly() {
        Db.TestClinic clinic = Directory.settledClinic(changes, "no-redis");
        // PostgreSQL once, then the local tier.
        assertThat(Directory.resolveThreeTimes(directory, metrics, clinic)).isEqualTo(new Directory.Reads(1, 2));
        assertThat(redis.key().exists(directory.redisKey(clinic.instance()))).isFalse();
    }
}
