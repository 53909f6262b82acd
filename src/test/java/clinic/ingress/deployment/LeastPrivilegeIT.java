package clinic.ingress.deployment;

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
        // The tests' Redis database is 2: SELECT is then allowed (it cannot be limited to one database).
        script(Map.of("REDIS_ACL_PASSWORD", REDIS_PASSWORD), "scripts/redis-acl.sh", "--db", "2", REDIS_USER);
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
            // SCAN is not the shipped user's: pattern invalidation says so (403); by instance it works.
            var pattern = replica.post("/admin/cache/invalidate", "{\"pattern\": \"whatsapp:instance:least-privilege*\"}");
            assertThat(pattern.statusCode()).isEqualTo(403);
            assertThat(pattern.body()).contains("scan-refused").contains("--allow-scan");
            assertThat(replica.post("/admin/cache/invalidate", "{\"instance\": \"" + clinic.instance() + "\"}")
                    .statusCode()).isEqualTo(200);
            // A line's status and a patient's erasure, with these rights only.
            Evolution connection = Evolution.event("connection.update", clinic.instance());
            connection.data().put("state", "open");
            assertThat(post(replica, connection)).contains("\"recorded\"");
            var erase = replica.post("/admin/patients/erase",
                    "{\"instance\": \"" + clinic.instance() + "\", \"phone\": \"5511944440001\"}");
            assertThat(erase.statusCode()).as(erase.body()).isEqualTo(202);
            String erasure = erase.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> replica.get("/admin/patients/erasures/" + erasure)
                    .body().contains("\"status\":\"done\""));
            assertThat(Db.messages(clinic.instance())).isZero();

            assertThat(replica.log()).contains("connected to PostgreSQL as " + APP_ROLE + ": DML only")
                    .doesNotContain("permission denied").doesNotContain("must be owner").doesNotContain(" ERROR ");
        }
        try (Connection app = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + DATABASE, APP_ROLE,
                APP_PASSWORD)) {
            // No DDL, no TRUNCATE, not Flyway's history; and the directory and credentials read-only: a
            // compromised replica cannot mint an instance secret, move an instance to another clinic,
            // add an operator or erase the audit trail.
            for (String forbidden : List.of("CREATE TABLE core.intruder (id int)", "TRUNCATE core.whatsapp_messages",
                    "DELETE FROM core.flyway_schema_history", "DROP TABLE core.turn_outbox",
                    "UPDATE core.whatsapp_instances SET webhook_secret_sha256 = repeat('a', 64)",
                    "UPDATE core.whatsapp_instances SET clinic_id = clinic_id",
                    "INSERT INTO core.whatsapp_instances (instance_name) VALUES ('minted')",
                    "UPDATE healthcare.clinics SET name = name", "DELETE FROM core.organizations",
                    "INSERT INTO core.admin_operators (name, token_sha256) VALUES ('intruder', repeat('b', 64))",
                    "DELETE FROM core.admin_audit", "UPDATE core.admin_audit SET operator = 'someone else'")) {
                assertThatThrownBy(() -> app.createStatement().execute(forbidden)).as(forbidden)
                        .isInstanceOf(SQLException.class).hasMessageMatching("(?s).*(permission denied|must be owner).*");
            }
            assertThat(app.createStatement().executeQuery("SELECT count(*) FROM core.whatsapp_instances").next()).isTrue();
        }
        // Redis: what the service never sends is refused to its user.
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        io.vertx.redis.client.Redis redis = io.vertx.redis.client.Redis.createClient(vertx,
                "redis://" + REDIS_USER + ":" + REDIS_PASSWORD + "@127.0.0.1:6379/2");
        try {
            for (List<String> forbidden : List.of(List.of("FUNCTION", "FLUSH"), List.of("SCRIPT", "FLUSH"), List.of("FLUSHDB"),
                    List.of("FLUSHALL"), List.of("SCAN", "0"), List.of("RANDOMKEY"), List.of("KEYS", "*"),
                    List.of("XGROUP", "DESTROY", "ingress:turns", "assistant"), List.of("CONFIG", "GET", "maxmemory"),
                    List.of("GET", "another-application:key"))) {
                io.vertx.redis.client.Request request = io.vertx.redis.client.Request
                        .cmd(io.vertx.redis.client.Command.create(forbidden.get(0)));
                forbidden.subList(1, forbidden.size()).forEach(request::arg);
                assertThatThrownBy(
                        () -> redis.send(request).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
                        .as(String.join(" ", forbidden)).hasMessageContaining("NOPERM");
            }
        } finally {
            redis.close();
            vertx.close();
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
