package clinic.ingress.clinic;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Clinic directory settings ({@code ingress.clinic.*}).
 */
@ConfigMapping(prefix = "ingress.clinic")
public interface ClinicConfig {

    /** The seed's rollback switch: false resolves every instance straight from PostgreSQL. */
    @WithDefault("true")
    boolean cacheEnabled();

    /** Redis TTL of a directory entry (jittered so a warm-up does not expire at one instant). */
    @WithDefault("1h")
    Duration ttl();

    /** In-process TTL of a directory entry; changes arrive by invalidation, this only bounds a missed one. */
    @WithDefault("5m")
    Duration localTtl();

    /** How long an unknown instance is remembered as unknown, in process and in Redis. */
    @WithDefault("30s")
    Duration negativeTtl();

    /** PostgreSQL NOTIFY channel fed by the directory triggers (migration V4). */
    @WithDefault("clinic_directory")
    String notifyChannel();

    /**
     * How often the LISTEN connection proves it is alive with {@code SELECT 1}: it only receives,
     * so a server or network gone silent (no RST) would otherwise leave it waiting forever.
     */
    @WithDefault("30s")
    Duration listenHeartbeat();

    /** How long that {@code SELECT 1} may take before the connection is closed and opened again. */
    @WithDefault("5s")
    Duration listenHeartbeatTimeout();
}
