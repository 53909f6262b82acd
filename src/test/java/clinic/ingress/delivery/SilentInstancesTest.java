package clinic.ingress.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * An instance that has talked and then stopped is reported silent once past the threshold; one that
 * never talked is not; the last-seen times are shared through Redis.
 */
@QuarkusTest
class SilentInstancesTest {

    @Inject
    InstanceActivity activity;
    @Inject
    RedisDataSource redis;

    @Test
    void anInstanceThatTalkedAndStoppedIsSilentPastTheThreshold() {
        Db.TestClinic talked = Db.clinic("talked");
        Db.TestClinic never = Db.clinic("never-talked");
        Webhooks.post(Evolution.text(talked.instance(), "5511933330001", "bom dia")).statusCode(200);
        activity.flush().await().atMost(Duration.ofSeconds(5));

        assertThat(redis.hash(String.class).hget(InstanceActivity.KEY, talked.instance())).isNotNull();
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(instances("PT0S"))
                .contains(talked.instance())
                .doesNotContain(never.instance()));
        assertThat(instances("PT1H")).doesNotContain(talked.instance(), never.instance());
        Management.admin().get("/admin/instances/silent?after=soon")
                .then().statusCode(400);
    }

    private static List<String> instances(String after) {
        return Management.admin()
                .get("/admin/instances/silent?after=" + after)
                .then().statusCode(200)
                .extract().jsonPath().getList("instance", String.class);
    }
}
