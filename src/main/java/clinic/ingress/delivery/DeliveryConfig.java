package clinic.ingress.delivery;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The message path's settings that sit under {@code ingress.webhook.*} (how long a message waits for
 * PostgreSQL, silent instances, what the parser keeps), shared with {@link clinic.ingress.webhook} by prefix.
 */
@ConfigMapping(prefix = "ingress.webhook")
public interface DeliveryConfig {
    /** The most a webhook waits for PostgreSQL before answering 503. */
    @WithDefault("5s")
    Duration storeTimeout();

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

    /** Largest accepted body; larger ones get 413 (Evolution retries 413, so keep it generous). */
    @WithDefault("16M")
    MemorySize maxBodySize();
}
