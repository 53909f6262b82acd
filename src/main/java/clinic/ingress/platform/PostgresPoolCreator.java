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
 * {@link PostgresConfig}).
 */
@Singleton
public class PostgresPoolCreator implements PgPoolCreator {

    private final PostgresConfig config;

    public PostgresPoolCreator(PostgresConfig config) {
        this.config = config;
    }

    @Override
    public Pool create(Input input) {
        List<SqlConnectOptions> servers = new ArrayList<>();
        for (PgConnectOptions options : input.pgConnectOptionsList()) {
            servers.add(options.setPreparedStatementCacheSqlLimit(config.preparedStatementCacheSqlLimit()));
        }
        return PgBuilder.pool()
                .with(input.poolOptions().setMaxWaitQueueSize(config.maxWaitQueue()))
                .connectingTo(servers)
                .using(input.vertx())
                .build();
    }
}
