package clinic.ingress.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import clinic.ingress.background.LogText;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * The Redis tier shared by every replica. Lookups are bounded by {@code ingress.cache.redis-timeout};
 * a value that does not decode under its key (corrupt, edited, moved from another key, or written
 * in an older format) is deleted, counted and reported as a miss; with
 * {@code ingress.cache.redis-enabled=false} every lookup misses and writes are skipped.
 */
@ApplicationScoped
public class SharedCache {

    private final ReactiveValueCommands<String, byte[]> values;
    private final ReactiveRedisDataSource redis;
    private final RedisNodes nodes;
    private final CacheCodec codec;
    private final CacheConfig config;
    private final CacheMetrics metrics;

    public SharedCache(ReactiveRedisDataSource redis, RedisNodes nodes, CacheCodec codec, CacheConfig config,
            CacheMetrics metrics) {
        this.redis = redis;
        this.nodes = nodes;
        this.values = redis.value(byte[].class);
        this.codec = codec;
        this.config = config;
        this.metrics = metrics;
    }

    public boolean enabled() {
        return config.redisEnabled();
    }

    /**
     * The decoded value, or a null item on a miss (corrupt values included). Fails when Redis does
     * not answer in time, so the caller can fall through to the source.
     */
    public Uni<CachedValue> get(String cache, String key) {
        return get(cache, key, config.redisTimeout());
    }

    /** As {@link #get(String, String)}, waiting at most {@code timeout} (reads nobody is waiting on). */
    public Uni<CachedValue> get(String cache, String key, Duration timeout) {
        if (!config.redisEnabled()) {
            return Uni.createFrom().nullItem();
        }
        return values.get(key)
                .ifNoItem().after(timeout).fail()
                .onFailure().invoke(e -> metrics.count(cache, "redis", "error"))
                .chain(bytes -> bytes == null ? Uni.createFrom().nullItem() : decode(cache, key, bytes));
    }

    /** Writes a value with a jittered TTL; failures are counted and swallowed (a cache write is optional). */
    public Uni<Void> put(String cache, String key, JsonNode data, Instant fetchedAt, Duration ttl) {
        if (!config.redisEnabled()) {
            return Uni.createFrom().voidItem();
        }
        return values.set(key, codec.encode(key, data, fetchedAt), new SetArgs().px(jitter(ttl)))
                .ifNoItem().after(config.redisTimeout().multipliedBy(4)).fail()
                .onFailure().invoke(e -> metrics.count(cache, "redis", "error"))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /**
     * Writes many values (the warm-up's whole directory) in pipelines of {@code pipeline} commands,
     * one pipeline after another: one round trip per pipeline instead of one per key, which is what
     * warming 10,000 instances spent most of its time on. Like {@link #put}, a failure is counted and
     * swallowed: those entries are then only in the local tier, and read from the source on their
     * next miss.
     *
     * <p>
     * In a cluster a pipeline may only hold keys of one slot, and the Quarkus client wraps the
     * Vert.x cluster connection, so Vert.x's grouping by node ({@code RedisCluster.groupByNodes})
     * refuses it: there the values are written one command each, {@code concurrency} at a time.
     */
    public Uni<Void> putAll(String cache, Map<String, JsonNode> entries, Instant fetchedAt, Duration ttl,
            int pipeline, int concurrency) {
        if (!config.redisEnabled() || entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (nodes.cluster()) {
            return Multi.createFrom().iterable(entries.entrySet())
                    .onItem().transformToUni(entry -> put(cache, entry.getKey(), entry.getValue(), fetchedAt, ttl))
                    .merge(Math.max(1, concurrency))
                    .collect().last()
                    .replaceWithVoid();
        }
        return Multi.createFrom().iterable(entries.entrySet())
                .map(entry -> Request.cmd(Command.SET)
                        .arg(entry.getKey())
                        .arg(codec.encode(entry.getKey(), entry.getValue(), fetchedAt))
                        .arg("PX")
                        .arg(jitter(ttl).toMillis()))
                .group().intoLists().of(Math.max(1, pipeline))
                .onItem().transformToUniAndConcatenate(requests -> pipelined(cache, requests))
                .collect().last()
                .replaceWithVoid();
    }

    private Uni<Void> pipelined(String cache, List<Request> requests) {
        return redis.getRedis().batch(requests)
                // One round trip for the whole pipeline: a Redis in trouble still cannot hold warm-up.
                .ifNoItem().after(config.redisTimeout().multipliedBy(4)).fail()
                .onFailure().invoke(e -> {
                    metrics.count(cache, "redis", "error");
                    // Keys name instances or HMACs, never a patient; the message names neither.
                    Log.warnf(
                            "a pipeline of %d %s cache writes failed (%s: %s): those entries are read from the source on their next miss",
                            requests.size(), cache, e.getClass().getSimpleName(), e.getMessage());
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    public Uni<Void> delete(String key) {
        if (!config.redisEnabled()) {
            return Uni.createFrom().voidItem();
        }
        return redis.key(String.class).unlink(key)
                .ifNoItem().after(config.redisTimeout().multipliedBy(4)).fail()
                .replaceWithVoid();
    }

    /**
     * A key rotation is under way: the value is sealed again under the current key, keeping its TTL,
     * in the background (the lookup does not wait; a failure leaves the old value, read again later).
     */
    private void rekey(String cache, String key, CachedValue value) {
        values.set(key, codec.encode(key, value.data(), value.fetchedAt()), new SetArgs().keepttl().xx())
                .ifNoItem().after(config.redisTimeout().multipliedBy(4)).fail()
                .subscribe().with(
                        ignored -> metrics.count(cache, "redis", "rekeyed"),
                        failure -> metrics.count(cache, "redis", "error"));
    }

    /** A TTL moved by up to ±{@code ingress.cache.ttl-jitter}, so entries written together expire apart. */
    public Duration jitter(Duration ttl) {
        double spread = config.ttlJitter();
        double factor = 1 + (spread <= 0 ? 0 : ThreadLocalRandom.current().nextDouble(-spread, spread));
        return Duration.ofMillis(Math.max(config.minTtl().toMillis(), (long) (ttl.toMillis() * factor)));
    }

    private Uni<CachedValue> decode(String cache, String key, byte[] bytes) {
        try {
            CachedValue value = codec.decode(key, bytes);
            if (value.rekey()) {
                rekey(cache, key, value);
            }
            return Uni.createFrom().item(value);
        } catch (CacheCodec.UndecodableValue e) {
            // The key names a clinic instance or an HMAC, never a patient, so it may be logged.
            if (e.outdated()) {
                // Every value after an upgrade of the format: expected, counted, not worth a warning each.
                Log.debugf("outdated %s cache value at %s: deleted, reloading", cache, key);
                metrics.count(cache, "redis", "outdated");
            } else {
                // The key names an instance as a body named it: escaped, so it cannot forge or hide a line.
                Log.warnf("undecodable %s cache value at %s (%s): deleted, reloading", cache, LogText.of(key), e.getMessage());
                metrics.count(cache, "redis", "corrupt");
            }
            return delete(key)
                    .onFailure().recoverWithNull()
                    .replaceWith(Uni.createFrom().nullItem());
        }
    }
}
