package clinic.ingress.platform;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Singleton;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnectOptions;

/**
 * Creates the reactive PostgreSQL pool from the options Quarkus derived from
 * {@code quarkus.datasource.*}, adding the two that Quarkus does not expose (see
 * {@link PostgresConfig}), and keeps them for the connections the pool cannot lend (LISTEN).
 */
@Singleton
public class PostgresPoolCreator implements PgPoolCreator {

    private final PostgresConfig config;
    private volatile PgConnectOptions first;

    public PostgresPoolCreator(PostgresConfig config) {
        this.config = config;
    }

    @Override
    public Pool create(Input input) {
        List<SqlConnectOptions> servers = new ArrayList<>();
        first = new PgConnectOptions(input.pgConnectOptionsList().get(0));
        for (PgConnectOptions options : input.pgConnectOptionsList()) {
            servers.add(options.setPreparedStatementCacheSqlLimit(config.preparedStatementCacheSqlLimit()));
        }
        return PgBuilder.pool()
                .with(input.poolOptions().setMaxWaitQueueSize(config.maxWaitQueue()))
                .connectingTo(servers)
                .using(input.vertx())
                .build();
    }

    /**
     * A copy of the options of the pool's (first) server, for connections the pool cannot lend:
     * the LISTEN connection follows the same URL, credentials and TLS settings. Call after the pool
     * exists (inject it and use it first).
     */
    public PgConnectOptions connectOptions() {
        PgConnectOptions options = first;
        if (options == null) {
            throw new IllegalStateException("the reactive pool has not been created yet");
        }
        return new PgConnectOptions(options);
    }
}
