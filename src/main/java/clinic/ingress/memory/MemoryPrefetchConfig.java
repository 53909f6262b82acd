package clinic.ingress.memory;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Start-up prefetch of recently active patients' memories ({@code ingress.memory.prefetch-*}).
 */
@ConfigMapping(prefix = "ingress.memory")
public interface MemoryPrefetchConfig {

    /** Prefetch at start-up the memories of patients active within this window (0 disables). */
    @WithDefault("6h")
    Duration prefetchWindow();

    /** At most this many patients are prefetched. */
    @WithDefault("2000")
    int prefetchLimit();

    /** Readiness waits for the prefetch at most this long, then the rest continues in the background. */
    @WithDefault("10s")
    Duration prefetchReadinessCap();
}
