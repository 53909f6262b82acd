package clinic.ingress.metrics;

import java.util.Map;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;

/**
 * Latency meters publish histogram buckets, not client-side percentiles: percentiles computed in
 * each replica cannot be combined, buckets can ({@code histogram_quantile} over the sum of every
 * replica's buckets). The boundaries come from the benchmark (docs/benchmarks.md): a warm webhook
 * answers in 2-5 ms, p99 20-45 ms under load, the memory lookup budget is 300 ms, the store
 * timeout 5 s, mem0 searches take 0.5-6 s.
 */
@Singleton
public class Histograms {

    private static final double[] REQUEST = millis(1, 2.5, 5, 10, 25, 50, 100, 250, 300, 500, 1000, 2500, 5000);
    private static final double[] MEM0 = millis(50, 100, 250, 500, 1000, 2000, 4000, 8000, 15000);

    private static final Map<String, double[]> BOUNDARIES = Map.of(
            "http.server.requests", REQUEST,
            "ingress.clinic.resolve", REQUEST,
            "ingress.memory.lookup", REQUEST,
            "ingress.store.batch.wait", REQUEST,
            "ingress.store.batch.write", REQUEST,
            "ingress.mem0.calls", MEM0,
            // Messages per store statement (group commit), not a time.
            "ingress.store.batch.size", new double[] { 1, 2, 5, 10, 20, 50, 100, 200 },
            // Age of the memory served with a turn: fresh is under an hour, stale up to a day.
            "ingress.memory.age", millis(60_000, 300_000, 900_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000));

    @Produces
    @Singleton
    MeterFilter buckets(MetricsConfig settings) {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                double[] boundaries = BOUNDARIES.get(id.getName());
                if (boundaries == null) {
                    return config;
                }
                return DistributionStatisticConfig.builder()
                        .serviceLevelObjectives(boundaries)
                        .percentilesHistogram(false)
                        .expiry(settings.histogramExpiry())
                        .build()
                        .merge(config);
            }
        };
    }

    /** Boundaries given in milliseconds, as Micrometer wants them for timers (nanoseconds). */
    private static double[] millis(double... values) {
        double[] nanos = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            nanos[i] = values[i] * 1_000_000;
        }
        return nanos;
    }
}
