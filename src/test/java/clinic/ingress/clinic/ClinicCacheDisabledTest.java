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
 * Rollback switch {@code ingress.clinic.cache-enabled=false}: every instance resolved from PostgreSQL.
 */
@QuarkusTest
@TestProfile(ClinicCacheDisabledTest.DirectDatabase.class)
class ClinicCacheDisabledTest {

    public static class DirectDatabase extends Overrides {
        public DirectDatabase() {
            super("ingress.clinic.cache-enabled", "false");
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
        assertThat(Directory.resolveThreeTimes(directory, metrics, clinic)).isEqualTo(new Directory.Reads(3, 0));
        assertThat(redis.key().exists(directory.redisKey(clinic.instance()))).isFalse();
    }
}
