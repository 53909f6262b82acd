package clinic.ingress.background;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * The one way work is scheduled for later: periodic jobs, delayed retries, polls and the store's
 * linger run on the Vert.x event loop, every timer is cancelled at shutdown (nothing fires into a
 * stopping application), and every retry waits by the same capped exponential backoff.
 */
// A singleton, not application-scoped: callers hold the instance itself, not a client proxy, so a
// callback that runs while the application stops (a Redis failure answered after shutdown) finds
// stopped() true instead of asking a closed container for the bean.
@Singleton
public class Background {

    private final Vertx vertx;
    private final ReconnectConfig reconnect;
    private final Set<Long> timers = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;

    public Background(Vertx vertx, ReconnectConfig reconnect) {
        this.vertx = vertx;
        this.reconnect = reconnect;
    }

    /** Runs {@code task} every {@code period}, the first time one period from now. */
    public void every(Duration period, Runnable task) {
        long ms = Math.max(1, period.toMillis());
        timers.add(vertx.setPeriodic(ms, ms, id -> {
            if (!stopped) {
                task.run();
            }
        }));
    }

    /** Runs {@code task} once after {@code delay} (unless the application stops first). */
    public void after(Duration delay, Runnable task) {
        if (stopped) {
            return;
        }
        long[] self = new long[1];
        self[0] = vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
            timers.remove(self[0]);
            if (!stopped) {
                task.run();
            }
        });
        timers.add(self[0]);
    }

    /**
     * Completes after {@code delay} on the event loop (Mutiny's own {@code delayIt} would move the
     * pipeline to a worker thread); never, if the application stops first.
     */
    public Uni<Void> delay(Duration delay) {
        return Uni.createFrom().emitter(emitter -> after(delay, () -> emitter.complete(null)));
    }

    /** Whether the application is stopping: long-lived loops (reconnects) end. */
    public boolean stopped() {
        return stopped;
    }

    /** How long a lost subscription waits before reconnect attempt {@code attempt} (1-based). */
    public Duration reconnectDelay(int attempt) {
        return backoff(attempt, reconnect.first(), reconnect.max());
    }

    /** {@code initial} doubled per attempt (the first attempt waits {@code initial}), at most {@code max}. */
    public static Duration backoff(int attempt, Duration initial, Duration max) {
        long ms = initial.toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
        return ms <= 0 || ms > max.toMillis() ? max : Duration.ofMillis(ms);
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        timers.forEach(vertx::cancelTimer);
        timers.clear();
    }
}
