package clinic.ingress.cache;

import java.util.concurrent.CompletableFuture;

/**
 * The local tiers hold futures (one load per key per process): what counts as a local hit is a
 * future that has completed normally.
 */
public final class Loaded {

    private Loaded() {
    }

    /** The value of a completed, successful future; null when absent, still loading or failed. */
    public static <T> T valueOf(CompletableFuture<T> future) {
        return future != null && future.isDone() && !future.isCompletedExceptionally() ? future.join() : null;
    }
}
