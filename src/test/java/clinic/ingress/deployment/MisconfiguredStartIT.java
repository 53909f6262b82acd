package clinic.ingress.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Replica;

/**
 * A newcomer's two commonest mistakes, a database role that does not exist and a wrong Redis
 * password, on the packaged service with the prod profile: each job that needs the server says so
 * in one ERROR line naming the cause and what to check, retries quietly with backoff, and floods
 * nothing (no stack trace, no "Result is already complete" from Vert.x's pool); the readiness
 * details say why. Runs well past the pool's connection timeout (2 s here), where the flood began.
 */
class MisconfiguredStartIT {

    /** PostgreSQL's words, as the readiness JSON quotes them. */
    private static final String MISSING_ROLE = "role \\\"ghost_role\\\" does not exist";

    @Test
    void aMissingRoleAndAWrongRedisPasswordAreEachNamedInOneLineAndInReadiness() throws Exception {
        try (Replica replica = Replica.launch("prod", settings())) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> {
                        String readiness = replica.management("/q/health/ready").body();
                        return readiness.contains(MISSING_ROLE) && readiness.contains("WRONGPASS");
                    });
            // Past the pool's connection timeout (2 s here, 30 s by default) several times over, its
            // timers being what produced the flood: the warm-up has failed and retried with backoff
            // (1 s, 2 s, 4 s) at least four times, about 7 s.
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> failedWarmups(replica.management("/q/health/ready").body()) >= 4);

            var readiness = replica.management("/q/health/ready");
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).contains(MISSING_ROLE).contains("WRONGPASS");

            List<String> lines = replica.log().lines().toList();
            assertThat(lines).filteredOn(l -> l.contains("cannot read instance webhook secrets:")).singleElement()
                    .satisfies(l -> assertThat(l).contains(" ERROR ").contains("role \"ghost_role\" does not exist")
                            .contains("DATABASE_USERNAME"));
            assertThat(lines).filteredOn(l -> l.contains("Redis does not answer PING:")).singleElement()
                    .satisfies(l -> assertThat(l).contains(" ERROR ").contains("WRONGPASS").contains("REDIS_URL"));
            assertThat(lines).noneMatch(l -> l.contains("Result is already complete") || l.contains("Uncaught exception"))
                    .noneMatch(l -> l.startsWith("\tat ")).noneMatch(l -> l.contains("SRHCK01001"));
            assertThat(lines).filteredOn(l -> l.contains(" ERROR ") || l.contains(" WARN ")).as("errors and warnings")
                    .hasSizeLessThan(12);
        }
    }

    /** The warm-up's failed attempts, as its readiness check reports them. */
    private static int failedWarmups(String readiness) {
        Matcher attempts = Pattern.compile("\"failedAttempts\"\\s*:\\s*(\\d+)").matcher(readiness);
        return attempts.find() ? Integer.parseInt(attempts.group(1)) : 0;
    }

    private static String[] settings() {
        return new String[] {
                "quarkus.log.console.json.enabled=false",
                "ingress.postgres.connection-timeout=2s",
                "DATABASE_REACTIVE_URL=postgresql://127.0.0.1:5432/clinic_ingress_test",
                "DATABASE_JDBC_URL=jdbc:postgresql://127.0.0.1:5432/clinic_ingress_test",
                "DATABASE_USERNAME=ghost_role",
                "DATABASE_PASSWORD=not-a-password",
                // As the plain-host recipe runs it: migrations are a step of their own (docs/deployment.md).
                "quarkus.flyway.migrate-at-start=false",
                "REDIS_URL=redis://ghost:wrong-password@127.0.0.1:6379/2",
                "ingress.cache.key-secret=misconfigured-it-key-secret-0123456789abcdef",
                "ingress.webhook.token=misconfigured-it-webhook-token-0123456789abcdef",
                "ingress.cache.encryption-key=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                "ingress.dispatch.seal-key=ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=" };
    }
}
