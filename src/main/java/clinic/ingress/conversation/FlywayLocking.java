package clinic.ingress.conversation;

import java.util.Map;

import jakarta.inject.Singleton;

import org.flywaydb.core.api.configuration.FluentConfiguration;

import io.quarkus.flyway.FlywayConfigurationCustomizer;

/**
 * Flyway serialises replicas with a PostgreSQL advisory lock. Its default transactional lock is held
 * inside an open transaction, and CREATE INDEX CONCURRENTLY waits for every open transaction to end,
 * so a concurrent index migration would wait for Flyway's own lock forever (flyway/flyway#3508).
 * The session-level lock keeps replicas serialised without that deadlock.
 */
@Singleton
public class FlywayLocking implements FlywayConfigurationCustomizer {

    @Override
    public void customize(FluentConfiguration configuration) {
        configuration.configuration(Map.of("flyway.postgresql.transactional.lock", "false"));
    }
}
