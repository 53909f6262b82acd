package clinic.ingress.background;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How the long-lived subscriptions (PostgreSQL LISTEN for the clinic directory, Redis pub/sub for
 * cache invalidation) come back after their connection is lost ({@code ingress.reconnect.*}): one
 * backoff for both, so an outage of either server is retried the same way.
 */
@ConfigMapping(prefix = "ingress.reconnect")
interface ReconnectConfig {

    /** The first retry's delay; it doubles per failed attempt up to {@link #max()}. */
    @WithDefault("250ms")
    Duration first();

    /** The longest pause between attempts while a server stays away. */
    @WithDefault("30s")
    Duration max();
}
