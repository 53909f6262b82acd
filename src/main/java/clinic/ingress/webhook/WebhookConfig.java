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
     * Bytes of webhook bodies being read or parsed at once, across all requests, taken as they
     * arrive: a body that finds no room is paused (its sender held back by TCP) until there is, and
     * the oldest body always goes on. Each body is held once while it is read and parsed, then only
     * its reduced form (no media bytes). 48 MiB: four 12 MiB media webhooks at once; measured, the
     * native executable stays below 192 MiB under 16 such bodies at once
     * (docs/operations.md#media-bodies).
     */
    @WithDefault("48M")
    MemorySize maxInflightBytes();

    /**
     * Longest pause between two pieces of a body while it is read: a sender that stops sending is
     * answered 408 and its connection closed, so a stalled upload holds a connection for this long
     * at most (and never more of the in-flight budget than it sent). Evolution sends a body at once;
     * 10 s is far beyond a network's hiccup.
     */
    @WithDefault("10s")
    Duration bodyIdleTimeout();

    /**
     * Longest a whole body may take to arrive (from its headers), including any wait for room in
     * the in-flight budget: 408 past it (503 with Retry-After if it was waiting for room). Below
     * Evolution's own 30 s request timeout, so the sender reads an answer rather than timing out;
     * a 16 MB body needs about 1 MB/s.
     */
    @WithDefault("25s")
    Duration bodyReadTimeout();

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
