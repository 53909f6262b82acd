package clinic.ingress.clinic;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import clinic.ingress.cache.CacheKeys;
import clinic.ingress.cache.CacheMetrics;
import clinic.ingress.cache.CachedValue;
import clinic.ingress.cache.Loaded;
import clinic.ingress.cache.SharedCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.cache.CaffeineCache;
import io.smallrye.mutiny.Uni;

/**
 * Resolves the clinic of an Evolution instance through two tiers: Caffeine in process (one load per
 * key per process, via {@code getAsync}) in front of Redis {@code whatsapp:instance:{name}} shared
 * by every replica, then PostgreSQL. After warm-up the message path issues no database statement.
 * Unknown instances are remembered as unknown for {@code ingress.clinic.negative-ttl}, in both
 * tiers, so a misconfigured sender cannot hammer the database.
 */
@ApplicationScoped
public class ClinicDirectory {

    static final String CACHE = "clinic";
    static final String LOCAL = "clinic-directory";
    static final String UNKNOWN = "clinic-directory-unknown";

    private final ClinicRepository repository;
    private final SharedCache shared;
    private final CaffeineCache local;
    private final CaffeineCache unknown;
    private final ClinicConfig config;
    private final CacheMetrics metrics;
    private final Timer resolveTime;
    private final CacheKeys keys;

    @SuppressWarnings("java:S107") // constructor injection of the tiers and their settings
    public ClinicDirectory(ClinicRepository repository, SharedCache shared, @CacheName(LOCAL) Cache local,
            @CacheName(UNKNOWN) Cache unknown, ClinicConfig config, CacheMetrics metrics, CacheKeys keys,
            MeterRegistry registry) {
        this.keys = keys;
        this.resolveTime = Timer.builder("ingress.clinic.resolve")
                .description("Time to resolve an instance's clinic, whichever tier answered")
                .register(registry);
        this.repository = repository;
        this.shared = shared;
        this.local = local.as(CaffeineCache.class);
        this.unknown = unknown.as(CaffeineCache.class);
        this.config = config;
        this.metrics = metrics;
    }

    /** The instance's entry in the shared tier ({@code [namespace:]whatsapp:instance:{name}}). */
    public String redisKey(String instanceName) {
        return keys.instance(instanceName);
    }

    /** The clinic of the instance, or a null item when it is not in the directory. */
    public Uni<Clinic> resolve(String instanceName) {
        return timed(lookup(instanceName, true));
    }

    /**
     * The same for a name that nobody has vouched for yet (a sender only the body's apikey, checked
     * against the resolved clinic, can authenticate): an unknown name is remembered in this process's
     * bounded negative tier only, never in Redis, so invented names leave nothing shared behind.
     */
    public Uni<Clinic> resolveUnverified(String instanceName) {
        return timed(lookup(instanceName, false));
    }

