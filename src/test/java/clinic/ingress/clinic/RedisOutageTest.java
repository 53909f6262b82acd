package clinic.ingress.clinic;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.ProxiedServersResource;
import clinic.ingress.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Redis stops mid-test: the replica stays ready (Redis reported down), webhooks keep answering 2xx
 * from the local tier and PostgreSQL, and the shared tier is used again once Redis is back.
 */
@QuarkusTest
@WithTestResource(ProxiedServersResource.class)
class RedisOutageTest {

    @Inject
    ClinicDirectory directory;
    @Inject
    RedisDataSource directRedis;

    @AfterEach
    void restore() {
        ProxiedServersResource.redis().up();
    }

    @Test
    void webhooksKeepAnswering2xxWhileRedisIsDownAndRecover() {
        Db.TestClinic warm = Db.clinic("redis-warm");
        Webhooks.answer(Evolution.text(warm.instance(), "5511912345001", "antes"));

        ProxiedServersResource.redis().down();
        // Still ready: Redis is reported, not a condition for storing messages.
        Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> Management.given().get("/q/health/ready")
                .then().statusCode(200)
                .body("checks.find { it.name.startsWith('Redis') }.data.redis", Matchers.startsWith("down")));
        // Known locally, and new to this process (Redis unreachable: PostgreSQL answers).
        Db.TestClinic cold = Db.clinic("redis-cold");
        for (int i = 0; i < 20; i++) {
            Webhooks.answer(Evolution.text(warm.instance(), "5511912345001", "durante " + i));
            Webhooks.answer(Evolution.text(cold.instance(), "5511912345002", "durante " + i));
        }

        ProxiedServersResource.redis().up();
        Db.TestClinic after = Db.clinic("redis-after");
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Webhooks.answer(Evolution.text(after.instance(), "5511912345003", "depois"));
            assertThat(directRedis.key().exists(directory.redisKey(after.instance()))).isTrue();
        });
        assertThat(Db.messages(cold.instance())).isEqualTo(20);
    }
}
