package clinic.ingress.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;

/**
 * Black-box: the packaged application (jar here, native binary with -Dnative) answering the webhook
 * contract and its operational endpoints.
 */
@QuarkusIntegrationTest
class WebhookIT {

    @Test
    void storesOnceAndAnswersEveryOutcome() {
        Db.TestClinic clinic = Db.clinic("it");
        Evolution event = Evolution.text(clinic.instance(), "5511912346666", "pacote");

        Webhooks.post(event).statusCode(200).body("status", equalTo("accepted"));
        Webhooks.post(event).statusCode(200).body("status", equalTo("duplicate"));
        assertThat(Db.messages(clinic.instance())).isEqualTo(1);

        Webhooks.post(Evolution.event("presence.update", clinic.instance())).statusCode(200).body("status",
                equalTo("ignored"));
        Evolution connection = Evolution.event("connection.update", clinic.instance());
        connection.data().put("state", "open");
        Webhooks.post(connection).statusCode(200).body("status", equalTo("recorded"));
        Webhooks.post(Evolution.text("unknown-" + Evolution.newId(), "5511912346666", "x")).statusCode(202);
        Webhooks.post("{broken").statusCode(400).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body(Evolution.text(clinic.instance(), "5511912346666", "y").json())
                .post(Webhooks.PATH).then().statusCode(401);
    }

    @Test
    void operationalEndpoints() {
        Management.given().get("/q/health/live").then().statusCode(200);
        Management.given().get("/q/health/ready").then().statusCode(200);
        Management.given().get("/q/health/started").then().statusCode(200);
        Management.given().get("/q/openapi").then().statusCode(200).body(containsString("/webhooks/evolution"));
        Management.given().get("/q/metrics").then().statusCode(200).body(containsString("ingress_webhook_events_total"));
        // Nothing operational on the public port.
        for (String path : new String[] { "/q/health/ready", "/q/metrics", "/q/openapi" }) {
            given().get(path).then().statusCode(404);
        }
    }
}
