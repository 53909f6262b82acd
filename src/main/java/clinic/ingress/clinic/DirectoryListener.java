package clinic.ingress.clinic;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import clinic.ingress.background.Background;
import clinic.ingress.background.FailureLog;
import clinic.ingress.postgres.PostgresPoolCreator;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;

/**
 * The connection {@link ClinicChanges} hears PostgreSQL's change notifications on: its own LISTEN
 * connection (with the pool's options and TCP keepalive), reconnected with backoff, kept honest by
 * a heartbeat; losing it flushes the local tier, since changes may have been missed meanwhile.
 */
@ApplicationScoped
public class DirectoryListener {

    private final ClinicChanges changes;
    private final ClinicDirectory directory;
    private final ClinicConfig config;
    private final Vertx vertx;
    private final Background background;
    private final Pool pool;
    private final PostgresPoolCreator poolCreator;
    private final Event<DirectoryChanged> changedEvents;
    private final FailureLog listenFailures = new FailureLog(DirectoryListener.class,
            "cannot LISTEN to PostgreSQL for clinic directory changes");
    private PgConnectOptions pgOptions;
    private PgSubscriber subscriber;
    private volatile boolean stopped;
    private volatile boolean listening;

    public DirectoryListener(ClinicChanges changes, ClinicDirectory directory, ClinicConfig config, Vertx vertx,
            Background background, Pool pool, PostgresPoolCreator poolCreator, Event<DirectoryChanged> changedEvents) {
        this.changes = changes;
        this.directory = directory;
        this.config = config;
        this.vertx = vertx;
        this.background = background;
        this.pool = pool;
        this.poolCreator = poolCreator;
        this.changedEvents = changedEvents;
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
        changes.subscribe();
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (subscriber != null) {
            subscriber.closeAndForget();
        }
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
                .handler(payload -> changes.onDatabaseChange(payload).subscribe().with(ignored -> changes.applied()));
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
