package clinic.ingress.support;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Routes the service's reactive PostgreSQL pool through a {@link TcpProxy} the test can cut.
 * Flyway keeps its direct JDBC URL: the outage concerns the request path, not start-up.
 */
public class PostgresProxyResource implements QuarkusTestResourceLifecycleManager {

    private static TcpProxy proxy;

    public static TcpProxy proxy() {
        return proxy;
    }

    @Override
    public Map<String, String> start() {
        proxy = new TcpProxy(5432);
        return Map.of("quarkus.datasource.reactive.url",
                "postgresql://127.0.0.1:" + proxy.port() + "/clinic_ingress_test",
                // Short, so a slow PostgreSQL (proxy latency) outlasts it without a slow test.
                "ingress.webhook.store-timeout", "1s");
    }

    @Override
    public void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }
}
