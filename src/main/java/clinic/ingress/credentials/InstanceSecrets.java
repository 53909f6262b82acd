package clinic.ingress.credentials;

import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Default;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import clinic.ingress.background.Background;
import clinic.ingress.background.FailureLog;
import clinic.ingress.clinic.DirectoryChanged;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;

/**
 * Which instance a per-instance webhook secret belongs to, held in memory so the token header can
 * be checked before a byte of the body is read, without a database round trip per request.
 *
 * <p>
 * Read from PostgreSQL only (never from Redis, which would let whoever can write Redis mint
 * credentials). Reloaded whole at start-up (readiness waits for it: until then nobody can tell
 * which instances refuse the global token), after every directory change notification (V4's trigger
 * fires on the secret columns), and every {@code ingress.webhook.secret-refresh} as a safety net.
 * The map is keyed by the secret's SHA-256: a lookup's timing can only reveal something about a
 * digest, from which the secret cannot be recovered.
 */
@Readiness
@Default // @Readiness alone would hide the bean from plain injection
@ApplicationScoped
public class InstanceSecrets implements HealthCheck {

    private static final String SELECT = """
            SELECT instance_name, active, webhook_secret_sha256, webhook_secret_next_sha256
            FROM core.whatsapp_instances""";

    /** Digest (hex) to instance; AMBIGUOUS when two instances share a secret (it vouches for neither). */
    private record Index(Map<String, String> byDigest, Set<String> secured) {
    }

    private static final String AMBIGUOUS = "";

    private final Pool pool;
    private final Background background;
    private final CredentialsConfig config;
    private final AtomicBoolean loading = new AtomicBoolean();
    private final AtomicBoolean reloadAgain = new AtomicBoolean();
    private final AtomicInteger activeWithoutSecret = new AtomicInteger();
    private final FailureLog failures = new FailureLog(InstanceSecrets.class, "cannot read instance webhook secrets");
    private int failedReads;
    private volatile Index index;
    private volatile boolean warned;
    private Set<String> sharedSecrets = Set.of();

    public InstanceSecrets(Pool pool, Background background, CredentialsConfig config, MeterRegistry registry) {
        this.pool = pool;
        this.background = background;
        this.config = config;
        registry.gauge("ingress.webhook.instances.without.secret", activeWithoutSecret);
    }

    void start(@Observes StartupEvent event) {
        reload();
        background.every(config.secretRefresh(), this::reload);
    }

    void onDirectoryChange(@Observes DirectoryChanged change) {
        reload();
    }

    /** Whether the index has been read at least once; until then header credentials are answered 503. */
    public boolean loaded() {
        return index != null;
    }

    /** The instance whose current or next secret has this SHA-256, or null. */
    public String instanceFor(byte[] digest) {
        String instance = index.byDigest().get(HexFormat.of().formatHex(digest));
        return instance == null || instance.equals(AMBIGUOUS) ? null : instance;
    }

    /** Whether the instance has a secret of its own (so only that secret can write as it). */
    public boolean secured(String instance) {
        return instance != null && index.secured().contains(instance);
    }

    /**
     * Re-reads every instance's secret hashes. Calls while a reload runs are folded into one more
     * reload after it, so a burst of notifications costs two queries, not one each.
     */
    public void reload() {
        if (!loading.compareAndSet(false, true)) {
            reloadAgain.set(true);
            return;
        }
        reloadAgain.set(false);
        read().subscribe().with(this::loadedNow, failure -> {
            if (background.stopped()) {
                // The pool closed under a reload at shutdown: nothing to report, nothing to retry.
                loading.set(false);
                return;
            }
            failedReads++;
            failures.failed(failure, index == null
                    ? "retrying in " + background.reconnectDelay(failedReads) + " (webhooks are answered 503 meanwhile)"
                    : "the secrets read before stand");
            finished(index == null);
        });
    }

    private Uni<Index> read() {
        return pool.query(SELECT)
                .execute()
                .map(this::index);
    }

    private Index index(RowSet<Row> rows) {
        Map<String, String> byDigest = new HashMap<>();
        Set<String> secured = new HashSet<>();
        int unsecured = 0;
        Set<String> shared = new TreeSet<>();
        for (Row row : rows) {
            String instance = row.getString("instance_name");
            boolean any = false;
            for (String digest : new String[] { row.getString("webhook_secret_sha256"),
                    row.getString("webhook_secret_next_sha256") }) {
                if (digest != null) {
                    any = true;
                    String previous = byDigest.putIfAbsent(digest, instance);
                    if (previous != null && !previous.equals(instance)) {
                        byDigest.put(digest, AMBIGUOUS);
                        shared.add(instance);
                        if (!previous.equals(AMBIGUOUS)) {
                            shared.add(previous);
                        }
                    }
                }
            }
            if (any) {
                secured.add(instance);
            } else if (row.getBoolean("active")) {
                unsecured++;
            }
        }
        activeWithoutSecret.set(unsecured);
        if (!shared.equals(sharedSecrets)) {
            sharedSecrets = shared;
            if (!shared.isEmpty()) {
                Log.warnf("instances %s share webhook secrets with one another: a shared secret authenticates none of them",
                        shared);
            }
        }
        return new Index(Map.copyOf(byDigest), Set.copyOf(secured));
    }

    private void loadedNow(Index loaded) {
        failedReads = 0;
        failures.recovered();
        boolean first = index == null;
        index = loaded;
        if (first) {
            Log.infof("instance webhook secrets loaded: %d instances have their own", loaded.secured().size());
        }
        if (!warned && activeWithoutSecret.get() > 0 && !config.requireInstanceSecret()) {
            warned = true;
            Log.warnf("%d active instances have no webhook secret of their own: the global token or JWT secret "
                    + "writes as any of them (scripts/instance-secret.sh; ingress.webhook.require-instance-secret)",
                    activeWithoutSecret.get());
        }
        finished(false);
    }

    private void finished(boolean retrySoon) {
        loading.set(false);
        if (reloadAgain.getAndSet(false)) {
            reload();
        } else if (retrySoon) {
            // The reconnect backoff (ingress.reconnect.*): a database that refuses the service's role is
            // asked again less and less often, not every second.
            background.after(background.reconnectDelay(failedReads), this::reload);
        }
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("Instance webhook secrets")
                .status(loaded())
                .withData("instancesWithSecret", loaded() ? index.secured().size() : 0)
                .withData("activeInstancesWithoutSecret", activeWithoutSecret.get());
        String cause = failures.cause();
        return (cause == null ? response : response.withData("lastFailure", cause)).build();
    }
}
