package clinic.ingress.clinic;

import java.time.Duration;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import clinic.ingress.cache.CacheConfig;
import clinic.ingress.platform.Background;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Keeps every replica's directory coherent without restarts.
 *
 * <ul>
 * <li>Triggers on {@code healthcare.clinics} and {@code core.whatsapp_instances} (V4) NOTIFY
 * {@code instance:<name>} or {@code clinic:<id>}. Each replica LISTENs on its own connection,
 * re-reads the instance into Redis, evicts its local tier, and publishes the instance name on the
 * Redis invalidation channel.</li>
 * <li>Replicas subscribed to that channel evict their local tier (covers replicas whose LISTEN
 * connection is momentarily down, and admin invalidations).</li>
 * <li>Losing either connection flushes the local tier (changes may have been missed) and reconnects
 * with backoff; Redis still holds the shared tier, so the flush costs one Redis read per instance.</li>
 * </ul>
 *
 * <p>Why one class of this size: the two connections (PostgreSQL LISTEN, Redis SUBSCRIBE) have the
 * same life cycle (connect, heartbeat or end, flush the local tier, reconnect) and feed one handler.
 */
@ApplicationScoped
public class ClinicChanges {

    private static final String ORIGIN = UUID.randomUUID().toString();
    private static final Duration RECONNECT_FIRST = Duration.ofMillis(250);
    private static final Duration RECONNECT_MAX = Duration.ofSeconds(30);

    private final ClinicDirectory directory;
    private final ClinicRepository repository;
    private final ClinicConfig config;
    private final CacheConfig cacheConfig;
    private final Vertx vertx;
    private final Background background;
    private final Redis redis;
    private final ReactiveRedisDataSource redisData;
    private final PgConnectOptions pgOptions;
    private final jakarta.enterprise.event.Event<DirectoryChanged> changedEvents;
    private PgSubscriber subscriber;
    private volatile RedisConnection redisSubscription;
    private volatile boolean stopped;
    private volatile boolean listening;
    private final java.util.concurrent.atomic.AtomicLong handled = new java.util.concurrent.atomic.AtomicLong();

