package clinic.ingress.dispatch;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Turn hand-off settings ({@code ingress.dispatch.*}).
 */
@ConfigMapping(prefix = "ingress.dispatch")
public interface DispatchConfig {

    /** Redis Stream the clinic assistant consumes. */
    @WithDefault("ingress:turns")
    String stream();

    /** Approximate MAXLEN of the stream (XADD MAXLEN ~): bounds Redis memory. */
    @WithDefault("100000")
    long maxLength();

    /**
     * Publish each turn right after the store. False leaves every turn to the relay: only for
     * tests that simulate a crash between storing and publishing.
     */
    @WithDefault("true")
    boolean publishAfterStore();

    /** How often the relay looks for turns stored but not published. */
    @WithDefault("2s")
    Duration relayInterval();

    /** A pending turn younger than this is left to the normal path, which is about to publish it. */
    @WithDefault("5s")
    Duration relayGrace();

    /** Turns republished per relay round, oldest first. */
    @WithDefault("200")
    int relayBatch();

    /** Longest pause between relay rounds while Redis keeps failing. */
    @WithDefault("30s")
    Duration relayMaxBackoff();

    /** Published marks are written to PostgreSQL in batches, at most this long after the XADD. */
    @WithDefault("200ms")
    Duration markInterval();
}
