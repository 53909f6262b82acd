package clinic.ingress.memory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;

/**
 * The patient-memory meters: lookup time and age of what was served (histograms, platform.Histograms),
 * stale serves, coalesced lookups and mem0 calls in flight.
 */
// Created at start, not on first use: its meters exist (at 0) on the first scrape, so an
// increase() alert sees the first event after a deploy.
@Startup
@ApplicationScoped
class MemoryMetrics {

    private final MeterRegistry registry;
    private final Counter staleServed;
    private final Counter coalesced;
    private final Timer lookup;
    private final Timer age;

    MemoryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.staleServed = Counter.builder("ingress.memory.stale.served")
                .description("Stale memory entries served because mem0 was slow or failing")
                .register(registry);
        this.coalesced = Counter.builder("ingress.memory.coalesced")
                .description("Lookups that joined a mem0 call already in flight instead of making one")
                .register(registry);
        this.lookup = Timer.builder("ingress.memory.lookup")
                .description("Time a webhook spent getting a patient's memories (bounded by the lookup budget)")
                .register(registry);
        this.age = Timer.builder("ingress.memory.age")
                .description("Age of the memory entry a lookup served (0 when mem0 answered within the budget)")
                .register(registry);
    }

    /** Exports the size of the in-flight map (one entry per mem0 call running in this process). */
    void inflight(Map<?, ?> inflight) {
        registry.gaugeMapSize("ingress.memory.inflight", List.of(), inflight);
    }

    void staleServed() {
        staleServed.increment();
    }

    void coalesced() {
        coalesced.increment();
    }

    void lookup(long nanos) {
        lookup.record(nanos, TimeUnit.NANOSECONDS);
    }

    void served(Duration entryAge) {
        age.record(entryAge);
    }
}
