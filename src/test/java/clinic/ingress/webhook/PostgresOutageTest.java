package clinic.ingress.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.PostgresProxyResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * PostgreSQL goes away and comes back while the service keeps running: 503 with Retry-After (which
 * Evolution retries) during the outage, 200 after it, with no restart.
 */
@QuarkusTest
@WithTestResource(PostgresProxyResource.class)
class PostgresOutageTest {

    @AfterEach
    void restore() {
        PostgresProxyResource.proxy().up();
    }

    @Test
    void answers503DuringOutageThenRecoversByItself() {
        Db.TestClinic clinic = Db.clinic("outage");
        Webhooks.post(Evolution.text(clinic.instance(), "5511912347777", "antes")).statusCode(200);

        PostgresProxyResource.proxy().down();
        Evolution during = Evolution.text(clinic.instance(), "5511912347777", "durante");
        Webhooks.post(during)
                .statusCode(503)
                .header("Retry-After", notNullValue())
                .contentType("application/problem+json")
                .body("type", equalTo("urn:clinic-ingress:problem:storage-unavailable"));

        PostgresProxyResource.proxy().up();
        // Evolution re-sends the same delivery: it is stored now, once.
        Webhooks.post(during).statusCode(200).body("status", equalTo("accepted"));
        Webhooks.post(during).statusCode(200).body("status", equalTo("duplicate"));
        assertThat(Db.messages(clinic.instance())).isEqualTo(2);
    }
}
