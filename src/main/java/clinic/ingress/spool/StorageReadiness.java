package clinic.ingress.spool;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import clinic.ingress.background.Failures;
import clinic.ingress.conversation.StoreConfig;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Readiness means "can make a message durable": PostgreSQL answers, or the spool takes messages
 * (Redis reachable, room left). It replaces Quarkus's own datasource check, which took every replica
 * out of the load balancer the moment PostgreSQL went away, so that not even the spool could receive
 * the messages of a failover. The details say which one holds messages now, how many wait in the
 * spool and how old the oldest is.
 */
@Readiness
@ApplicationScoped
public class StorageReadiness implements AsyncHealthCheck {

    private final Pool pool;
    private final Spool spool;
    private final Duration pingTimeout;

    public StorageReadiness(Pool pool, Spool spool, StoreConfig config) {
        this.pool = pool;
        this.spool = spool;
        this.pingTimeout = config.readinessPingTimeout();
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT 1").execute()
                .ifNoItem().after(pingTimeout).fail()
                .map(rows -> (String) null)
                .onFailure().recoverWithItem(Failures::describe)
                .map(this::response);
    }

    private HealthCheckResponse response(String postgresFailure) {
        boolean postgres = postgresFailure == null;
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Storage")
                .status(postgres || spool.accepting())
                .withData("postgres", postgres ? "up" : "down: " + postgresFailure)
                .withData("spool",
                        !spool.enabled() ? "off" : spool.accepting() ? "accepting" : spool.readable() ? "full" : "unreachable")
                .withData("spooled", spool.depth())
                .withData("spoolOldestSeconds", (long) spool.oldestSeconds());
        return response.build();
    }
}
