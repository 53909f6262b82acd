package clinic.ingress.clinic;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Management;
import clinic.ingress.support.Replica;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * Two independently started replicas of the packaged service, each with its own caches and
 * connections: a clinic renamed in PostgreSQL is served with its new name by both, without a restart
 * and long before their local entries (5 minutes) would expire.
 */
@QuarkusIntegrationTest
class ClinicDirectoryIT {

    @Test
    void aRenamedClinicReachesEveryReplica() throws Exception {
        try (Replica second = Replica.start()) {
            Db.TestClinic clinic = Db.clinic("replicas");
            String path = "/admin/clinics/" + clinic.instance();
            // Both replicas hold the entry in their local tier before the change.
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> name(path).equals(clinic.name())
                    && second.get(path).body().contains(clinic.name()));

            Db.update("UPDATE healthcare.clinics SET name = ? WHERE id = ?", "Renamed " + clinic.name(), clinic.clinicId());

            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> name(path).equals("Renamed " + clinic.name())
                            && second.get(path).body().contains("Renamed " + clinic.name()));
            assertThat(second.get(path).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void adminNeedsItsToken() {
        Management.given().post("/admin/warmup/all").then().statusCode(401);
        // Not on the public port.
        given().header("Authorization", "Bearer test-admin-token").post("/admin/warmup/all").then().statusCode(404);
        Management.admin().post("/admin/warmup/all")
                .then().statusCode(200).body("clinics", Matchers.greaterThanOrEqualTo(0));
        Management.admin().get("/admin/cache/stats").then().statusCode(200);
    }

    private static String name(String path) {
        return Management.admin().get(path).then().extract().path("name");
    }
}
