package clinic.ingress.support;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The reactive pool through PgBouncer in transaction mode (scripts/services.sh pgbouncer, port 6432),
 * with {@code ingress.postgres.pooled=true}; Flyway and LISTEN keep the direct URL (the JDBC one).
 */
public class PooledPostgres implements QuarkusTestProfile {

    public static final String URL = "postgresql://127.0.0.1:" + System.getProperty("test.pgbouncer.port", "6432")
            + "/clinic_ingress_test";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.datasource.reactive.url", URL,
                "ingress.postgres.pooled", "true");
    }
}
