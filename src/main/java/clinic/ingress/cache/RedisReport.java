package clinic.ingress.cache;

import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import clinic.ingress.background.Background;
import clinic.ingress.background.FailureLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.StartupEvent;

/**
 * Reports Redis without letting it decide readiness. The webhook path stores and answers without
 * Redis (caches fall through, turns wait in the outbox), so a Redis outage must not take every
 * replica out of the load balancer, which Quarkus's own Redis readiness check would do
 * ({@code quarkus.redis.health.enabled=false}). Redis is pinged in the background; the result is in
 * the readiness details and in {@code ingress.redis.up}.
 */
@Readiness
@ApplicationScoped
public class RedisReport implements HealthCheck {

    private final ReactiveRedisDataSource redis;
    private final Background background;
    private final RedisReportConfig config;
    private final AtomicInteger up = new AtomicInteger(-1);
    private final FailureLog failures = new FailureLog(RedisReport.class, "Redis does not answer PING");

    public RedisReport(ReactiveRedisDataSource redis, Background background, RedisReportConfig config,
            MeterRegistry registry) {
        this.redis = redis;
        this.background = background;
        this.config = config;
        registry.gauge("ingress.redis.up", up, value -> Math.max(0, value.get()));
    }

    void start(@Observes StartupEvent event) {
        ping();
        background.every(config.pingInterval(), this::ping);
    }

    private void ping() {
        redis.execute("PING")
                .ifNoItem().after(config.pingTimeout()).fail()
                .subscribe().with(pong -> {
                    up.set(1);
                    failures.recovered();
                }, failure -> {
                    failures.failed(failure, "webhooks are still stored; pinged again every " + config.pingInterval());
                    up.set(0);
                });
    }

    @Override
    public HealthCheckResponse call() {
        String state = switch (up.get()) {
            case 1 -> "up";
            case 0 -> "down: " + failures.cause() + " (webhooks are stored; caches fall through, turns wait in the outbox)";
            default -> "not checked yet";
        };
        return HealthCheckResponse.named("Redis (reported, does not gate readiness)")
                .up()
                .withData("redis", state)
                .build();
    }
}
