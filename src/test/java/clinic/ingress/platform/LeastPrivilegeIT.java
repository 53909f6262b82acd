package clinic.ingress.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Replica;
import clinic.ingress.support.StreamTurns;

/**
 * The packaged service as a least-privilege deployment runs it: migrations as the schema owner,
 * the service as the DML-only role scripts/db-roles.sh creates (granted by the Flyway callback
 * afterMigrate__runtime_grants.sql), Redis as the ACL user scripts/redis-acl.sh creates. Every
 * webhook path, the relay, the admin key-pattern delete and the invalidation channel work, and
 * nothing is refused for want of a privilege; what the role must not do, it cannot.
 */
class LeastPrivilegeIT {

    private static final String DATABASE = "clinic_ingress_roles_test";
    private static final String APP_ROLE = "clinic_ingress_it_app";
    private static final String APP_PASSWORD = "it-app-password-0123456789abcdef";
    private static final String REDIS_USER = "clinic-ingress-it";
    private static final String REDIS_PASSWORD = "it-redis-password-0123456789abcdef";

    @BeforeAll
    static void rolesAndDatabase() throws Exception {
        Db.useFreshDatabase(DATABASE);
        // The database as the Python backend left it is owned by postgres: only the app role is new.
        script(Map.of("DATABASE", DATABASE, "OWNER_ROLE", "postgres", "APP_ROLE", APP_ROLE, "APP_PASSWORD", APP_PASSWORD),
                "scripts/db-roles.sh");
        script(Map.of(), "scripts/redis-acl.sh", REDIS_USER, REDIS_PASSWORD);
    }

    @AfterAll
    static void testDatabaseAgain() {
        Db.useTestDatabase();
    }

    @Test
    void theServiceRunsAsTheDmlOnlyRoleAndTheAclUser() throws Exception {
        String url = "127.0.0.1:5432/" + DATABASE;
        try (Replica replica = Replica.start(
                "quarkus.datasource.reactive.url=postgresql://" + url,
                "quarkus.datasource.jdbc.url=jdbc:postgresql://" + url,
                "quarkus.datasource.username=" + APP_ROLE,
                "quarkus.datasource.password=" + APP_PASSWORD,
                "quarkus.flyway.username=postgres",
                "quarkus.flyway.password=postgres",
                "quarkus.redis.hosts=redis://" + REDIS_USER + ":" + REDIS_PASSWORD + "@127.0.0.1:6379/2",
                "ingress.dispatch.relay-interval=200ms");
                StreamTurns stream = new StreamTurns()) {
            Db.TestClinic clinic = Db.clinic("least-privilege");
            Evolution event = Evolution.text(clinic.instance(), "5511944440001", "privilégio mínimo");

            assertThat(post(replica, event)).contains("\"accepted\"");
            assertThat(post(replica, event)).contains("\"duplicate\"");
            assertThat(post(replica, Evolution.text("unknown-" + Evolution.newId(), "5511944440002", "x")))
                    .contains("\"quarantined\"");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> stream.ofClinic(clinic.clinicId()).size() == 1);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Db.outbox(clinic.clinicId()) == 0);
            // SCAN + UNLINK under the service's own prefix, and the invalidation channel.
            assertThat(replica.post("/admin/cache/invalidate", "{\"pattern\": \"whatsapp:instance:least-privilege*\"}")
                    .statusCode()).isEqualTo(200);
            assertThat(replica.post("/admin/cache/invalidate", "{\"instance\": \"" + clinic.instance() + "\"}")
                    .statusCode()).isEqualTo(200);

            assertThat(replica.log()).contains("connected to PostgreSQL as " + APP_ROLE + ": DML only")
                    .doesNotContain("permission denied").doesNotContain("NOPERM").doesNotContain("must be owner")
                    .doesNotContain(" ERROR ");
        }
        try (Connection app = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + DATABASE, APP_ROLE,
                APP_PASSWORD)) {
            for (String forbidden : List.of("CREATE TABLE core.intruder (id int)", "TRUNCATE core.whatsapp_messages",
                    "DELETE FROM core.flyway_schema_history", "DROP TABLE core.turn_outbox")) {
                assertThatThrownBy(() -> app.createStatement().execute(forbidden)).as(forbidden)
                        .isInstanceOf(SQLException.class).hasMessageMatching("(?s).*(permission denied|must be owner).*");
            }
        }
    }

    private static String post(Replica replica, Evolution event) throws Exception {
        return replica.postWebhook(event).get(30, TimeUnit.SECONDS).body();
    }

    private static void script(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
    }
}
