package clinic.ingress.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Replica;

/**
 * The packaged service in the prod profile, with production-strength secrets: it refuses to start
 * when patient memories would be cached in plaintext or turns published unsealed, naming the key to
 * set, and starts with a warning when its database role is a superuser.
 */
class ProdStartIT {

    private static final String ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    private static final String SEAL_KEY = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

    @Test
    void refusesToStartWithoutTheCacheEncryptionKeyNamingIt() throws Exception {
        List<String> settings = prod();
        settings.add("ingress.dispatch.seal-key=" + SEAL_KEY);
        Replica.Exit exit = Replica.runToExit(Duration.ofSeconds(90), "prod", settings.toArray(String[]::new));

        assertThat(exit.code()).isNotZero();
        assertThat(exit.output()).contains("clinic-ingress refuses to start: ").contains("ingress.cache.encryption-key")
                .contains("ingress.cache.plaintext-allowed");
    }

    @Test
    void refusesToStartWithoutTheTurnSealKeyNamingIt() throws Exception {
        List<String> settings = prod();
        settings.add("ingress.cache.encryption-key=" + ENCRYPTION_KEY);
        Replica.Exit exit = Replica.runToExit(Duration.ofSeconds(90), "prod", settings.toArray(String[]::new));

        assertThat(exit.code()).isNotZero();
        assertThat(exit.output()).contains("clinic-ingress refuses to start: ").contains("ingress.dispatch.seal-key")
                .contains("ingress.dispatch.plaintext-allowed").doesNotContain("ingress.cache.encryption-key (");
    }

    @Test
    void startsWithTheKeysAndWarnsThatItsRoleIsASuperuser() throws Exception {
        List<String> settings = prod();
        settings.add("ingress.cache.encryption-key=" + ENCRYPTION_KEY);
        settings.add("ingress.dispatch.seal-key=" + SEAL_KEY);
        try (Replica replica = Replica.startWithProfile("prod", settings.toArray(String[]::new))) {
            assertThat(replica.log()).contains("connected to PostgreSQL as postgres, a superuser");
            assertThat(replica.metric("ingress_postgres_privileged")).isEqualTo(1.0);
            assertThat(replica.metric("ingress_cache_plaintext")).isEqualTo(0.0);
            assertThat(replica.metric("ingress_dispatch_plaintext")).isEqualTo(0.0);
        }
    }

    /** What a production deployment sets (docs/deployment.md), pointed at the tests' servers. */
    private static List<String> prod() {
        return new ArrayList<>(List.of(
                "DATABASE_REACTIVE_URL=postgresql://127.0.0.1:5432/clinic_ingress_test",
                "DATABASE_JDBC_URL=jdbc:postgresql://127.0.0.1:5432/clinic_ingress_test",
                "DATABASE_USERNAME=postgres",
                "DATABASE_PASSWORD=postgres",
                "REDIS_URL=redis://127.0.0.1:6379/2",
                "INGRESS_CACHE_KEY_SECRET=prod-start-it-key-secret-0123456789abcdef",
                "ingress.webhook.token=prod-start-it-webhook-token-0123456789abcdef"));
    }
}
