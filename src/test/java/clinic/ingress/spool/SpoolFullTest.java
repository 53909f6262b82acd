package clinic.ingress.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Duration;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.Overrides;
import clinic.ingress.support.PostgresProxyResource;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A spool of three messages: while PostgreSQL is away, the fourth message is answered 503 with
 * Retry-After (as without a spool), readiness goes DOWN, and the three kept are stored once it is back.
 */
@QuarkusTest
@WithTestResource(PostgresProxyResource.class)
@TestProfile(SpoolFullTest.Small.class)
class SpoolFullTest {

    public static class Small extends Overrides {
        public Small() {
            super("ingress.store.spool-max-messages", "3");
        }
    }

    @Inject
    Spool spool;

    @AfterEach
    void repair() {
        PostgresProxyResource.proxy().up();
    }

    @Test
    void aFullSpoolAnswers503AndKeepsWhatItHolds() {
        Db.TestClinic clinic = Db.clinic("spool-full");
        // Its clinic resolved (and cached) before the outage, as every active instance is after warm-up.
        Webhooks.post(Evolution.text(clinic.instance(), "5511962000001", "antes")).statusCode(200);
        PostgresProxyResource.proxy().down();
        for (int i = 0; i < 3; i++) {
            Webhooks.post(Evolution.text(clinic.instance(), "5511962000000", "cabe " + i)).log().ifValidationFails()
                    .statusCode(200)
                    .body("status", equalTo("spooled"));
        }

        Webhooks.post(Evolution.text(clinic.instance(), "5511962000000", "não cabe"))
                .statusCode(503)
                .header("Retry-After", notNullValue())
                .body("type", equalTo("urn:clinic-ingress:problem:storage-unavailable"));
        Management.given().get("/q/health/ready").then().statusCode(503).body("checks.find { it.name == 'Storage' }.data.spool",
                equalTo("full"));

        PostgresProxyResource.proxy().up();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> spool.depth() == 0 && Db.messages(clinic.instance()) == 4);
        assertThat(Db.messages(clinic.instance())).isEqualTo(4);
        Management.given().get("/q/health/ready").then().statusCode(200);
    }
}
