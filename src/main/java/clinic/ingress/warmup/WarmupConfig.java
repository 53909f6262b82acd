package clinic.ingress.warmup;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Start-up warm-up settings ({@code ingress.warmup.*}).
 */
@ConfigMapping(prefix = "ingress.warmup")
interface WarmupConfig {

    /** Run the warm-up at start-up; readiness stays DOWN until it has succeeded once. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Redis writes sent as one pipeline (one round trip) while loading the directory into a
     * standalone Redis; the pipelines go one after another.
     */
    @WithDefault("256")
    int pipeline();

    /**
     * Redis writes in flight at once while loading the directory into a Redis Cluster, where each
     * value is its own command (a pipeline may only hold one slot's keys).
     */
    @WithDefault("64")
    int concurrency();

    /** First delay between failed warm-up attempts; doubles up to {@link #maxBackoff()}. */
    @WithDefault("1s")
    Duration initialBackoff();

    @WithDefault("30s")
    Duration maxBackoff();

    /** The most one warm-up attempt may take (query and cache fill); past it the attempt fails and is retried. */
    @WithDefault("60s")
    Duration timeout();
}