    public ClinicChanges(ClinicDirectory directory, ClinicRepository repository, ClinicConfig config,
            CacheConfig cacheConfig, Vertx vertx, Background background, Redis redis, ReactiveRedisDataSource redisData,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") java.util.Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") java.util.Optional<String> password,
            @ConfigProperty(name = "quarkus.datasource.reactive.postgresql.ssl-mode") java.util.Optional<String> sslMode,
            @ConfigProperty(name = "quarkus.datasource.reactive.trust-all", defaultValue = "false") boolean trustAll,
            io.micrometer.core.instrument.MeterRegistry registry,
            jakarta.enterprise.event.Event<DirectoryChanged> changedEvents) {
        this.changedEvents = changedEvents;
        io.micrometer.core.instrument.FunctionCounter.builder("ingress.directory.changes", handled, java.util.concurrent.atomic.AtomicLong::get)
                .description("Clinic directory change notifications applied")
                .register(registry);
        this.directory = directory;
        this.repository = repository;
        this.config = config;
        this.cacheConfig = cacheConfig;
        this.vertx = vertx;
        this.background = background;
        this.redis = redis;
        this.redisData = redisData;
        this.pgOptions = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:") ? url.substring(15) : url);
        username.ifPresent(pgOptions::setUser);
        password.ifPresent(pgOptions::setPassword);
        // The LISTEN connection is opened by hand: it must follow the pool's TLS settings, and notice a
        // peer that vanished without a FIN (TCP keepalive, plus the heartbeat below).
        sslMode.ifPresent(mode -> pgOptions.setSslMode(io.vertx.pgclient.SslMode.of(mode)));
        pgOptions.setTrustAll(trustAll);
        pgOptions.setTcpKeepAlive(true);
    }

    void start(@Observes StartupEvent event) {
        if (!config.cacheEnabled()) {
            listening = true;
            return;
        }
        listenToPostgres(0);
        if (cacheConfig.redisEnabled()) {
            subscribeToRedis(0);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (subscriber != null) {
            subscriber.closeAndForget();
        }
        RedisConnection connection = redisSubscription;
        if (connection != null) {
            connection.closeAndForget();
        }
    }

    /** Handles a NOTIFY payload: {@code instance:<name>} or {@code clinic:<uuid>}. */
    Uni<Void> onDatabaseChange(String payload) {
        changedEvents.fire(new DirectoryChanged(payload));
        if (payload.startsWith("instance:")) {
            return changed(payload.substring("instance:".length()));
        }
        if (payload.startsWith("clinic:")) {
            UUID clinicId;
            try {
                clinicId = UUID.fromString(payload.substring("clinic:".length()));
            } catch (IllegalArgumentException e) {
                return Uni.createFrom().voidItem();
            }
            directory.localInstancesOf(clinicId).forEach(directory::evictLocal);
            return repository.findInstanceNamesOfClinic(clinicId)
                    .onItem().transformToMulti(names -> io.smallrye.mutiny.Multi.createFrom().iterable(names))
                    .onItem().transformToUniAndMerge(this::changed)
                    .collect().last()
                    .replaceWithVoid();
        }
        return Uni.createFrom().voidItem();
    }

    /** Change notifications applied so far (what ingress.directory.changes reports). */
    public long handled() {
        return handled.get();
    }

    /** Admin invalidation: re-read from PostgreSQL, evict locally and tell the other replicas. */
    public Uni<Void> invalidate(String instanceName) {
        return changed(instanceName);
    }

    private Uni<Void> changed(String instanceName) {
        return directory.refresh(instanceName)
                .call(() -> cacheConfig.redisEnabled()
                        ? redisData.execute("PUBLISH", cacheConfig.invalidationChannel(), ORIGIN + " " + instanceName)
                                .ifNoItem().after(cacheConfig.redisTimeout().multipliedBy(4)).fail()
                                .onFailure().recoverWithNull()
                        : Uni.createFrom().voidItem())
                .onFailure().invoke(e -> Log.warnf("could not refresh instance %s after a change: %s",
                        instanceName, e.getClass().getSimpleName()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Whether changes can be heard: LISTEN connected at least once (or nothing to listen for). */
    public boolean listening() {
        return listening;
    }

    private void listenToPostgres(int attempt) {
        subscriber = PgSubscriber.subscriber(vertx, pgOptions)
                .reconnectPolicy(retries -> Background.backoff(retries + 1, RECONNECT_FIRST, RECONNECT_MAX).toMillis());
        subscriber.closeHandler(() -> {
            if (!stopped) {
                Log.warn("LISTEN connection to PostgreSQL lost: flushing the local clinic directory, reconnecting");
                directory.flushLocal();
            }
        });
        subscriber.channel(config.notifyChannel())
                // Also runs after every reconnect: anything NOTIFYed meanwhile was missed.
                .subscribeHandler(() -> {
                    directory.flushLocal();
                    changedEvents.fire(new DirectoryChanged(null));
                })
                .handler(payload -> onDatabaseChange(payload).subscribe().with(ignored -> handled.incrementAndGet()));
        subscriber.connect().subscribe().with(
                ignored -> {
                    listening = true;
                    heartbeat(subscriber);
                    Log.infof("listening for clinic directory changes on %s", config.notifyChannel());
                },
                failure -> {
                    Log.warnf("cannot LISTEN to PostgreSQL yet (%s): retrying", failure.getClass().getSimpleName());
                    subscriber.closeAndForget();
                    background.after(Background.backoff(attempt + 1, RECONNECT_FIRST, RECONNECT_MAX), () -> listenToPostgres(attempt + 1));
                });
    }

    /**
     * A LISTEN connection only receives: a server or network gone silent (no RST) would leave it
     * waiting forever. Every 30 s it runs {@code SELECT 1} with a 5 s bound; a failure closes it,
     * which reconnects (and flushes the local tier, since changes may have been missed).
     */
    private void heartbeat(PgSubscriber current) {
        background.after(Duration.ofSeconds(30), () -> {
            if (stopped || subscriber != current || current.closed()) {
                return;
            }
            var connection = current.actualConnection();
            if (connection == null) {
                heartbeat(current);
                return;
            }
            connection.query("SELECT 1").execute()
                    .ifNoItem().after(Duration.ofSeconds(5)).fail()
                    .subscribe().with(
                            ok -> heartbeat(current),
                            failure -> {
                                Log.warnf("LISTEN connection did not answer its heartbeat (%s): reconnecting",
                                        failure.getClass().getSimpleName());
                                connection.closeAndForget();
                                heartbeat(current);
                            });
        });
    }

    private void subscribeToRedis(int attempt) {
        if (stopped) {
            return;
        }
        redis.connect()
                .chain(connection -> {
                    connection.handler(message -> {
                        // ["message", channel, payload] (RESP2) or its RESP3 push equivalent.
                        if (message.size() == 3 && "message".equals(message.get(0).toString())) {
                            onInvalidation(message.get(2).toString());
                        }
                    });
                    connection.exceptionHandler(e -> redisLost(connection));
                    connection.endHandler(() -> redisLost(connection));
                    redisSubscription = connection;
                    return connection.send(Request.cmd(Command.SUBSCRIBE).arg(cacheConfig.invalidationChannel()));
                })
                .subscribe().with(
                        ignored -> directory.flushLocal(),
                        failure -> {
                            background.after(Background.backoff(attempt + 1, RECONNECT_FIRST, RECONNECT_MAX),
                                    () -> subscribeToRedis(attempt + 1));
                        });
    }

    private void onInvalidation(String message) {
        int space = message.indexOf(' ');
        if (space > 0 && !message.substring(0, space).equals(ORIGIN)) {
            directory.evictLocal(message.substring(space + 1));
        }
    }

    private void redisLost(RedisConnection connection) {
        if (stopped || redisSubscription != connection) {
            return;
        }
        redisSubscription = null;
        Log.warn("Redis invalidation subscription lost: flushing the local clinic directory, reconnecting");
        directory.flushLocal();
        background.after(RECONNECT_FIRST, () -> subscribeToRedis(1));
    }
}
