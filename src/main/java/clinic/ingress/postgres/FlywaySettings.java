package clinic.ingress.postgres;

import java.util.HashMap;
import java.util.Map;

import jakarta.inject.Singleton;

import org.flywaydb.core.api.configuration.FluentConfiguration;

import io.quarkus.flyway.FlywayConfigurationCustomizer;

/**
 * Flyway settings Quarkus has no property for; docs/runbooks/session-id/apply_session_id_fix.sh (the Flyway Maven
 * plugin, profile {@code migrate}) and the migration tests use the same ones.
 */
@Singleton
public class FlywaySettings implements FlywayConfigurationCustomizer {

    @Override
    public void customize(FluentConfiguration configuration) {
        apply(configuration);
    }

    /** The same settings for Flyway run outside Quarkus (migration tests). */
    public static FluentConfiguration apply(FluentConfiguration configuration) {
        // Flyway serialises replicas with a PostgreSQL advisory lock. The default transactional lock
        // is held inside an open transaction, and CREATE INDEX CONCURRENTLY waits for every open
        // transaction to end: a concurrent index migration would wait for Flyway's own lock forever
        // (flyway/flyway#3508). The session-level lock serialises replicas without that deadlock.
        configuration.configuration(Map.of("flyway.postgresql.transactional.lock", "false"));
        // Lets a non-transactional migration (CONCURRENTLY, or the batched backfill) begin with
        // SET lock_timeout / statement_timeout. Transactional migrations stay transactional.
        configuration.mixed(true);
        // Invalid indexes from failed concurrent builds are rebuilt, never left behind silently.
        configuration.callbacks(new MigrationSafety());
        // afterMigrate__runtime_grants.sql grants DML to the service's role when it is not Flyway's:
        // quarkus.flyway.placeholders.runtime_role, or nobody when Flyway runs outside Quarkus.
        Map<String, String> placeholders = new HashMap<>(configuration.getPlaceholders());
        placeholders.putIfAbsent("runtime_role", "");
        configuration.placeholders(placeholders);
        return configuration;
    }
}
