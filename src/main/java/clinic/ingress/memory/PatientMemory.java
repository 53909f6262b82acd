package clinic.ingress.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Caffeine;

import clinic.ingress.cache.CacheConfig;
import clinic.ingress.cache.CacheKeys;
import clinic.ingress.cache.CacheMetrics;
import clinic.ingress.cache.CachedValue;
import clinic.ingress.cache.Loaded;
import clinic.ingress.cache.SharedCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.cache.CaffeineCache;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;

/**
 * A patient's memories, never making a webhook wait longer than {@code ingress.memory.lookup-budget}.
 *
 * <p>Tiers: Caffeine (75 s) in process, Redis {@code mem0:v1:{org}:{hmac}} fresh for 1 h and kept up
 * to 24 h as stale, then mem0. A fresh entry is used as is; a missing or stale one asks mem0 within
 * the budget, and on timeout or failure the stale entry is served (counted) or none. The mem0 call
 * then goes on and fills both tiers for the next message.
 *
 * <p>Stampedes: one mem0 call per patient in flight per process (later callers share its future),
 * and a short Redis lease so that other replicas wait for that call's result instead of repeating
 * it. Entries are refreshed before expiry (XFetch, with the measured fetch time) and written with a
 * jittered freshness, so a mass warm-up does not expire at one instant; patients looked up often
 * stay fresh longer (adaptive TTL, bounded by the stale limit).
 */
@ApplicationScoped
public class PatientMemory {

    static final String CACHE = "memory";
    private static final String LOCAL = "patient-memory";
    private static final String RELEASE_LEASE =
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    private static final String OWNER = java.util.UUID.randomUUID().toString();

    private final Mem0Gateway mem0;
    private final SharedCache shared;
    private final CaffeineCache local;
    private final CacheKeys keys;
    private final MemoryConfig config;
    private final CacheConfig cacheConfig;
    private final CacheMetrics metrics;
    private final ReactiveRedisDataSource redis;
    private final io.vertx.mutiny.core.Vertx vertx;
    private final Counter staleServed;
    private final Counter coalesced;
    private final io.micrometer.core.instrument.Timer lookupTime;
    private final io.micrometer.core.instrument.Timer age;
    private final ConcurrentHashMap<String, CompletableFuture<Entry>> inflight = new ConcurrentHashMap<>();
    private final com.github.benmanes.caffeine.cache.Cache<String, AtomicInteger> activity;

    public PatientMemory(Mem0Gateway mem0, SharedCache shared, @CacheName(LOCAL) Cache local, CacheKeys keys,
            MemoryConfig config, CacheConfig cacheConfig, CacheMetrics metrics, ReactiveRedisDataSource redis,
            MeterRegistry registry, io.vertx.mutiny.core.Vertx vertx) {
        this.vertx = vertx;
        this.mem0 = mem0;
        this.shared = shared;
        this.local = local.as(CaffeineCache.class);
        this.keys = keys;
        this.config = config;
        this.cacheConfig = cacheConfig;
        this.metrics = metrics;
        this.redis = redis;
        this.staleServed = Counter.builder("ingress.memory.stale.served")
                .description("Stale memory entries served because mem0 was slow or failing")
                .register(registry);
        this.coalesced = Counter.builder("ingress.memory.coalesced")
                .description("Lookups that joined a mem0 call already in flight instead of making one")
                .register(registry);
        this.lookupTime = io.micrometer.core.instrument.Timer.builder("ingress.memory.lookup")
                .description("Time a webhook spent getting a patient's memories (bounded by the lookup budget)")
                .register(registry);
        this.age = io.micrometer.core.instrument.Timer.builder("ingress.memory.age")
                .description("Age of the memory entry a lookup served (0 when mem0 answered within the budget)")
                .register(registry);
        this.activity = Caffeine.newBuilder().expireAfterWrite(Duration.ofHours(1)).maximumSize(100_000).build();
        registry.gaugeMapSize("ingress.memory.inflight", List.of(), inflight);
    }

    /** A cached entry: the items, when they were fetched, how long the fetch took, how long it is fresh. */
    record Entry(List<MemoryItem> items, Instant fetchedAt, long deltaMs, long freshForMs) {
    }

    public boolean enabled() {
        return mem0.enabled();
    }

