package clinic.ingress.support;

import java.time.Duration;
import java.util.function.Supplier;

import org.awaitility.Awaitility;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Creating a clinic fires the directory triggers; their NOTIFYs are applied asynchronously (Redis
 * refreshed, local entry evicted). Tests that count cache tiers wait for that to finish first.
 */
public final class Directory {

    private Directory() {
    }

    /** Creates a clinic and waits until its two change notifications (clinic, instance) are applied. */
    public static Db.TestClinic settledClinic(MeterRegistry registry, String prefix) {
        return settled(registry, 2, () -> Db.clinic(prefix));
    }

    /** Runs a change and waits until {@code notifications} more have been applied (ingress.directory.changes). */
    public static <T> T settled(MeterRegistry registry, int notifications, Supplier<T> change) {
        double before = applied(registry);
        T result = change.get();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> applied(registry) >= before + notifications);
        return result;
    }

    private static double applied(MeterRegistry registry) {
        return registry.get("ingress.directory.changes").functionCounter().count();
    }
}
