package clinic.ingress.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import clinic.ingress.background.Failures;
import clinic.ingress.cache.CacheConfig;
import clinic.ingress.clinic.Clinic;
import clinic.ingress.clinic.ClinicRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;

/**
 * Notices instances that stopped sending. Evolution operators' worst failure is a line whose webhooks
 * silently stop (a disconnected phone, a changed URL): nothing errors, messages just stop arriving.
 *
 * <p>
 * Each replica notes when it last received a message for each instance and merges that into the
 * Redis hash {@code ingress:instances:last-seen} every 10 s, so every replica sees the whole
 * platform's traffic. Every minute it counts the active directory instances that have been silent for
 * longer than {@code ingress.webhook.silence-alert-after} although they have talked before
 * ({@code ingress.webhook.instances.silent}, one number: no per-instance tag). Instance names are not
 * patient data.
 */
@ApplicationScoped
public class InstanceActivity {

    static final String KEY = "ingress:instances:last-seen";

    /** A silent instance, for {@code GET /admin/instances/silent}. */
    public record Silent(String instance, Instant lastMessage, long silentSeconds) {
    }

    private final ReactiveRedisDataSource redis;
    private final ClinicRepository repository;
    private final CacheConfig cacheConfig;
    private final DeliveryConfig config;
    private final Background background;
    private final Map<String, Long> unflushed = new ConcurrentHashMap<>();
    private final Map<String, Long> known = new ConcurrentHashMap<>();
    private final AtomicInteger silent = new AtomicInteger();

    public InstanceActivity(ReactiveRedisDataSource redis, ClinicRepository repository, CacheConfig cacheConfig,
            DeliveryConfig config, Background background, MeterRegistry registry) {
        this.redis = redis;
        this.repository = repository;
        this.cacheConfig = cacheConfig;
        this.config = config;
        this.background = background;
        registry.gauge("ingress.webhook.instances.silent", silent);
    }

    void start(@Observes StartupEvent event) {
        background.every(config.activityFlushInterval(), () -> flush().subscribe().with(ignored -> {
        }, failure -> {
        }));
        background.every(config.silenceCheckInterval(), () -> silent(config.silenceAlertAfter())
                .subscribe().with(list -> silent.set(list.size()),
                        failure -> Log.debugf("silent instances not evaluated (%s)", Failures.describe(failure))));
    }

    /** A message of this instance arrived (called on the webhook path: a map write, nothing more). */
    public void seen(String instance) {
        long now = System.currentTimeMillis();
        unflushed.merge(instance, now, Math::max);
        known.merge(instance, now, Math::max);
    }

    /** Writes what this replica saw since the last flush into the shared hash. */
    public Uni<Void> flush() {
        if (unflushed.isEmpty() || !cacheConfig.redisEnabled()) {
            return Uni.createFrom().voidItem();
        }
        Map<String, String> batch = new HashMap<>();
        unflushed.keySet().forEach(instance -> {
            Long at = unflushed.remove(instance);
            if (at != null) {
                batch.put(instance, Long.toString(at));
            }
        });
        return redis.hash(String.class).hset(KEY, batch)
                .ifNoItem().after(cacheConfig.redisTimeout().multipliedBy(4)).fail()
                .onFailure()
                .invoke(() -> batch.forEach((instance, at) -> unflushed.merge(instance, Long.parseLong(at), Math::max)))
                .replaceWithVoid();
    }

    /** Active instances silent for longer than {@code after} that have sent messages before, longest silence first. */
    public Uni<List<Silent>> silent(Duration after) {
        Uni<Map<String, String>> shared = cacheConfig.redisEnabled()
                ? redis.hash(String.class).hgetall(KEY)
                        .ifNoItem().after(cacheConfig.redisTimeout().multipliedBy(4)).fail()
                        .onFailure().recoverWithItem(Map.of())
                : Uni.createFrom().item(Map.of());
        return Uni.combine().all().unis(shared, repository.findAll()).asTuple()
                .map(both -> {
                    Map<String, Long> lastSeen = new HashMap<>(known);
                    both.getItem1().forEach((instance, at) -> lastSeen.merge(instance, Long.parseLong(at), Math::max));
                    long now = System.currentTimeMillis();
                    List<Silent> result = new ArrayList<>();
                    for (Clinic clinic : both.getItem2()) {
                        Long at = lastSeen.get(clinic.instanceName());
                        if (at != null && now - at > after.toMillis()) {
                            result.add(new Silent(clinic.instanceName(), Instant.ofEpochMilli(at), (now - at) / 1000));
                        }
                    }
                    result.sort(Comparator.comparingLong(Silent::silentSeconds).reversed());
                    return result;
                });
    }
}