    public Uni<MemoryLookup> lookup(MemorySubject subject) {
        long start = System.nanoTime();
        return lookupTiers(subject)
                .invoke(() -> lookupTime.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    private Uni<MemoryLookup> lookupTiers(MemorySubject subject) {
        if (!mem0.enabled()) {
            return Uni.createFrom().item(MemoryLookup.NONE);
        }
        String key = keys.memory(subject.organizationId(), subject.patientKey());
        int lookups = activity.get(key, k -> new AtomicInteger()).incrementAndGet();
        Entry cached = Loaded.valueOf(local.getIfPresent(key));
        if (cached != null) {
            metrics.count(CACHE, "local", "hit");
            return Uni.createFrom().item(served(MemoryLookup.cached(cached.items()), cached));
        }
        metrics.count(CACHE, "local", "miss");
        return shared.get(CACHE, key)
                .onFailure().recoverWithNull()
                .chain(value -> fromShared(subject, key, decode(value), lookups));
    }

    /**
     * What the tiers already hold for a patient, without asking mem0: {@code cached} when fresh,
     * {@code stale}, or {@code none}. For work that must not wait for mem0 (the turn relay).
     */
    public Uni<MemoryLookup> cached(MemorySubject subject) {
        if (!mem0.enabled()) {
            return Uni.createFrom().item(MemoryLookup.NONE);
        }
        String key = keys.memory(subject.organizationId(), subject.patientKey());
        Entry cached = Loaded.valueOf(local.getIfPresent(key));
        if (cached != null) {
            return Uni.createFrom().item(served(MemoryLookup.cached(cached.items()), cached));
        }
        return shared.get(CACHE, key)
                .onFailure().recoverWithNull()
                .map(value -> {
                    Entry entry = decode(value);
                    if (entry == null) {
                        return MemoryLookup.NONE;
                    }
                    return fresh(entry, 0, Instant.now()) ? served(MemoryLookup.cached(entry.items()), entry) : fallback(entry);
                });
    }

    /** Fetches from mem0 now, in the background (write-behind after an add; admin). */
    public void refresh(MemorySubject subject) {
        if (mem0.enabled()) {
            String key = keys.memory(subject.organizationId(), subject.patientKey());
            fetch(subject, key, null);
        }
    }

    /** Fills both tiers for a patient, waiting for mem0 if needed (start-up prefetch). */
    public Uni<Void> warm(MemorySubject subject) {
        if (!mem0.enabled()) {
            return Uni.createFrom().voidItem();
        }
        String key = keys.memory(subject.organizationId(), subject.patientKey());
        return shared.get(CACHE, key)
                .onFailure().recoverWithNull()
                .chain(value -> {
                    Entry entry = decode(value);
                    if (entry != null && fresh(entry, 0, Instant.now())) {
                        local.put(key, CompletableFuture.completedFuture(entry));
                        return Uni.createFrom().voidItem();
                    }
                    return Uni.createFrom().completionStage(fetch(subject, key, entry).copy()).replaceWithVoid();
                })
                .onFailure().recoverWithNull();
    }

    /**
     * Drops a patient from Redis and this process's local tier (other replicas' local entries
     * expire within ingress.memory.local-ttl).
     */
    public Uni<Void> invalidate(MemorySubject subject) {
        String key = keys.memory(subject.organizationId(), subject.patientKey());
        return local.invalidate(key)
                .chain(() -> shared.delete(key));
    }

    private Uni<MemoryLookup> fromShared(MemorySubject subject, String key, Entry entry, int lookups) {
        Instant now = Instant.now();
        if (entry != null && fresh(entry, lookups, now)) {
            metrics.count(CACHE, "redis", "hit");
            local.put(key, CompletableFuture.completedFuture(entry));
            if (refreshEarly(entry, lookups, now)) {
                fetch(subject, key, entry);
            }
            return Uni.createFrom().item(served(MemoryLookup.cached(entry.items()), entry));
        }
        metrics.count(CACHE, "redis", entry == null ? "miss" : "stale");
        CompletableFuture<Entry> load = fetch(subject, key, entry);
        // copy(): the webhook giving up on its budget must not cancel the shared call.
        return Uni.createFrom().completionStage(load.copy())
                .map(fetched -> served(MemoryLookup.fresh(fetched.items()), fetched))
                .ifNoItem().after(config.lookupBudget()).recoverWithItem(() -> fallback(entry))
                .onFailure().recoverWithItem(() -> fallback(entry));
    }

    /** Records how old the served entry was (ingress.memory.age). */
    private MemoryLookup served(MemoryLookup lookup, Entry entry) {
        age.record(Duration.between(entry.fetchedAt(), Instant.now()).abs());
        return lookup;
    }

    private MemoryLookup fallback(Entry stale) {
        if (stale == null) {
            return MemoryLookup.NONE;
        }
        // Counted once: the lookup itself is already in ingress.cache.requests as redis/stale.
        staleServed.increment();
        return served(MemoryLookup.stale(stale.items()), stale);
    }

    /** One mem0 call per key in flight in this process; later callers share it. */
    private CompletableFuture<Entry> fetch(MemorySubject subject, String key, Entry previous) {
        CompletableFuture<Entry> mine = new CompletableFuture<>();
        CompletableFuture<Entry> running = inflight.putIfAbsent(key, mine);
        if (running != null) {
            coalesced.increment();
            return running;
        }
        String lease = keys.memoryLease(subject.organizationId(), subject.patientKey());
        acquireLease(lease)
                .chain(acquired -> acquired
                        ? callMem0(subject, key).eventually(() -> releaseLease(lease))
                        : joinOtherReplica(subject, key, previous))
                .subscribe().with(
                        entry -> {
                            inflight.remove(key, mine);
                            mine.complete(entry);
                        },
                        failure -> {
                            Log.debugf("mem0 lookup failed: %s", failure.getClass().getSimpleName());
                            mine.completeExceptionally(failure);
                            // Callers in the next moments share this failure (stale or none) instead of
                            // each starting a fetch of their own against a struggling mem0.
                            vertx.setTimer(Math.max(1, config.failureBackoff().toMillis()), id -> inflight.remove(key, mine));
                        });
        return mine;
    }

    private Uni<Entry> callMem0(MemorySubject subject, String key) {
        long start = System.nanoTime();
        return mem0.search(pseudonym(subject))
                .onFailure().invoke(e -> metrics.count(CACHE, "mem0", "error"))
                .chain(items -> {
                    metrics.count(CACHE, "mem0", "hit");
                    Entry entry = new Entry(items, Instant.now(), Duration.ofNanos(System.nanoTime() - start).toMillis(),
                            shared.jitter(config.freshTtl()).toMillis());
                    local.put(key, CompletableFuture.completedFuture(entry));
                    return shared.put(CACHE, key, encode(entry), entry.fetchedAt(), config.staleTtl())
                            .replaceWith(entry);
                });
    }

    /** Another replica holds the lease: one lookup coalesced, however many polls it takes. */
    private Uni<Entry> joinOtherReplica(MemorySubject subject, String key, Entry previous) {
        coalesced.increment();
        return awaitOtherReplica(subject, key, previous, System.nanoTime() + config.leaseTtl().toNanos());
    }

    /** Waits for the other replica's result in Redis, or fetches itself once the lease lapses. */
    private Uni<Entry> awaitOtherReplica(MemorySubject subject, String key, Entry previous, long deadline) {
        return Uni.createFrom().voidItem()
                .onItem().delayIt().by(Duration.ofMillis(100))
                .chain(() -> shared.get(CACHE, key).onFailure().recoverWithNull())
                .chain(value -> {
                    Entry entry = decode(value);
                    if (entry != null && (previous == null || entry.fetchedAt().isAfter(previous.fetchedAt()))) {
                        local.put(key, CompletableFuture.completedFuture(entry));
                        return Uni.createFrom().item(entry);
                    }
                    return System.nanoTime() < deadline
                            ? awaitOtherReplica(subject, key, previous, deadline)
                            : callMem0(subject, key);
                });
    }

    private Uni<Boolean> acquireLease(String lease) {
        if (!cacheConfig.redisEnabled()) {
            return Uni.createFrom().item(true);
        }
        return redis.execute("SET", lease, OWNER, "NX", "PX", String.valueOf(config.leaseTtl().toMillis()))
                .map(response -> response != null && "OK".equals(response.toString()))
                .ifNoItem().after(cacheConfig.redisTimeout()).fail()
                // Redis unreachable: no coordination possible, fetch ourselves (still one per process).
                .onFailure().recoverWithItem(true);
    }

    private Uni<Void> releaseLease(String lease) {
        if (!cacheConfig.redisEnabled()) {
            return Uni.createFrom().voidItem();
        }
        return redis.execute("EVAL", RELEASE_LEASE, "1", lease, OWNER)
                // Bounded like every Redis call: an unreleased lease expires by itself (lease-ttl).
                .ifNoItem().after(cacheConfig.redisTimeout().multipliedBy(4)).fail()
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private boolean fresh(Entry entry, int lookups, Instant now) {
        return Duration.between(entry.fetchedAt(), now).toMillis() < freshFor(entry, lookups);
    }

    /** Adaptive TTL: active patients stay fresh longer, never past the stale bound. */
    private long freshFor(Entry entry, int lookups) {
        double factor = lookups >= config.activeLookups() ? config.activeFreshFactor() : 1.0;
        return Math.min(config.staleTtl().toMillis(), (long) (entry.freshForMs() * factor));
    }

    /** XFetch (Vattani et al.): refresh early with a probability that grows as expiry nears. */
    private boolean refreshEarly(Entry entry, int lookups, Instant now) {
        double random = Math.max(Double.MIN_VALUE, ThreadLocalRandom.current().nextDouble());
        double earlyMs = -Math.max(1, entry.deltaMs()) * config.earlyRefreshBeta() * Math.log(random);
        return now.toEpochMilli() + earlyMs >= entry.fetchedAt().toEpochMilli() + freshFor(entry, lookups);
    }

    /** The opaque patient reference sent to mem0 and in turns: {@code p_<hmac>}. */
    public String pseudonym(MemorySubject subject) {
        return "p_" + keys.pseudonym(subject.organizationId(), subject.patientKey());
    }

    private static JsonNode encode(Entry entry) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.set("items", Mem0Responses.toJson(entry.items()));
        node.put("deltaMs", entry.deltaMs());
        node.put("freshForMs", entry.freshForMs());
        return node;
    }

    /** The entry, or null for a miss; a value of the wrong shape is counted and treated as a miss. */
    private Entry decode(CachedValue value) {
        if (value == null) {
            return null;
        }
        JsonNode data = value.data();
        if (data == null || !data.path("items").isArray() || !data.path("freshForMs").canConvertToLong()) {
            metrics.count(CACHE, "redis", "corrupt");
            return null;
        }
        return new Entry(Mem0Responses.items(data.get("items")), value.fetchedAt(),
                data.path("deltaMs").asLong(0), data.get("freshForMs").asLong());
    }
}
