package clinic.ingress.webhook;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The HTTP intake's settings ({@code ingress.webhook.*}: body limits and deadlines, Retry-After);
 * credentials are {@link clinic.ingress.credentials.CredentialsConfig}, the message path's
 * {@link clinic.ingress.delivery.DeliveryConfig}, under the same prefix.
 */
@ConfigMapping(prefix = "ingress.webhook")
interface WebhookConfig {
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

    /** Store group ({@code @g.us}) messages instead of ignoring them. */
    @WithDefault("false")
    boolean acceptGroups();

    /** Seconds sent in {@code Retry-After} with a 503. */
    @WithDefault("5")
    int retryAfter();
}
