package clinic.ingress.memory;

import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.fairness.FairQueue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The mem0 search budget, shared fairly: at most {@code ingress.memory.search-concurrency} searches
 * run at once; the rest wait in one lane per organization, taken by round robin
 * ({@link FairQueue}), so a clinic whose burst brings hundreds of new patients does not make another
 * clinic's patient wait behind all of them. When the waiting room ({@code search-queue}) is full,
 * the organization waiting with the most gives way: its search fails at once with {@link Busy}, and
 * its lookup answers stale or none, as it would on a timeout.
 *
 * <p>
 * It replaces the FIFO bulkhead SmallRye Fault Tolerance had on the search: in a FIFO queue the
 * burst took every place. Timeouts and the circuit breaker stay on {@link Mem0Gateway}.
 */
// Created at start, not on first use: its meters exist (at 0) on the first scrape.
@Startup
@ApplicationScoped
class Mem0Searches {

    /** No place for this search now: the caller falls back as on a timeout. */
    static final class Busy extends RuntimeException {
        Busy() {
            super("mem0 search queue full and this organization waits with the most", null, false, false);
        }
    }

    private record Waiting<T>(Supplier<Uni<T>> call, UniEmitter<? super T> answer) {

        void start(Mem0Searches owner) {
            Uni<T> running;
            try {
                running = call.get();
            } catch (RuntimeException e) {
                running = Uni.createFrom().failure(e);
            }
            running.subscribe().with(
                    item -> {
                        owner.done();
                        answer.complete(item);
                    },
                    failure -> {
                        owner.done();
                        answer.fail(failure);
                    });
        }
    }

    private final int concurrency;
    private final FairQueue<UUID, Waiting<?>> waiting;
    private final Counter refused;
    private int running;

    Mem0Searches(MemoryConfig config, MeterRegistry registry) {
        this.concurrency = Math.max(1, config.searchConcurrency());
        this.waiting = new FairQueue<>(item -> 1, Math.max(1, config.searchQueue()), 1);
        this.refused = Counter.builder("ingress.memory.searches.refused")
                .description("mem0 searches given up because the waiting room was full (lookup served stale or none)")
                .register(registry);
        Gauge.builder("ingress.memory.searches.waiting", this, Mem0Searches::waitingCount)
                .description("mem0 searches waiting for a place")
                .register(registry);
    }

    /** Runs {@code call} when a place is free and it is {@code organization}'s turn. */
    <T> Uni<T> submit(UUID organization, Supplier<Uni<T>> call) {
        return Uni.createFrom().emitter(answer -> {
            Waiting<T> mine = new Waiting<>(call, answer);
            boolean startNow = false;
            FairQueue.Offer<Waiting<?>> offer = null;
            synchronized (this) {
                if (running < concurrency && waiting.isEmpty()) {
                    running++;
                    startNow = true;
                } else {
                    offer = waiting.offer(organization, mine);
                }
            }
            if (startNow) {
                mine.start(this);
                return;
            }
            if (!offer.queued()) {
                refuse(mine);
            }
            offer.evicted().forEach(this::refuse);
        });
    }

    private void done() {
        Waiting<?> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                running--;
            }
        }
        if (next != null) {
            next.start(this);
        }
    }

    private void refuse(Waiting<?> pushedOut) {
        refused.increment();
        pushedOut.answer().fail(new Busy());
    }

    private synchronized int waitingCount() {
        return waiting.size();
    }
}
