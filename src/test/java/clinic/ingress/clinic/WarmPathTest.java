package clinic.ingress.clinic;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import clinic.ingress.support.Db;
import clinic.ingress.support.Directory;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Management;
import clinic.ingress.support.ProxiedServersResource;
import clinic.ingress.support.Webhooks;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Warm-up gates readiness, and after it the message path issues exactly one PostgreSQL statement
 * per message (the write), counted on the wire by the proxy in front of PostgreSQL.
 */
@QuarkusTest
@WithTestResource(value = ProxiedServersResource.class, initArgs = @ResourceArg(name = "postgres-down", value = "true"))
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WarmPathTest {

    @Inject
    ClinicChanges changes;

    @Test
    @Order(1)
    void readinessIsDownUntilWarmAndWarmupRetries() {
        Management.given().get("/q/health/live").then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> warmupCheck().getInt("data.failedAttempts") >= 2);
        JsonPath down = warmupCheck();
        assertThat(down.getString("status")).isEqualTo("DOWN");
        Management.given().get("/q/health/ready").then().statusCode(503);

        ProxiedServersResource.postgres().up();

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(warmupCheck().getString("status")));
        Management.given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    @Order(2)
    void thousandWebhooksAfterWarmupIssueOnlyTheirWrites() {
        List<Db.TestClinic> clinics = List.of(Directory.settledClinic(changes, "warm-a"),
                Directory.settledClinic(changes, "warm-b"), Directory.settledClinic(changes, "warm-c"));
        Management.admin().post("/admin/warmup/all")
                .then().statusCode(200);

        var postgres = ProxiedServersResource.postgres();
        long before = postgres.pgStatements();
        long directoryBefore = postgres.pgStatements("core.whatsapp_instances");
        long writesBefore = postgres.pgStatements("INSERT INTO core.whatsapp_messages");
        long marksBefore = postgres.pgStatements("DELETE FROM core.turn_outbox");
        long started = System.nanoTime();
        List<String> statuses = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Db.TestClinic clinic = clinics.get(i % clinics.size());
            statuses.add((String) Webhooks.answer(Evolution.text(clinic.instance(), "55119" + (1000000 + i), "mensagem " + i))
                    .get("status"));
        }
        long statements = postgres.pgStatements() - before;
        long directory = postgres.pgStatements("core.whatsapp_instances") - directoryBefore;
        long writes = postgres.pgStatements("INSERT INTO core.whatsapp_messages") - writesBefore;
        long marks = postgres.pgStatements("DELETE FROM core.turn_outbox") - marksBefore;
        long elapsedMs = Duration.ofNanos(System.nanoTime() - started).toMillis();

        assertThat(statuses).containsOnly("accepted");
        String seen = "statements by SQL: " + postgres.pgStatementsBySql();
        assertThat(directory).as("clinic resolution statements; " + seen).isZero();
        assertThat(writes).as("message writes; " + seen).isEqualTo(1000);
        // Published turns leave the outbox in batches: at most one DELETE per mark interval (200 ms),
        // however many messages arrived, never one per message.
        assertThat(marks).as("outbox delete statements; " + seen).isLessThanOrEqualTo(elapsedMs / 200 + 2);
        assertThat(statements).as("all statements; " + seen).isGreaterThanOrEqualTo(writes + marks);
    }

    private static JsonPath warmupCheck() {
        JsonPath health = Management.given().get("/q/health/ready").then().extract().jsonPath();
        return new JsonPath(health.prettify()).setRootPath("checks.find { it.name == 'Cache warm-up' }");
    }
}
