package clinic.ingress.support;

import java.time.Duration;
import java.util.function.Supplier;

import org.awaitility.Awaitility;


/**
 * Creating a clinic fires the directory triggers; their NOTIFYs are applied asynchronously (Redis
 * refreshed, local entry evicted). Tests that count cache tiers wait for that to finish first.
 */
public final class Directory {

    private Directory() {
    }

    /** Creates a clinic and waits until its two change notifications (clinic, instance) are applied. */
    public static Db.TestClinic settledClinic(String prefix) {
        return settled(2, () -> Db.clinic(prefix));
    }

    /**
     * Runs a change and waits until {@code notifications} more have been applied, as the service
     * itself reports them ({@code ingress_directory_changes_total} on the management port).
     */
    public static <T> T settled(int notifications, Supplier<T> change) {
        double before = applied();
        T result = change.get();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> applied() >= before + notifications);
        return result;
    }

    private static double applied() {
        return Management.given().get("/q/metrics").then().extract().asString().lines()
                .filter(line -> line.startsWith("ingress_directory_changes_total"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
