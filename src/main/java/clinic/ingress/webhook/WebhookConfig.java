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

    /** Longest JWT lifetime ({@code exp - iat}) accepted; Evolution issues 10-minute tokens. */
    @WithDefault("15m")
    Duration jwtMaxLifetime();

    /** Accept the body {@code apikey} when it matches the instance's stored token hash. */
    @WithDefault("false")
    boolean instanceApikeyEnabled();

    /**
     * Refuse every sender that does not present its instance's own secret
     * ({@code core.whatsapp_instances.webhook_secret_sha256}): the global token, the JWT secret and
     * the body apikey then authenticate nothing.
     */
    @WithDefault("false")
    boolean requireInstanceSecret();

    /** Safety-net reload of the per-instance secret index (changes normally arrive by NOTIFY at once). */
    @WithDefault("1m")
    Duration secretRefresh();

    /** Largest accepted body; larger ones get 413 (Evolution retries 413, so keep it generous). */
    @WithDefault("16M")
    MemorySize maxBodySize();

    /**
     * Bytes of webhook bodies being read or parsed at once, across all requests; a body that does not
     * fit is answered 503 with {@code Retry-After} before it is read (Evolution retries it). Each
     * body is held once while it is read and parsed, then only its reduced form (no media bytes). 48
     * MiB: four 12 MiB media webhooks at once; measured, the native executable stays below 192 MiB
     * under 16 such bodies at once (docs/operations.md#media-bodies).
     */
    @WithDefault("48M")
    MemorySize maxInflightBytes();

    /**
     * Messages per second one instance may send to this replica (a token bucket, {@link #instanceBurst()}
     * deep); beyond it the webhook is answered 429 with {@code Retry-After}, before the store or mem0
     * is touched, and Evolution retries it later. A re-send storm from one Evolution server then
     * costs the other clinics little. 0 turns the limit off.
     */
    @WithDefault("50")
    double instanceRate();

    /** Messages one instance may send at once above {@link #instanceRate()} (a clinic's morning rush). */
    @WithDefault("200")
    int instanceBurst();

    /**
     * How long a 429 is held before it is sent: a storm answered at once comes straight back, and its
     * cheap answers still took, measured, 19,600 requests a second of the CPU the other clinics wait
     * for (docs/operations.md#one-noisy-clinic).
     */
    @WithDefault("500ms")
    Duration throttleDelay();

    /**
     * Largest body read from a sender that sent no header credential (only the body's apikey can
     * vouch for it): such bodies are read before anyone is authenticated, so they are kept small and
     * must announce their length.
     */
    @WithDefault("1M")
    MemorySize apikeyMaxBodySize();

    /**
     * An active instance that has sent messages before and none for this long counts as silent
     * ({@code ingress.webhook.instances.silent}, {@code GET /admin/instances/silent}).
     */
    @WithDefault("6h")
    Duration silenceAlertAfter();

    /** How often the last-seen times gathered on the webhook path go to the shared Redis hash. */
    @WithDefault("10s")
    Duration activityFlushInterval();

    /** How often the silent instances are counted for {@code ingress.webhook.instances.silent}. */
    @WithDefault("1m")
    Duration silenceCheckInterval();

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
        return token().isPresent() || jwtSecret().isPresent() || instanceApikeyEnabled() || requireInstanceSecret();
    }
}
