package clinic.ingress.cache;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;

/**
 * {@code ingress.cache.requests} tagged {@code cache} (clinic, memory), {@code tier}
 * (local, redis, database, mem0) and {@code result} (hit, miss, negative, stale, error, corrupt, outdated,
 * rekeyed: read under a previous encryption key and sealed again under the current one):
 * small fixed sets, never a key.
 */
// Created at start, not on first use: its meters exist (at 0) on the first scrape, so an
// increase() alert sees the first event after a deploy.
@Startup
@ApplicationScoped
public class CacheMetrics {

    public static final String REQUESTS = "ingress.cache.requests";

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    /** Every series that can occur, registered at start-up: an increase() alert fires on the first event. */
    private static final Map<String, List<String>> TIERS = Map.of(
            "clinic", List.of("local", "redis", "database"),
            "memory", List.of("local", "redis", "mem0"));
    private static final List<String> RESULTS = List.of("hit", "miss", "negative", "stale", "error", "corrupt", "outdated",
            "rekeyed");

    public CacheMetrics(MeterRegistry registry) {
        this.registry = registry;
        TIERS.forEach((cache, tiers) -> tiers.forEach(tier -> RESULTS.forEach(result -> counter(cache, tier, result))));
    }

    private Counter counter(String cache, String tier, String result) {
        return counters.computeIfAbsent(cache + '/' + tier + '/' + result, k -> Counter.builder(REQUESTS)
                .description("Cache lookups by cache, tier and result")
                .tags("cache", cache, "tier", tier, "result", result)
                .register(registry));
    }

    public void count(String cache, String tier, String result) {
        counter(cache, tier, result).increment();
    }

    /** Current counts, for {@code GET /admin/cache/stats}: cache -> "tier.result" -> count. */
    public Map<String, Map<String, Long>> snapshot() {
        Map<String, Map<String, Long>> stats = new TreeMap<>();
        registry.find(REQUESTS).counters().forEach(c -> stats
                .computeIfAbsent(c.getId().getTag("cache"), k -> new TreeMap<>())
                .put(c.getId().getTag("tier") + "." + c.getId().getTag("result"), (long) c.count()));
        return stats;
    }
}
