package clinic.ingress.dispatch;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import clinic.ingress.cache.CacheConfig;
import clinic.ingress.memory.MemoryLookup;
import clinic.ingress.memory.PatientMemory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.XAddArgs;
import io.smallrye.mutiny.Uni;

/**
 * Builds turns from stored messages and publishes them to the Redis Stream with
 * {@code XADD ... MAXLEN ~}. The turn is already durable in the outbox, so a failed publish is not an
 * error for the webhook: the relay retries it. A published turn leaves the outbox in the next batched
 * delete ({@link PublishedTurns}).
 */
@ApplicationScoped
public class TurnPublisher {

    private final ReactiveStreamCommands<String, String, String> streams;
    private final DispatchConfig config;
    private final CacheConfig cacheConfig;
    private final PublishedTurns published;
    private final PatientMemory memory;
    private final Counter direct;
    private final Counter relayed;
    private final Counter failed;

    public TurnPublisher(ReactiveRedisDataSource redis, DispatchConfig config, CacheConfig cacheConfig,
            PublishedTurns published, PatientMemory memory, MeterRegistry registry) {
        this.streams = redis.stream(String.class, String.class, String.class);
        this.config = config;
        this.cacheConfig = cacheConfig;
        this.published = published;
        this.memory = memory;
        this.direct = counter(registry, "direct");
        this.relayed = counter(registry, "relay");
        this.failed = Counter.builder("ingress.turns.publish.failures")
                .description("XADDs that failed; the relay publishes those turns later")
                .register(registry);
    }

    /** Publishes right after the store, in the background; the webhook never waits for it. */
    public void publishAfterStore(PendingTurn stored, MemoryLookup lookup) {
        publish(stored, lookup)
                .invoke(() -> direct.increment())
                .subscribe().with(ignored -> { }, failure -> failed.increment());
    }

    /** Publishes for the relay; fails when Redis does. */
    Uni<Void> republish(PendingTurn stored, MemoryLookup lookup) {
        return publish(stored, lookup)
                .invoke(() -> relayed.increment())
                .onFailure().invoke(() -> failed.increment());
    }

    /** A stored row that cannot become a turn (legacy data without a clinic, say): Redis is not to blame. */
    static final class Unpublishable extends RuntimeException {
        Unpublishable(Throwable cause) {
            super("the stored message cannot become a turn: " + cause.getClass().getSimpleName(), cause, false, false);
        }
    }

    private Uni<Void> publish(PendingTurn stored, MemoryLookup lookup) {
        Map<String, String> fields;
        try {
            fields = new Turn(stored, memory.pseudonym(stored.subject()), lookup).fields();
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(new Unpublishable(e));
        }
        return streams.xadd(config.stream(), new XAddArgs().maxlen(config.maxLength()).nearlyExactTrimming(), fields)
                .ifNoItem().after(cacheConfig.redisTimeout().multipliedBy(4)).fail()
                .invoke(() -> published.add(stored.messageId()))
                .replaceWithVoid();
    }

    private static Counter counter(MeterRegistry registry, String path) {
        return Counter.builder("ingress.turns.published")
                .description("Turns published to the stream, right after the store or by the relay")
                .tag("path", path)
                .register(registry);
    }
}
