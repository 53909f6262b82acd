package clinic.ingress.webhook;

import java.time.Duration;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Webhook ingress settings ({@code ingress.webhook.*}).
 */
@ConfigMapping(prefix = "ingress.webhook")
public interface WebhookConfig {

    /** Shared secret Evolution sends as a custom webhook header. */
    Optional<String> token();

    /** Name of the header carrying {@link #token()}. */
    @WithDefault("X-Webhook-Token")
    String tokenHeader();

    /** The instance's {@code jwt_key}: verifies Evolution's HS256 {@code Authorization: Bearer} token (2.3.0+). */
    Optional<String> jwtSecret();

    /** Clock skew tolerated when checking the JWT's {@code exp}. */
    @WithDefault("30s")
    Duration jwtClockSkew();

    /** Accept the body {@code apikey} when it matches the instance's stored token hash. */
    @WithDefault("false")
    boolean instanceApikeyEnabled();

    /** Largest accepted body; larger ones get 413 (Evolution retries 413, so keep it generous). */
    @WithDefault("16M")
    MemorySize maxBodySize();

    /** Store group ({@code @g.us}) messages instead of ignoring them. */
    @WithDefault("false")
    boolean acceptGroups();

    /** The most a webhook waits for PostgreSQL before answering 503. */
    @WithDefault("5s")
    Duration storeTimeout();

    /** Seconds sent in {@code Retry-After} with a 503. */
    @WithDefault("5")
    int retryAfter();

    /** Whether any credential is configured; prod refuses to start without one. */
    default boolean anyCredential() {
        return token().isPresent() || jwtSecret().isPresent() || instanceApikeyEnabled();
    }
}
