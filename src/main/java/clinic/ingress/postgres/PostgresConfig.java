package clinic.ingress.postgres;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the reactive PostgreSQL pool that Quarkus has no key for ({@code ingress.postgres.*}).
 */
@ConfigMapping(prefix = "ingress.postgres")
interface PostgresConfig {

    /**
     * Requests that may wait for a pool connection; beyond this they fail at once (the webhook
     * answers 503) instead of queueing without bound behind a PostgreSQL that hangs.
     */
    @WithDefault("2000")
    int maxWaitQueue();

    /**
     * How long a request waits for a pool connection (Vert.x's default, 30 s), the webhook's own
     * {@code store-timeout} answering first.
     */
    @WithDefault("30s")
    Duration connectionTimeout();

    /**
     * Longest SQL text kept in the per-connection prepared-statement cache. The client's default
     * (2,048 characters) is shorter than the store statement, which was then parsed, planned and
     * prepared again for every batch.
     */
    @WithDefault("16384")
    int preparedStatementCacheSqlLimit();

    /**
     * The reactive URL points at a transaction-mode pooler (Supabase's Supavisor on 6543, PgBouncer,
     * RDS Proxy): every statement may run on another server connection. The pool then sends only
     * the startup parameters a pooler accepts, prepares nothing by name (unnamed statements, parsed
     * again with each execution), and LISTENs on {@link #listenUrl()} instead (docs/supabase.md).
     */
    @WithDefault("false")
    boolean pooled();

    /**
     * The direct connection (not the pooler) that carries LISTEN when {@link #pooled()}: a
     * {@code postgresql://} or {@code jdbc:postgresql://} URL whose host, port, database and
     * {@code sslmode} replace the pool's; user, password and TLS trust stay the pool's. Default:
     * {@code quarkus.datasource.jdbc.url}, the connection migrations use.
     */
    Optional<String> listenUrl();
}