    private Uni<Clinic> timed(Uni<Clinic> lookup) {
        long start = System.nanoTime();
        return lookup
                .invoke(() -> resolveTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
    }

    private Uni<Clinic> lookup(String instanceName, boolean shareUnknown) {
        if (!config.cacheEnabled()) {
            return fromDatabase(instanceName, false);
        }
        if (unknown.getIfPresent(instanceName) != null) {
            metrics.count(CACHE, "local", "negative");
            return Uni.createFrom().nullItem();
        }
        Clinic cached = Loaded.valueOf(local.getIfPresent(instanceName));
        if (cached != null) {
            metrics.count(CACHE, "local", "hit");
            return Uni.createFrom().item(cached);
        }
        metrics.count(CACHE, "local", "miss");
        return local.<String, Clinic> getAsync(instanceName, name -> fromShared(name, shareUnknown))
                .onFailure(UnknownInstance.class).recoverWithUni(() -> {
                    unknown.put(instanceName, CompletableFuture.completedFuture(Boolean.TRUE));
                    return Uni.createFrom().nullItem();
                });
    }

    /** Replaces both tiers with the given entries (warm-up); forgets unknown instances. */
    public Uni<Void> load(Collection<Clinic> clinics, int pipeline, int concurrency) {
        now(unknown.invalidateAll());
        Map<String, JsonNode> entries = new LinkedHashMap<>();
        for (Clinic clinic : clinics) {
            local.put(clinic.instanceName(), CompletableFuture.completedFuture(clinic));
            entries.put(redisKey(clinic.instanceName()), ClinicJson.toJson(clinic));
        }
        return shared.putAll(CACHE, entries, Instant.now(), config.ttl(), pipeline, concurrency);
    }

    /** Re-reads one instance from PostgreSQL into Redis and drops it from the local tiers. */
    public Uni<Void> refresh(String instanceName) {
        return repository.findByInstance(instanceName)
                .chain(clinic -> writeShared(instanceName, clinic))
                .invoke(() -> evictLocal(instanceName));
    }

    /** Drops an instance from this process only (another replica refreshed Redis). */
    public void evictLocal(String instanceName) {
        now(local.invalidate(instanceName));
        now(unknown.invalidate(instanceName));
    }

    /** Drops every local entry: an invalidation connection was lost, so local entries may be stale. */
    public void flushLocal() {
        now(local.invalidateAll());
        now(unknown.invalidateAll());
    }

    /** Instances this process holds for a clinic (to evict them when the clinic row changes). */
    public List<String> localInstancesOf(UUID clinicId) {
        return local.keySet().stream()
                .map(String.class::cast)
                .filter(name -> {
                    Clinic clinic = Loaded.valueOf(local.<Clinic> getIfPresent(name));
                    return clinic != null && clinicId.equals(clinic.clinicId());
                })
                .toList();
    }

    private Uni<Clinic> fromShared(String instanceName, boolean shareUnknown) {
        return shared.get(CACHE, redisKey(instanceName))
                .onFailure().recoverWithNull()
                .chain(value -> value == null
                        ? fromDatabase(instanceName, true, shareUnknown)
                        : fromRedis(instanceName, value, shareUnknown));
    }

    private Uni<Clinic> fromRedis(String instanceName, CachedValue value, boolean shareUnknown) {
        if (value.negative()) {
            metrics.count(CACHE, "redis", "negative");
            return Uni.createFrom().failure(new UnknownInstance());
        }
        Clinic clinic = ClinicJson.fromJson(instanceName, value.data());
        if (clinic == null) {
            metrics.count(CACHE, "redis", "corrupt");
            return shared.delete(redisKey(instanceName))
                    .onFailure().recoverWithNull()
                    .chain(() -> fromDatabase(instanceName, true, shareUnknown));
        }
        metrics.count(CACHE, "redis", "hit");
        return Uni.createFrom().item(clinic);
    }

    private Uni<Clinic> fromDatabase(String instanceName, boolean cached) {
        return fromDatabase(instanceName, cached, true);
    }

    private Uni<Clinic> fromDatabase(String instanceName, boolean cached, boolean shareUnknown) {
        if (cached && shared.enabled()) {
            metrics.count(CACHE, "redis", "miss");
        }
        Uni<Clinic> loaded = repository.findByInstance(instanceName)
                .invoke(clinic -> metrics.count(CACHE, "database", clinic == null ? "miss" : "hit"));
        if (!cached) {
            return loaded;
        }
        return loaded
                .call(clinic -> clinic != null || shareUnknown ? writeShared(instanceName, clinic)
                        : Uni.createFrom().voidItem())
                .onItem().ifNull().failWith(UnknownInstance::new);
    }

    private Uni<Void> writeShared(String instanceName, Clinic clinic) {
        return clinic == null
                ? shared.put(CACHE, redisKey(instanceName), NullNode.instance, Instant.now(), config.negativeTtl())
                : shared.put(CACHE, redisKey(instanceName), ClinicJson.toJson(clinic), Instant.now(), config.ttl());
    }

    /** Caffeine invalidations complete on subscription; nothing here may block an event loop. */
    private static void now(Uni<Void> invalidation) {
        invalidation.subscribe().with(ignored -> {
        }, failure -> {
        });
    }

    /** Loader outcome for an instance the directory does not know: not cached as a value, remembered apart. */
    static final class UnknownInstance extends RuntimeException {
        UnknownInstance() {
            super("unknown instance", null, false, false);
        }
    }
}
