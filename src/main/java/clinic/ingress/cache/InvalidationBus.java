package clinic.ingress.cache;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
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
 * Each message is {@code <origin> <name>} (the clinic directory's) or {@code <origin> <topic>\0<name>}
 * (another topic's: a patient's memory entry, an erasure begun or ended): a replica ignores its own,
 * and hands each to its topic's listener. A NUL cannot be in an instance name (PostgreSQL text), and
 * a replica of an older version reads a topic's message as an instance that does not exist. Losing
 * the subscription (connection closed, node failed over, slot moved) tells every listener that
 * messages may have been missed, so it can flush its local tier, and resubscribes with backoff.
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

    /** The clinic directory's topic: its messages carry no topic, as before topics existed. */
    static final String DIRECTORY = "";
    private static final char TOPIC_END = '\0';

    private final Redis redis;
    private final CacheConfig config;
    private final Map<String, Listener> listeners = new ConcurrentHashMap<>();
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
        return publish(DIRECTORY, name);
    }

    /** Tells the other replicas' listener of {@code topic} about {@code name} (bounded; failures swallowed). */
    public Uni<Void> publish(String topic, String name) {
        if (!config.redisEnabled()) {
            return Uni.createFrom().voidItem();
        }
        return redis.send(Request.cmd(sharded ? Command.SPUBLISH : Command.PUBLISH)
                .arg(config.invalidationChannel())
                .arg(origin + " " + (DIRECTORY.equals(topic) ? name : topic + TOPIC_END + name)))
                .ifNoItem().after(config.redisTimeout().multipliedBy(4)).fail()
                .onFailure().invoke(e -> Log.debugf("invalidation of %s not published: %s", name, e.getClass().getSimpleName()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Subscribes the clinic directory's {@code listener} for the life of the application. */
    public void subscribe(Listener listener) {
        subscribe(DIRECTORY, listener);
    }

    /**
     * Subscribes {@code listener} to {@code topic} for the life of the application (one listener per
     * topic; one Redis subscription for them all, made with the first).
     */
    public void subscribe(String topic, Listener listener) {
        if (!config.redisEnabled()) {
            return;
        }
        boolean first;
        synchronized (listeners) {
            first = listeners.isEmpty();
            listeners.put(topic, listener);
        }
        if (first) {
            subscribe(0);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        RedisConnection connection = subscription;
        if (connection != null) {
            connection.closeAndForget();
        }
    }

    private void subscribe(int attempt) {
        if (stopped) {
            return;
        }
        redis.connect()
                .chain(connection -> {
                    connection.handler(message -> onMessage(connection, message));
                    connection.exceptionHandler(e -> lost(connection));
                    connection.endHandler(() -> lost(connection));
                    subscription = connection;
                    return connection.send(Request.cmd(sharded ? Command.SSUBSCRIBE : Command.SUBSCRIBE)
                            .arg(config.invalidationChannel()))
                            .onFailure().invoke(connection::closeAndForget);
                })
                .subscribe().with(
                        ignored -> listeners.values().forEach(Listener::mayHaveMissed),
                        failure -> {
                            if (sharded && String.valueOf(failure.getMessage()).contains("unknown command")) {
                                Log.info("Redis has no sharded pub/sub (Redis < 7): invalidations use PUBLISH/SUBSCRIBE");
                                sharded = false;
                            }
                            background.after(background.reconnectDelay(attempt + 1),
                                    () -> subscribe(attempt + 1));
                        });
    }

    private void onMessage(RedisConnection connection, Response message) {
        // ["message"|"smessage", channel, payload] (RESP2) or its RESP3 push equivalent.
        String kind = message.size() > 0 ? message.get(0).toString() : "";
        if (message.size() == 3 && ("message".equals(kind) || "smessage".equals(kind))) {
            String payload = message.get(2).toString();
            int space = payload.indexOf(' ');
            if (space > 0 && !payload.substring(0, space).equals(origin)) {
                deliver(payload.substring(space + 1));
            }
        } else if ("sunsubscribe".equals(kind)) {
            // The server dropped a sharded subscription: its slot moved to another master.
            connection.closeAndForget();
            lost(connection);
        }
    }

    private void deliver(String message) {
        int end = message.indexOf(TOPIC_END);
        String topic = end < 0 ? DIRECTORY : message.substring(0, end);
        Listener listener = listeners.get(topic);
        if (listener != null) {
            listener.invalidated(message.substring(end + 1));
        }
    }

    private void lost(RedisConnection connection) {
        if (stopped || subscription != connection) {
            return;
        }
        subscription = null;
        Log.warn("Redis invalidation subscription lost: local tier flushed, resubscribing");
        listeners.values().forEach(Listener::mayHaveMissed);
        background.after(background.reconnectDelay(1), () -> subscribe(1));
    }
}
