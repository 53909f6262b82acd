package clinic.ingress.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Caffeine;

import clinic.ingress.background.Background;
import clinic.ingress.cache.CacheMetrics;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * A patient's memories, never making a webhook wait longer than {@code ingress.memory.lookup-budget}.
 *
 * <p>
 * Tiers: Caffeine (75 s) in process, Redis {@code mem0:v1:{org}:{hmac}} fresh for 1 h and kept up
 * to 24 h as stale, then mem0. A fresh entry is used as is; a missing or stale one asks mem0 within
 * the budget, and on timeout or failure the stale entry is served (counted) or none. The mem0 call
 * then goes on and fills both tiers for the next message.
 *
 * <p>
 * Stampedes: one mem0 call per patient in flight per process (later callers share its future)
 * and a Redis lease ({@link FetchLease}) so other replicas wait for its result; early refresh and
 * adaptive TTL are {@link Freshness}'s decisions.
 *
 * <p>
 * Why one class of this size: the lookup path (tiers, in-flight map, waiting for another replica,
 * fallback) is the stampede protection, and its steps only make sense in order; what stands alone is
 * apart ({@link Freshness}, {@link FetchLease}, {@link MemoryTiers}, {@link MemoryEntry}, {@link MemoryMetrics}).
 */
@ApplicationScoped
public class PatientMemory {

    static final String CACHE = "memory";

    private final Mem0Gateway mem0;
    private final Mem0Searches searches;
    private final MemoryTiers tiers;
    private final PatientKeys keys;
    private final MemoryConfig config;
    private final CacheMetrics metrics;
    private final FetchLease lease;
    private final Freshness freshness;
    private final Background background;
    private final MemoryMetrics meters;
    private final ErasingPatients erasing;
    private final ConcurrentHashMap<String, CompletableFuture<MemoryEntry>> inflight = new ConcurrentHashMap<>();
    private final com.github.benmanes.caffeine.cache.Cache<String, AtomicInteger> activity;

    @SuppressWarnings("java:S107") // constructor injection of the lookup's collaborators
    PatientMemory(Mem0Gateway mem0, Mem0Searches searches, MemoryTiers tiers, PatientKeys keys, MemoryConfig config,
            CacheMetrics metrics, FetchLease lease, MemoryMetrics meters, Background background, ErasingPatients erasing) {
        this.background = background;
        this.erasing = erasing;
        this.mem0 = mem0;
        this.searches = searches;
        this.tiers = tiers;
        this.keys = keys;
        this.config = config;
        this.metrics = metrics;
        this.lease = lease;
        this.freshness = Freshness.of(config);
        this.meters = meters;
        this.activity = Caffeine.newBuilder().expireAfterWrite(config.activeWindow()).maximumSize(config.activeMaxPatients())
                .build();
        meters.inflight(inflight);
    }

    public boolean enabled() {
        return mem0.enabled();
    }

    public Uni<MemoryLookup> lookup(MemorySubject subject) {
        long start = System.nanoTime();
        return lookupTiers(subject)
                .invoke(() -> meters.lookup(System.nanoTime() - start));
    }

    private Uni<MemoryLookup> lookupTiers(MemorySubject subject) {
        if (!enabledFor(subject)) {
            return Uni.createFrom().item(MemoryLookup.NONE);
        }
        String key = keys.memory(subject.organizationId(), subject.patientKey());
        int lookups = activity.get(key, k -> new AtomicInteger()).incrementAndGet();
        MemoryEntry cached = tiers.local(key);
        if (cached != null) {
            metrics.count(CACHE, "local", "hit");
            return Uni.createFrom().item(served(MemoryLookup.cached(cached.items()), cached));
        }
        metrics.count(CACHE, "local", "miss");
        return tiers.shared(key)
                .chain(entry -> fromShared(subject, key, entry, lookups));
    }

    /**
     * What the tiers already hold for a patient, without asking mem0: {@code cached} when fresh,
     * {@code stale}, or {@code none}. For work that must not wait for mem0 (the turn relay).
     */
    public Uni<MemoryLookup> cached(MemorySubject subject) {
        if (!enabledFor(subject)) {
            return Uni.createFrom().item(MemoryLookup.NONE);
        }
        String key = keys.memory(subject.organizationId(), subject.patientKey());
        MemoryEntry cached = tiers.local(key);
        if (cached != null) {
            return Uni.createFrom().item(served(MemoryLookup.cached(cached.items()), cached));
        }
        return tiers.shared(key)
                .map(entry -> {
                    if (entry == null) {
                        return MemoryLookup.NONE;
                    }
                    return freshness.fresh(entry, 0, Instant.now()) ? served(MemoryLookup.cached(entry.items()), entry)
                            : fallback(entry);
                });
    }

    /** Fetches from mem0 now, in the background (write-behind after an add; admin). */
    public void refresh(MemorySubject subject) {
        if (enabledFor(subject)) {
            String key = keys.memory(subject.organizationId(), subject.patientKey());
            fetch(subject, key, null);
        }
    }

