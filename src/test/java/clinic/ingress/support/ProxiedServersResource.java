package clinic.ingress.support;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Routes the service's reactive PostgreSQL pool and Redis client through {@link TcpProxy}s that a
 * test can cut and restore, and that count PostgreSQL statements on the wire. Arguments:
 * {@code postgres-down=true} starts with PostgreSQL unreachable (Flyway keeps its direct URL).
 */
public class ProxiedServersResource implements QuarkusTestResourceLifecycleManager {

    private static TcpProxy postgres;
    private static TcpProxy redis;
    private boolean postgresDown;

    public static TcpProxy postgres() {
        return postgres;
    }

    public static TcpProxy redis() {
        return redis;
    }

    @Override
    public void init(Map<String, String> args) {
        postgresDown = Boolean.parseBoolean(args.getOrDefault("postgres-down", "false"));
    }

    @Override
    public Map<String, String> start() {
        postgres = new TcpProxy(5432).countingPgStatements();
        redis = new TcpProxy(6379);
        if (postgresDown) {
            postgres.down();
        }
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + postgres.port() + "/clinic_ingress_test");
        config.put("quarkus.redis.hosts", "redis://127.0.0.1:" + redis.port() + "/2");
        config.put("ingress.warmup.initial-backoff", "200ms");
        config.put("ingress.warmup.max-backoff", "500ms");
        config.put("ingress.dispatch.relay-interval", "500ms");
        config.put("ingress.dispatch.relay-grace", "1s");
        config.put("ingress.dispatch.relay-max-backoff", "1s");
        return config;
    }

    @Override
    public void stop() {
        postgres.close();
        redis.close();
    }
}
