package clinic.ingress.postgres;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.logging.Log;
import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnectOptions;

/**
 * Creates the reactive PostgreSQL pool from the options Quarkus derived from
 * {@code quarkus.datasource.*}, adding what Quarkus does not expose (see {@link PostgresConfig}),
 * and gives the options of the connection the pool cannot lend (LISTEN).
 *
 * <p>
 * With {@code ingress.postgres.pooled=true} the pool talks to a transaction-mode pooler, which
 * may run each statement on another server connection and refuses startup parameters it does not
 * know ({@code unsupported startup parameter: statement_timeout}): only the parameters PgBouncer
 * and Supavisor accept are sent, statements are unnamed and parsed again with each execution
 * (Vert.x's layer-7 proxy mode), and LISTEN, which needs one session for as long as it listens,
 * goes to the direct connection.
 */
@Singleton
public class PostgresPoolCreator implements PgPoolCreator {

    /** Startup parameters PgBouncer (and Supavisor) pass on; any other is refused at connect. */
    static final Set<String> POOLER_STARTUP_PARAMETERS = Set.of("application_name", "client_encoding", "DateStyle",
            "TimeZone", "standard_conforming_strings");

    private final PostgresConfig config;
    private final Optional<String> jdbcUrl;
    private volatile PgConnectOptions first;

    public PostgresPoolCreator(PostgresConfig config,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") Optional<String> jdbcUrl) {
        this.config = config;
        this.jdbcUrl = jdbcUrl;
    }

    @Override
    public Pool create(Input input) {
        List<SqlConnectOptions> servers = new ArrayList<>();
        first = new PgConnectOptions(input.pgConnectOptionsList().get(0));
        for (PgConnectOptions options : input.pgConnectOptionsList()) {
            options.setPreparedStatementCacheSqlLimit(config.preparedStatementCacheSqlLimit());
            servers.add(config.pooled() ? throughPooler(options) : options);
        }
        return PgBuilder.pool()
                .with(input.poolOptions()
                        .setMaxWaitQueueSize(config.maxWaitQueue())
                        .setConnectionTimeout((int) config.connectionTimeout().toMillis())
                        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
                .connectingTo(servers)
                .using(input.vertx())
                .build();
    }

    /**
     * The options of the connection that LISTENs: the pool's own (credentials, TLS), or with
     * {@code pooled}, the same pointed at the direct connection. Call after the pool exists (inject
     * it and use it first).
     */
    public PgConnectOptions connectOptions() {
        PgConnectOptions options = first;
        if (options == null) {
            throw new IllegalStateException("the reactive pool has not been created yet");
        }
        return config.pooled() ? direct(new PgConnectOptions(options)) : new PgConnectOptions(options);
    }

    private static PgConnectOptions throughPooler(PgConnectOptions options) {
        Set<String> dropped = new TreeSet<>();
        Map<String, String> properties = new HashMap<>();
        options.getProperties().forEach((name, value) -> {
            if (POOLER_STARTUP_PARAMETERS.contains(name)) {
                properties.put(name, value);
            } else {
                dropped.add(name);
            }
        });
        options.setProperties(properties);
        if (!dropped.isEmpty()) {
            // statement_timeout and plan_cache_mode belong on the role then (scripts/db-roles.sh does it).
            Log.infof("transaction pooler: startup parameters %s not sent (set them on the database role: "
                    + "ALTER ROLE ... SET statement_timeout = '10s', as scripts/db-roles.sh does)", dropped);
        }
        return options.setUseLayer7Proxy(true)
                .setCachePreparedStatements(false);
    }

    private PgConnectOptions direct(PgConnectOptions pool) {
        String url = config.listenUrl()
                .or(() -> jdbcUrl)
                .orElseThrow(() -> new IllegalStateException("ingress.postgres.pooled=true needs a direct connection "
                        + "for LISTEN: set quarkus.datasource.jdbc.url (DATABASE_JDBC_URL) or ingress.postgres.listen-url"));
        PgConnectOptions target = PgConnectOptions.fromUri(url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url);
        pool.setHost(target.getHost())
                .setPort(target.getPort())
                .setDatabase(target.getDatabase() == null ? pool.getDatabase() : target.getDatabase());
        if (url.contains("sslmode=")) {
            pool.setSslMode(target.getSslMode());
        }
        return pool;
    }
}
