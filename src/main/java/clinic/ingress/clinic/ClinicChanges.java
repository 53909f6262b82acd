package clinic.ingress.clinic;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import clinic.ingress.cache.InvalidationBus;
import clinic.ingress.platform.Background;
import clinic.ingress.platform.FailureLog;
import clinic.ingress.postgres.PostgresPoolCreator;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Keeps every replica's directory coherent without restarts.
 *
 * <ul>
 * <li>Triggers on {@code healthcare.clinics} and {@code core.whatsapp_instances} (V4) NOTIFY
 * {@code instance:<name>} or {@code clinic:<id>}. Each replica LISTENs on its own connection,
 * re-reads the instance into Redis, evicts its local tier, and publishes the instance name on the
 * {@link InvalidationBus}.</li>
 * <li>Replicas hearing it on the bus evict their local tier (covers replicas whose LISTEN
 * connection is momentarily down, and admin invalidations).</li>
 * <li>Losing either connection flushes the local tier (changes may have been missed) and reconnects
 * with backoff; Redis still holds the shared tier, so the flush costs one Redis read per instance.</li>
 * </ul>
 */
@ApplicationScoped
public class ClinicChanges implements InvalidationBus.Listener {

    private final ClinicDirectory directory;
    private final ClinicRepository repository;
    private final ClinicConfig config;
    private final InvalidationBus bus;
    private final Vertx vertx;
    private final Background background;
    private final Pool pool;
    private final PostgresPoolCreator poolCreator;
    private final Event<DirectoryChanged> changedEvents;
    private final Event<InstanceRefreshed> refreshedEvents;
    private final AtomicLong handled = new AtomicLong();
    private final FailureLog listenFailures = new FailureLog(ClinicChanges.class,
            "cannot LISTEN to PostgreSQL for clinic directory changes");
    private PgConnectOptions pgOptions;
    private PgSubscriber subscriber;
    private volatile boolean stopped;
    private volatile boolean listening;

    public ClinicChanges(ClinicDirectory directory, ClinicRepository repository, ClinicConfig config,
            InvalidationBus bus, Vertx vertx, Background background, Pool pool, PostgresPoolCreator poolCreator,
            MeterRegistry registry, Event<DirectoryChanged> changedEvents, Event<InstanceRefreshed> refreshedEvents) {
        this.refreshedEvents = refreshedEvents;
        this.directory = directory;
        this.repository = repository;
        this.config = config;
        this.bus = bus;
        this.vertx = vertx;
        this.background = background;
        this.pool = pool;
        this.poolCreator = poolCreator;
        this.changedEvents = changedEvents;
        FunctionCounter.builder("ingress.directory.changes", handled, AtomicLong::get)
                .description("Clinic directory change notifications applied")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        if (!config.cacheEnabled()) {
            listening = true;
            return;
        }
        // The LISTEN connection is opened by hand, with the pool's own options (URL, credentials,
        // TLS), plus TCP keepalive to notice a peer that vanished without a FIN (and the heartbeat).
        pool.size(); // creates the pool, whose creator keeps its options
        pgOptions = poolCreator.connectOptions().setTcpKeepAlive(true);
        listenToPostgres(0);
        bus.subscribe(this);
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (subscriber != null) {
            subscriber.closeAndForget();
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
                    .onItem().transformToMulti(names -> Multi.createFrom().iterable(names))
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

    @Override
    public void invalidated(String instanceName) {
        directory.evictLocal(instanceName);
    }

    @Override
    public void mayHaveMissed() {
        directory.flushLocal();
    }

    private Uni<Void> changed(String instanceName) {
        return directory.refresh(instanceName)
                .call(() -> bus.publish(instanceName))
                .invoke(() -> refreshedEvents.fire(new InstanceRefreshed(instanceName)))
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
                .reconnectPolicy(retries -> background.reconnectDelay(retries + 1).toMillis());
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
                    listenFailures.recovered();
                    heartbeat(subscriber);
                    Log.infof("listening for clinic directory changes on %s", config.notifyChannel());
                },
                failure -> {
                    listenFailures.failed(failure, "retrying in " + background.reconnectDelay(attempt + 1)
                            + " (the local clinic tier expires meanwhile)");
                    subscriber.closeAndForget();
                    background.after(background.reconnectDelay(attempt + 1), () -> listenToPostgres(attempt + 1));
                });
    }

    /**
     * A LISTEN connection only receives: a server or network gone silent (no RST) would leave it
     * waiting forever. Every {@code ingress.clinic.listen-heartbeat} (30 s) it runs {@code SELECT 1}
     * bounded by {@code listen-heartbeat-timeout} (5 s); a failure closes it,
     * which reconnects (and flushes the local tier, since changes may have been missed).
     */
    private void heartbeat(PgSubscriber current) {
        background.after(config.listenHeartbeat(), () -> {
            if (stopped || subscriber != current || current.closed()) {
                return;
            }
            var connection = current.actualConnection();
            if (connection == null) {
                heartbeat(current);
                return;
            }
            connection.query("SELECT 1").execute()
                    .ifNoItem().after(config.listenHeartbeatTimeout()).fail()
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
}
