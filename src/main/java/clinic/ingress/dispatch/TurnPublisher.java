package clinic.ingress.dispatch;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.cache.CacheConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.XAddArgs;
import io.smallrye.mutiny.Uni;

/**
 * Publishes turns to the Redis Stream with {@code XADD ... MAXLEN ~}. The turn is already durable as
 * a pending message row, so a failed publish is not an error for the webhook: the relay retries it.
 */
@ApplicationScoped
public class TurnPublisher {

    private final ReactiveStreamCommands<String, String, String> streams;
    private final DispatchConfig config;
    private final CacheConfig cacheConfig;
    private final PublishedMarks marks;
    private final Counter direct;
    private final Counter relayed;
    private final Counter failed;

    public TurnPublisher(ReactiveRedisDataSource redis, DispatchConfig config, CacheConfig cacheConfig,
            PublishedMarks marks, MeterRegistry registry) {
        this.streams = redis.stream(String.class, String.class, String.class);
        this.config = config;
        this.cacheConfig = cacheConfig;
        this.marks = marks;
        this.direct = counter(registry, "direct");
        this.relayed = counter(registry, "relay");
        this.failed = Counter.builder("ingress.turns.publish.failures")
                .description("XADDs that failed; the relay publishes those turns later")
                .register(registry);
    }

    /** Publishes right after the store, in the background; the webhook never waits for it. */
    public void publishAfterStore(Turn turn) {
        if (!config.publishAfterStore()) {
            return;
        }
        publish(turn)
                .invoke(() -> direct.increment())
                .subscribe().with(ignored -> { }, failure -> failed.increment());
    }

    /** Publishes for the relay; fails when Redis does. */
    Uni<Void> republish(Turn turn) {
        return publish(turn)
                .invoke(() -> relayed.increment())
                .onFailure().invoke(e -> failed.increment());
    }

    private Uni<Void> publish(Turn turn) {
        return streams.xadd(config.stream(), new XAddArgs().maxlen(config.maxLength()).nearlyExactTrimming(), turn.fields())
                .ifNoItem().after(cacheConfig.redisTimeout().multipliedBy(4)).fail()
                .invoke(() -> marks.add(turn.messageId()))
                .replaceWithVoid();
    }

    private static Counter counter(MeterRegistry registry, String path) {
        return Counter.builder("ingress.turns.published")
                .description("Turns published to the stream, right after the store or by the relay")
                .tag("path", path)
                .register(registry);
    }
}
