package clinic.ingress.clinic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import clinic.ingress.cache.CacheCodec;
import clinic.ingress.cache.CacheMetrics;
import clinic.ingress.support.Db;
import clinic.ingress.support.Db.TestClinic;
import clinic.ingress.support.Directory;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The two tiers, the negative cache, undecodable Redis values and change propagation, against the
 * real PostgreSQL and Redis (DB 2).
 */
@QuarkusTest
class ClinicDirectoryTest {

    @Inject
    ClinicChanges changes;

    @Inject
    ClinicDirectory directory;
    @Inject
    RedisDataSource redis;
    @Inject
    CacheMetrics metrics;
    @Inject
    CacheCodec codec;

    @Test
    void resolvesThroughRedisThenLocalTier() {
        TestClinic clinic = Directory.settledClinic(changes, "tiers");

        Clinic first = resolve(clinic.instance());
        assertThat(first.clinicId()).isEqualTo(clinic.clinicId());
        assertThat(first.organizationId()).isEqualTo(clinic.organizationId());
        assertThat(first.name()).isEqualTo(clinic.name());
        assertThat(redis.value(String.class).get(directory.redisKey(clinic.instance())))
                .contains("\"v\":2").contains(clinic.clinicId().toString());
        assertThat(redis.key().pttl(directory.redisKey(clinic.instance())))
                .isBetween(Duration.ofMinutes(50).toMillis(), Duration.ofMinutes(70).toMillis());

        long localHits = count("local.hit");
        resolve(clinic.instance());
        assertThat(count("local.hit")).isEqualTo(localHits + 1);

        // Another process (empty local tier) is served by Redis without touching PostgreSQL.
        directory.evictLocal(clinic.instance());
        long redisHits = count("redis.hit");
        long dbHits = count("database.hit");
        assertThat(resolve(clinic.instance()).clinicId()).isEqualTo(clinic.clinicId());
        assertThat(count("redis.hit")).isEqualTo(redisHits + 1);
        assertThat(count("database.hit")).isEqualTo(dbHits);
    }

    @Test
    void warmUpWritesEveryInstanceToRedisInPipelines() {
        List<Clinic> clinics = IntStream.range(0, 5)
                .mapToObj(i -> Directory.settledClinic(changes, "pipelined"))
                .map(clinic -> resolve(clinic.instance()))
                .toList();
        clinics.forEach(clinic -> {
            redis.key().del(directory.redisKey(clinic.instanceName()));
            directory.evictLocal(clinic.instanceName());
        });

        // Pipelines of two: five entries go out as three pipelines.
        directory.load(clinics, 2, 2).await().atMost(Duration.ofSeconds(10));

        long redisHits = count("redis.hit");
        long dbHits = count("database.hit");
        for (Clinic clinic : clinics) {
            String key = directory.redisKey(clinic.instanceName());
            assertThat(redis.key().pttl(key)).as(key)
                    .isBetween(Duration.ofMinutes(50).toMillis(), Duration.ofMinutes(70).toMillis());
            // As another process would find it: its local tier empty, Redis holding the warm-up's value.
            directory.evictLocal(clinic.instanceName());
            assertThat(resolve(clinic.instanceName())).isEqualTo(clinic);
        }
        assertThat(count("redis.hit")).isEqualTo(redisHits + clinics.size());
        assertThat(count("database.hit")).isEqualTo(dbHits);
    }

    @Test
    void unknownInstancesAreCachedNegatively() {
        String instance = "never-configured-" + System.nanoTime();
        long dbMisses = count("database.miss");

        for (int i = 0; i < 50; i++) {
            assertThat(resolve(instance)).isNull();
        }

        assertThat(count("database.miss")).isEqualTo(dbMisses + 1);
        assertThat(count("local.negative")).isGreaterThanOrEqualTo(49);
        assertThat(redis.value(String.class).get(directory.redisKey(instance))).contains("\"data\":null");
        assertThat(redis.key().pttl(directory.redisKey(instance))).isLessThanOrEqualTo(Duration.ofSeconds(33).toMillis());

        // Another replica is answered by the negative Redis entry, not by PostgreSQL.
        directory.evictLocal(instance);
        assertThat(resolve(instance)).isNull();
        assertThat(count("database.miss")).isEqualTo(dbMisses + 1);
    }

