package clinic.ingress.metrics;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How the service's histograms are kept ({@code ingress.metrics.*}); their boundaries are
 * {@link Histograms}'.
 */
@ConfigMapping(prefix = "ingress.metrics")
interface MetricsConfig {

    /**
     * How long a histogram's max and its decaying statistics remember a sample: a little longer than
     * Prometheus's usual scrape interval times two, so a scrape never misses a spike.
     */
    @WithDefault("2m")
    Duration histogramExpiry();
}
