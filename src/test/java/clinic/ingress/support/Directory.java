package clinic.ingress.support;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

import org.awaitility.Awaitility;

import clinic.ingress.cache.CacheMetrics;
import clinic.ingress.clinic.Clinic;
import clinic.ingress.clinic.ClinicChanges;
import clinic.ingress.clinic.ClinicDirectory;

/**
 * Creating a clinic fires the directory triggers; their NOTIFYs are applied asynchronously (Redis
 * refreshed, local entry evicted). Tests that count cache tiers wait for that to finish first.
 */
public final class Directory {

    private Directory() {
    }

    /** Creates a clinic and waits until its two change notifications (clinic, instance) are applied. */
    public static Db.TestClinic settledClinic(ClinicChanges changes, String prefix) {
        return settled(changes, 2, () -> Db.clinic(prefix));
    }

    /**
     * Runs a change and waits until {@code notifications} more have been applied. Read from the bean,
     * not from the meter registry: in a test JVM the registry can outlive one application and keep
     * the first application's meter.
     */
    public static <T> T settled(ClinicChanges changes, int notifications, Supplier<T> change) {
        long before = changes.handled();
        T result = change.get();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> changes.handled() >= before + notifications);
        return result;
    }

    /** Resolves an instance as the webhook path does, waiting at most 5 s (a test bound, not a speed claim). */
    public static Clinic resolve(ClinicDirectory directory, String instance) {
        return directory.resolve(instance).await().atMost(Duration.ofSeconds(5));
    }

    /** Where three resolutions of one instance were answered: reads of PostgreSQL and local-tier hits. */
    public record Reads(long database, long local) {
    }

    /** Resolves {@code clinic}'s instance three times (each must find the clinic) and counts where from. */
    public static Reads resolveThreeTimes(ClinicDirectory directory, CacheMetrics metrics, Db.TestClinic clinic) {
        long database = count(metrics, "database.hit");
        long local = count(metrics, "local.hit");
        for (int i = 0; i < 3; i++) {
            if (!resolve(directory, clinic.instance()).clinicId().equals(clinic.clinicId())) {
                throw new AssertionError("resolved to another clinic");
            }
        }
        return new Reads(count(metrics, "database.hit") - database, count(metrics, "local.hit") - local);
    }

    /**
     * The directory's cache metric ("clinic", as ClinicDirectory.CACHE) for {@code tierResult} ({@code local.hit},
     * {@code database.hit}, ...).
     */
    public static long count(CacheMetrics metrics, String tierResult) {
        return metrics.snapshot().getOrDefault("clinic", Map.of()).getOrDefault(tierResult, 0L);
    }
}
