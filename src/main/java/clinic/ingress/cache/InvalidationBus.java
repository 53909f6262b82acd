package clinic.ingress.cache;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.platform.Background;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Local-tier invalidations between replicas over Redis pub/sub ({@code ingress.cache.invalidation-channel}).
 *
 * <p>
 * Standalone Redis: {@code PUBLISH}/{@code SUBSCRIBE}. Redis Cluster: sharded pub/sub
 * ({@code SPUBLISH}/{@code SSUBSCRIBE}, Redis 7), so a message goes to the one shard owning the
 * channel's slot instead of being broadcast over the cluster bus to every node; a server without
 * sharded pub/sub falls back to the classic commands, which reach every node of a cluster too.
 *
 * <p>
 * Each message is {@code <origin> <name>}: a replica ignores its own. Losing the subscription
 * (connection closed, node failed over, slot moved) tells the listener that messages may have been
 * missed, so it can flush its local tier, and resubscribes with backoff.
 */
@ApplicationScoped
public class InvalidationBus {

    /**
     * This replica's id, so it skips its own messages. An instance field, drawn when the replica
     * starts: a static one is drawn once when the native image is built, so every replica of the
     * executable had the same id and skipped every other replica's invalidations (found by
     * ClusterReplicasIT against the native executable).
     */
    private final String origin = UUID.randomUUID().toString();

    /** What a subscriber is told. */
    public interface Listener {
        /** Another replica invalidated {@code name}. */
        void invalidated(String name);

        /**
         * Messages may have been missed: the subscription was lost, or has just been made (again).
         * Called on a Vert.x thread; must not block.
         */
        void mayHaveMissed();
    }

    private final Redis redis;
    private final CacheConfig config;
    private final Background background;
    private volatile boolean sharded;
    private volatile RedisConnection subscription;
    private volatile boolean stopped;

    public InvalidationBus(ReactiveRedisDataSource redis, CacheConfig config,
            RedisNodes nodes, Background background) {
        this.redis = redis.getRedis();
        this.config = config;
        this.background = background;
        this.sharded = nodes.cluster();
    }

    /** Tells the other replicas to drop {@code name} from their local tier (bounded; failures swallowed). */
    public Uni<Void> publish(String name) {
        if (!config.redisEnabled()) {
            return Uni.createFrom().voidItem();
        }
        return redis.send(Request.cmd(sharded ? Command.SPUBLISH : Command.PUBLISH)
                .arg(config.invalidationChannel())
                .arg(origin + " " + name))
                .ifNoItem().after(config.redisTimeout().multipliedBy(4)).fail()
                .onFailure().invoke(e -> Log.debugf("invalidation of %s not published: %s", name, e.getClass().getSimpleName()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Subscribes {@code listener} for the life of the application (one listener: the clinic directory). */
    public void subscribe(Listener listener) {
        if (config.redisEnabled()) {
            subscribe(listener, 0);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        RedisConnection connection = subscription;
        if (connection != null) {
            connection.closeAndForget();
        }
    }

    private void subscribe(Listener listener, int attempt) {
        if (stopped) {
            return;
        }
        redis.connect()
                .chain(connection -> {
                    connection.handler(message -> onMessage(connection, message, listener));
                    connection.exceptionHandler(e -> lost(connection, listener));
                    connection.endHandler(() -> lost(connection, listener));
                    subscription = connection;
                    return connection.send(Request.cmd(sharded ? Command.SSUBSCRIBE : Command.SUBSCRIBE)
                            .arg(config.invalidationChannel()))
                            .onFailure().invoke(connection::closeAndForget);
                })
                .subscribe().with(
                        ignored -> listener.mayHaveMissed(),
                        failure -> {
                            if (sharded && String.valueOf(failure.getMessage()).contains("unknown command")) {
                                Log.info("Redis has no sharded pub/sub (Redis < 7): invalidations use PUBLISH/SUBSCRIBE");
                                sharded = false;
                            }
                            background.after(background.reconnectDelay(attempt + 1),
                                    () -> subscribe(listener, attempt + 1));
                        });
    }

    private void onMessage(RedisConnection connection, Response message, Listener listener) {
        // ["message"|"smessage", channel, payload] (RESP2) or its RESP3 push equivalent.
        String kind = message.size() > 0 ? message.get(0).toString() : "";
        if (message.size() == 3 && ("message".equals(kind) || "smessage".equals(kind))) {
            String payload = message.get(2).toString();
            int space = payload.indexOf(' ');
            if (space > 0 && !payload.substring(0, space).equals(origin)) {
                listener.invalidated(payload.substring(space + 1));
            }
        } else if ("sunsubscribe".equals(kind)) {
            // The server dropped a sharded subscription: its slot moved to another master.
            connection.closeAndForget();
            lost(connection, listener);
        }
    }

    private void lost(RedisConnection connection, Listener listener) {
        if (stopped || subscription != connection) {
            return;
        }
        subscription = null;
        Log.warn("Redis invalidation subscription lost: local tier flushed, resubscribing");
        listener.mayHaveMissed();
        background.after(background.reconnectDelay(1), () -> subscribe(listener, 1));
    }
}