    /** Fills both tiers for a patient, waiting for mem0 if needed (start-up prefetch). */
    public Uni<Void> warm(MemorySubject subject) {
        if (!enabledFor(subject)) {
            return Uni.createFrom().voidItem();
        }
        String key = keys.memory(subject.organizationId(), subject.patientKey());
        return tiers.shared(key)
                .chain(entry -> {
                    if (entry != null && freshness.fresh(entry, 0, Instant.now())) {
                        tiers.keepLocal(key, entry);
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
        return tiers.invalidate(keys.memory(subject.organizationId(), subject.patientKey()));
    }

    /**
     * An erased patient, by pseudonym ({@code p_<hex>}): their entry and lease leave Redis and every
     * replica's local tier, and a search in flight for them keeps nothing when it answers.
     */
    public Uni<Void> erase(UUID organizationId, String pseudonym) {
        String hex = pseudonym.substring(2);
        String key = keys.memoryOf(organizationId, hex);
        inflight.remove(key);
        return tiers.erase(key, keys.memoryLeaseOf(organizationId, hex));
    }

    /** mem0 is configured, and the patient is not being erased (then there is nothing to look up). */
    private boolean enabledFor(MemorySubject subject) {
        return mem0.enabled() && !erasing.erasing(subject);
    }

    private Uni<MemoryLookup> fromShared(MemorySubject subject, String key, MemoryEntry entry, int lookups) {
        Instant now = Instant.now();
        if (entry != null && freshness.fresh(entry, lookups, now)) {
            metrics.count(CACHE, "redis", "hit");
            tiers.keepLocal(key, entry);
            if (freshness.refreshEarly(entry, lookups, now)) {
                fetch(subject, key, entry);
            }
            return Uni.createFrom().item(served(MemoryLookup.cached(entry.items()), entry));
        }
        metrics.count(CACHE, "redis", entry == null ? "miss" : "stale");
        CompletableFuture<MemoryEntry> load = fetch(subject, key, entry);
        // copy(): the webhook giving up on its budget must not cancel the shared call.
        return Uni.createFrom().completionStage(load.copy())
                .map(fetched -> served(MemoryLookup.fresh(fetched.items()), fetched))
                .ifNoItem().after(config.lookupBudget()).recoverWithItem(() -> fallback(entry))
                .onFailure().recoverWithItem(() -> fallback(entry));
    }

    /** Records how old the served entry was (ingress.memory.age). */
    private MemoryLookup served(MemoryLookup lookup, MemoryEntry entry) {
        meters.served(Duration.between(entry.fetchedAt(), Instant.now()).abs());
        return lookup;
    }

    private MemoryLookup fallback(MemoryEntry stale) {
        if (stale == null) {
            return MemoryLookup.NONE;
        }
        // Counted once: the lookup itself is already in ingress.cache.requests as redis/stale.
        meters.staleServed();
        return served(MemoryLookup.stale(stale.items()), stale);
    }

    /** One mem0 call per key in flight in this process; later callers share it. */
    private CompletableFuture<MemoryEntry> fetch(MemorySubject subject, String key, MemoryEntry previous) {
        CompletableFuture<MemoryEntry> mine = new CompletableFuture<>();
        CompletableFuture<MemoryEntry> running = inflight.putIfAbsent(key, mine);
        if (running != null) {
            meters.coalesced();
            return running;
        }
        String leaseKey = keys.memoryLease(subject.organizationId(), subject.patientKey());
        lease.acquire(leaseKey)
                .chain(acquired -> acquired
                        ? callMem0(subject, key).eventually(() -> lease.release(leaseKey))
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
                            background.after(config.failureBackoff(), () -> inflight.remove(key, mine));
                        });
        return mine;
    }

    private Uni<MemoryEntry> callMem0(MemorySubject subject, String key) {
        long start = System.nanoTime();
        // The search waits its organization's turn for a place (Mem0Searches), not a FIFO bulkhead.
        return searches.submit(subject.organizationId(), () -> mem0.search(pseudonym(subject)))
                .onFailure(e -> !(e instanceof Mem0Searches.Busy)).invoke(e -> metrics.count(CACHE, "mem0", "error"))
                .chain(items -> {
                    metrics.count(CACHE, "mem0", "hit");
                    MemoryEntry entry = new MemoryEntry(items, Instant.now(),
                            Duration.ofNanos(System.nanoTime() - start).toMillis(),
                            tiers.freshTtlMillis());
                    return tiers.keep(key, entry, start)
                            .replaceWith(entry);
                });
    }

    /** Another replica holds the lease: one lookup coalesced, however many polls it takes. */
    private Uni<MemoryEntry> joinOtherReplica(MemorySubject subject, String key, MemoryEntry previous) {
        meters.coalesced();
        return awaitOtherReplica(subject, key, previous, System.nanoTime() + config.leaseTtl().toNanos());
    }

    /** Waits for the other replica's result in Redis, or fetches itself once the lease lapses. */
    private Uni<MemoryEntry> awaitOtherReplica(MemorySubject subject, String key, MemoryEntry previous, long deadline) {
        return background.delay(config.leasePollInterval())
                .chain(() -> tiers.shared(key))
                .chain(entry -> {
                    if (entry != null && (previous == null || entry.fetchedAt().isAfter(previous.fetchedAt()))) {
                        tiers.keepLocal(key, entry);
                        return Uni.createFrom().item(entry);
                    }
                    return System.nanoTime() < deadline
                            ? awaitOtherReplica(subject, key, previous, deadline)
                            : callMem0(subject, key);
                });
    }

    /** The opaque patient reference sent to mem0 and in turns: {@code p_<hmac>}. */
    public String pseudonym(MemorySubject subject) {
        return "p_" + keys.pseudonym(subject.organizationId(), subject.patientKey());
    }
}
