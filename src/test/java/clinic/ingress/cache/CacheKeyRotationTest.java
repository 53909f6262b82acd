package clinic.ingress.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.clinic.ClinicChanges;
import clinic.ingress.clinic.ClinicDirectory;
import clinic.ingress.support.Db.TestClinic;
import clinic.ingress.support.Directory;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A cache key rotation as an operator runs it: key B is current, key A is still listed as previous.
 * Values sealed under A are served, then sealed again under B with their TTL kept, so once
 * {@code stale-ttl} has passed nothing in Redis needs A any more.
 */
@QuarkusTest
@TestProfile(CacheKeyRotationTest.Rotating.class)
class CacheKeyRotationTest {

    public static class Rotating implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ingress.cache.encryption-key", CacheCodecTest.KEY_B,
                    "ingress.cache.previous-encryption-keys", CacheCodecTest.KEY_A,
                    "ingress.cache.plaintext-allowed", "false");
        }
    }

    @Inject
    ClinicChanges changes;
    @Inject
    ClinicDirectory directory;
    @Inject
    RedisDataSource redis;
    @Inject
    CacheMetrics metrics;

    @Test
    void aValueSealedUnderThePreviousKeyIsServedAndSealedAgainUnderTheCurrentOne() throws Exception {
        TestClinic clinic = Directory.settledClinic(changes, "rotation");
        String key = directory.redisKey(clinic.instance());
        Directory.resolve(directory, clinic.instance());
        // What a replica still on key A wrote: the same entry, sealed under A, 40 minutes to live.
        CachedValue entry = CacheCodecTest.codec(CacheCodecTest.KEY_B).decode(key, redis.value(byte[].class).get(key));
        byte[] underA = CacheCodecTest.codec(CacheCodecTest.KEY_A).encode(key, entry.data(), entry.fetchedAt());
        redis.value(byte[].class).set(key, underA, new SetArgs().px(Duration.ofMinutes(40)));
        directory.evictLocal(clinic.instance());
        long rekeyed = rekeyed();

        assertThat(Directory.resolve(directory, clinic.instance()).clinicId()).isEqualTo(clinic.clinicId());

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rekeyed() == rekeyed + 1);
        byte[] now = redis.value(byte[].class).get(key);
        assertThat(CacheCodecTest.codec(CacheCodecTest.KEY_B).decode(key, now).data()).isEqualTo(entry.data());
        assertThatThrownBy(() -> CacheCodecTest.codec(CacheCodecTest.KEY_A).decode(key, now))
                .isInstanceOf(CacheCodec.UndecodableValue.class);
        assertThat(redis.key().pttl(key)).as("the TTL it had").isBetween(Duration.ofMinutes(35).toMillis(),
                Duration.ofMinutes(40).toMillis());
    }

    private long rekeyed() {
        return metrics.snapshot().getOrDefault("clinic", Map.of()).getOrDefault("redis.rekeyed", 0L);
    }
}
