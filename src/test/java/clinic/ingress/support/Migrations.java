package clinic.ingress.support;

import org.flywaydb.core.Flyway;

import clinic.ingress.postgres.FlywaySettings;

/**
 * Flyway as the service runs it (same locations, schemas, baseline and {@link FlywaySettings}), on a
 * scratch database of a migration test.
 */
public final class Migrations {

    private Migrations() {
    }

    /** @param target the last version to apply, or null for all; @param outOfOrder apply older pending versions too */
    public static Flyway flyway(String url, String target, boolean outOfOrder) {
        var configuration = Flyway.configure()
                .dataSource(url, "postgres", "postgres")
                .locations("filesystem:migrations")
                .schemas("core", "healthcare")
                .defaultSchema("core")
                .baselineOnMigrate(true)
                .baselineVersion("1")
                .outOfOrder(outOfOrder);
        FlywaySettings.apply(configuration);
        if (target != null) {
            configuration.target(target);
        }
        return configuration.load();
    }
}
