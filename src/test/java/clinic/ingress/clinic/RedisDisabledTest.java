package clinic.ingress.clinic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import clinic.ingress.cache.CacheMetrics;
import clinic.ingress.support.Db;
import clinic.ingress.support.Directory;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Rollback switch {@code ingress.cache.redis-enabled=false}: the local tier only, nothing written to Redis.
 */
@QuarkusTest
@TestProfile(RedisDisabledTest.LocalOnly.class)
class RedisDisabledTest {

    @Inject
    ClinicChanges changes;

    public static class LocalOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ingress.cache.redis-enabled", "false");
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
        long before = ClinicDirectoryTest.count(metrics, "database.hit");
        long localHits = ClinicDirectoryTest.count(metrics, "local.hit");
        for (int i = 0; i < 3; i++) {
            assertThat(Directory.resolve(directory, clinic.instance()).clinicId())
                    .isEqualTo(clinic.clinicId());
        }
        assertThat(ClinicDirectoryTest.count(metrics, "database.hit")).isEqualTo(before + 1);
        assertThat(ClinicDirectoryTest.count(metrics, "local.hit")).isEqualTo(localHits + 2);
        assertThat(redis.key().exists(ClinicDirectory.redisKey(clinic.instance()))).isFalse();
    }
}
