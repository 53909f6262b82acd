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
 * Rollback switch {@code ingress.clinic.cache-enabled=false}: every instance resolved from PostgreSQL.
 */
@QuarkusTest
@TestProfile(ClinicCacheDisabledTest.DirectDatabase.class)
class ClinicCacheDisabledTest {

    public static class DirectDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ingress.clinic.cache-enabled", "false");
        }
    }

    @Inject
    ClinicDirectory directory;
    @Inject
    CacheMetrics metrics;
    @Inject
    RedisDataSource redis;

    @Test
    void everyResolutionReadsPostgres() {
        Db.TestClinic clinic = Db.clinic("no-cache");
        long before = ClinicDirectoryTest.count(metrics, "database.hit");
        long localHits = ClinicDirectoryTest.count(metrics, "local.hit");
        for (int i = 0; i < 3; i++) {
            assertThat(Directory.resolve(directory, clinic.instance()).clinicId())
                    .isEqualTo(clinic.clinicId());
        }
        assertThat(ClinicDirectoryTest.count(metrics, "database.hit")).isEqualTo(before + 3);
        assertThat(ClinicDirectoryTest.count(metrics, "local.hit")).isEqualTo(localHits);
        assertThat(redis.key().exists(ClinicDirectory.redisKey(clinic.instance()))).isFalse();
    }
}
