package clinic.ingress.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When a cached memory is fresh, and when to refresh it before it is not: pure decisions, tested
 * without Quarkus (FreshnessTest).
 *
 * <ul>
 * <li>Adaptive TTL: patients looked up {@code active-lookups} times an hour or more stay fresh
 * {@code active-fresh-factor} times longer, never past the stale bound.</li>
 * <li>XFetch (Vattani et al., "Optimal probabilistic cache stampede prevention"): refresh early
 * with a probability that grows as expiry nears, scaled by how long the last fetch took.</li>
 * </ul>
 */
final class Freshness {

    private final int activeLookups;
    private final double activeFactor;
    private final long staleMs;
    private final double beta;
    private final DoubleSupplier random;

    Freshness(int activeLookups, double activeFactor, Duration staleTtl, double beta, DoubleSupplier random) {
        this.activeLookups = activeLookups;
        this.activeFactor = activeFactor;
        this.staleMs = staleTtl.toMillis();
        this.beta = beta;
        this.random = random;
    }

    static Freshness of(MemoryConfig config) {
        return new Freshness(config.activeLookups(), config.activeFreshFactor(), config.staleTtl(),
                config.earlyRefreshBeta(), () -> ThreadLocalRandom.current().nextDouble());
    }

    boolean fresh(MemoryEntry entry, int lookups, Instant now) {
        return Duration.between(entry.fetchedAt(), now).toMillis() < freshFor(entry, lookups);
    }

    long freshFor(MemoryEntry entry, int lookups) {
        double factor = lookups >= activeLookups ? activeFactor : 1.0;
        return Math.min(staleMs, (long) (entry.freshForMs() * factor));
    }

    boolean refreshEarly(MemoryEntry entry, int lookups, Instant now) {
        double earlyMs = -Math.max(1, entry.deltaMs()) * beta * Math.log(Math.max(Double.MIN_VALUE, random.getAsDouble()));
        return now.toEpochMilli() + earlyMs >= entry.fetchedAt().toEpochMilli() + freshFor(entry, lookups);
    }
}