    @Test
    void corruptEditedAndForeignRedisValuesAreMissesReplacedFromPostgres() throws Exception {
        TestClinic clinic = Directory.settledClinic(changes, "corrupt");
        String key = directory.redisKey(clinic.instance());
        resolve(clinic.instance());
        byte[] genuine = redis.value(byte[].class).get(key);
        // The entry as read from Redis, with the clinic's routing changed by whoever can write Redis.
        byte[] edited = new String(genuine, StandardCharsets.ISO_8859_1)
                .replace(clinic.clinicId().toString(), UUID.randomUUID().toString())
                .getBytes(StandardCharsets.ISO_8859_1);
        TestClinic other = Directory.settledClinic(changes, "corrupt-other");
        resolve(other.instance());
        byte[] anotherInstancesEntry = redis.value(byte[].class).get(directory.redisKey(other.instance()));
        Map<String, byte[]> corrupt = Map.of(
                "garbage", new byte[] { (byte) 0xff, 0x00, 0x13, 0x37 },
                "edited in Redis", edited,
                "another instance's entry copied here", anotherInstancesEntry,
                "signed, but not a directory entry", codec.encode(key, new ObjectMapper().readTree("{\"clinic_id\":\"nope\"}"),
                        Instant.now()),
                "a pickle", new byte[] { (byte) 0x80, 0x04, (byte) 0x95, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4b,
                        0x01, 0x2e });
        // Values of the previous format are reloaded, never trusted, and counted apart.
        Map<String, byte[]> outdated = Map.of(
                "version 1 JSON", "{\"v\":1,\"fetchedAt\":1,\"data\":{}}".getBytes(),
                "version 1 gzip", new byte[] { 0x1f, (byte) 0x8b, 0x08, 0x00, 0x01, 0x02 },
                "version 1 encrypted", new byte[] { 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                        17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30 });

        assertReplaced(clinic, key, corrupt, "redis.corrupt");
        assertReplaced(clinic, key, outdated, "redis.outdated");
    }

    private void assertReplaced(TestClinic clinic, String key, Map<String, byte[]> values, String counter) {
        values.forEach((name, bytes) -> {
            redis.value(byte[].class).set(key, bytes);
            directory.evictLocal(clinic.instance());
            long before = count(counter);

            assertThat(resolve(clinic.instance()).clinicId()).as(name).isEqualTo(clinic.clinicId());

            assertThat(count(counter)).as(name).isEqualTo(before + 1);
            assertThatCode(() -> codec.decode(key, redis.value(byte[].class).get(key))).as(name).doesNotThrowAnyException();
        });
    }

    @Test
    void aChangedClinicIsServedWithoutRestartLongBeforeItsLocalEntryExpires() {
        TestClinic clinic = Directory.settledClinic(changes, "rename");
        assertThat(resolve(clinic.instance()).name()).isEqualTo(clinic.name());

        Db.update("UPDATE healthcare.clinics SET name = 'Renamed Clinic', updated_at = now() WHERE id = ?", clinic.clinicId());
        // The local entry would live 5 minutes (local-ttl): seeing the change at all means the
        // notification evicted it. The bound is a test timeout, not a speed claim.
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> "Renamed Clinic".equals(resolve(clinic.instance()).name()));

        Db.update("UPDATE core.whatsapp_instances SET active = false WHERE instance_name = ?", clinic.instance());
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> resolve(clinic.instance()) == null);
    }

    private Clinic resolve(String instance) {
        return Directory.resolve(directory, instance);
    }

    private long count(String tierResult) {
        return count(metrics, tierResult);
    }

    static long count(CacheMetrics metrics, String tierResult) {
        return Directory.count(metrics, tierResult);
    }
}
